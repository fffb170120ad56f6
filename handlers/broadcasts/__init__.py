"""Broadcasts (/siaran): composing and scheduling, managing scheduled and recent ones, and
the report their authors receive. Residents choose topics in the subscriptions feature."""

from bot import delivery
from bot.features import Feature, combine
from handlers.broadcasts import compose, report

# the delivery engine starts (and stops) with the bot; before compose's start-up work
ENGINE = Feature("delivery", 60, on_start=report.start, on_stop=delivery.stop)
FEATURE = combine("broadcasts", 60, ENGINE, compose.PART)
