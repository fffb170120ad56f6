"""The delivery engine's start and stop with the application, with the hooks it reports to:
finished messages to their authors' reports, failed deliveries to the board's alerts."""

from __future__ import annotations

from bot.delivery import alerts, engine, report
from bot.delivery.engine import AnyApplication, Engine


async def start(application: AnyApplication) -> Engine:
    """Start sending (bot/app.py: before the schedules that fell due while the bot was down
    run, so what they tell people goes out at start)."""
    return await engine.start(
        application, on_settled=[report.send_report], on_failure=[alerts.delivery_failed]
    )


async def stop(application: AnyApplication) -> None:
    """Stop sending: calls at Telegram finish and are recorded; the rest wait for the next
    start."""
    await engine.stop(application)
