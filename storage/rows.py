"""Small conversions shared by the repositories."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def iso(moment: datetime) -> str:
    """A UTC ISO-8601 string for storage."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def day_iso(moment: datetime) -> str:
    """The UTC day of a moment, stored as its midnight: for times that must not say more
    than the day (people's first and last contact, anonymous notifications)."""
    return iso(moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0))


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
