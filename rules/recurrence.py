"""When a recurring broadcast fires next: daily, weekly on a weekday, monthly on a day.

Pure functions. Times are read in BKM_TIMEZONE and returned in UTC. Weekdays are
0 = Monday … 6 = Sunday (Python's, not PTB's run_daily numbering). A monthly day past the
end of a month fires on that month's last day (31 → 30 April, 28/29 February).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Recurrence:
    kind: str  # daily | weekly | monthly
    at: time  # local wall-clock time
    weekday: int | None = None  # weekly: 0 = Monday
    day: int | None = None  # monthly: 1..31

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown recurrence {self.kind!r}")
        if self.kind == "weekly" and not (self.weekday is not None and 0 <= self.weekday <= 6):
            raise ValueError("a weekly recurrence needs a weekday 0..6")
        if self.kind == "monthly" and not (self.day is not None and 1 <= self.day <= 31):
            raise ValueError("a monthly recurrence needs a day 1..31")

    @property
    def code(self) -> str:
        """How it is stored: 'daily', 'weekly:0', 'monthly:15'."""
        if self.kind == "weekly":
            return f"weekly:{self.weekday}"
        if self.kind == "monthly":
            return f"monthly:{self.day}"
        return "daily"

    @classmethod
    def from_code(cls, code: str, at: str) -> Recurrence:
        kind, _, number = code.partition(":")
        hour, minute = (int(x) for x in at.split(":"))
        clock = time(hour, minute)
        if kind == "weekly":
            return cls(kind, clock, weekday=int(number))
        if kind == "monthly":
            return cls(kind, clock, day=int(number))
        return cls(kind, clock)


def _at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_firing(rule: Recurrence, after: datetime, tz: ZoneInfo) -> datetime:
    """The first firing strictly after `after` (aware), in UTC."""
    local = after.astimezone(tz)
    if rule.kind == "daily":
        for offset in range(0, 3):
            moment = _at(local.date() + timedelta(days=offset), rule.at, tz)
            if moment > after:
                return moment
    elif rule.kind == "weekly":
        assert rule.weekday is not None
        start = local.date() + timedelta(days=(rule.weekday - local.weekday()) % 7)
        for weeks in range(0, 3):
            moment = _at(start + timedelta(weeks=weeks), rule.at, tz)
            if moment > after:
                return moment
    else:
        assert rule.day is not None
        year, month = local.year, local.month
        for _ in range(0, 3):
            moment = _at(_month_day(year, month, rule.day), rule.at, tz)
            if moment > after:
                return moment
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("unreachable: a firing is always found within three periods")


def next_daily(clock: str, after: datetime, tz: ZoneInfo) -> datetime:
    """The next local 'HH:MM' after `after` (the daily-digest time of a person)."""
    return next_firing(Recurrence.from_code("daily", clock), after, tz)


def next_digest(after: datetime, tz: ZoneInfo) -> datetime:
    """The monthly transparency digest: the 1st of the month, 08:00 local."""
    return next_firing(Recurrence("monthly", time(8, 0), day=1), after, tz)


def previous_month(moment: datetime, tz: ZoneInfo) -> str:
    """'YYYY-MM' of the month before the (local) moment: what a digest reports on."""
    local = moment.astimezone(tz)
    year, month = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    return f"{year:04d}-{month:02d}"
