"""Broadcasts (/siaran): composing and scheduling, managing scheduled and recent ones.
The delivery engine (bot/delivery/) starts and stops with this feature; residents choose
topics in the subscriptions feature."""

from bot.delivery import lifecycle
from bot.delivery.engine import AnyApplication
from bot.features import Feature, combine
from handlers.broadcasts import compose, startup


async def start(application: AnyApplication) -> None:
    """The engine first (what overdue schedules tell people goes out at start), then what
    this feature sets up once it runs: the digest schedule, /status's queue sizes."""
    await lifecycle.start(application)
    await startup.on_start(application)


ENGINE = Feature("delivery", 60, on_start=start, on_stop=lifecycle.stop)
FEATURE = combine("broadcasts", 60, ENGINE, compose.PART)
