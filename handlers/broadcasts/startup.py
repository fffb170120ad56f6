"""What the broadcasts feature sets up once the delivery engine runs: the monthly digest's
schedule (and a digest claimed but not yet queued) and the queue sizes /status shows."""

from __future__ import annotations

from typing import Any

from bot.context import services_of
from bot.i18n import N_
from handlers.transparency.digest import ensure_schedule
from storage import deliveries

AnyApplication = Any

QUEUE_LABELS = {
    "queued": N_("messages waiting to be sent"),
    "sending": N_("messages being sent"),
    "uncertain": N_("messages of uncertain delivery"),
}


async def on_start(application: AnyApplication) -> None:
    """After the engine started (bot/app.py): /status's queue sizes, the digest schedule."""
    services_of(application).queue_sizes = lambda: _queue_sizes(application)
    await ensure_schedule(application)


async def _queue_sizes(application: AnyApplication) -> dict[str, int]:
    counts = await services_of(application).db.read(deliveries.waiting_counts)
    return {QUEUE_LABELS[status]: size for status, size in counts.items()}
