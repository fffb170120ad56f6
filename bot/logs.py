"""Logging: the update id and the handler, never names, Telegram ids, callback_data or tokens."""

from __future__ import annotations

import contextvars
import logging

current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "current_update", default=None
)


class UpdateIdFilter(logging.Filter):
    """Adds `update_id` (or '-') to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        update_id = current_update.get()
        record.update_id = "-" if update_id is None else update_id
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s [update %(update_id)s] %(message)s"


def setup_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(UpdateIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs request URLs, which contain the bot token.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
