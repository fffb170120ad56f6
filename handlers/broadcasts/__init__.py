"""Broadcasts (/siaran): composing and scheduling, managing scheduled and recent ones, and
the report their authors receive. Residents choose topics in the subscriptions feature."""

from bot.features import combine
from handlers.broadcasts import compose

FEATURE = combine("broadcasts", 60, compose.PART)
