"""Working days: Monday–Friday minus Indonesian public holidays (the `holidays` package).

Grievance deadlines count working days from the local date a report was received:
"within 5 working days" ends at the end of the 5th working day after that date. The
assignee is reminded at 08:00 local time on the working day before the deadline's day.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

REMIND_AT = time(8, 0)


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("ID", years=year)


def holiday_name(day: date) -> str | None:
    """The Indonesian public holiday on this day, or None."""
    return _holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (start itself never counts)."""
    if days < 1:
        raise ValueError("days must be at least 1")
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def previous_working_day(day: date) -> date:
    """The last working day strictly before `day`."""
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def deadline(received: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The moment a deadline of `days` working days passes: the end of its last day (UTC-aware).

    Returned as midnight local time at the start of the next calendar day."""
    last = add_working_days(local_date(received, tz), days)
    return datetime.combine(last + timedelta(days=1), time(0, 0), tzinfo=tz)


def deadline_day(due: datetime, tz: ZoneInfo) -> date:
    """The last day on which a deadline built by `deadline()` is still met."""
    return (due.astimezone(tz) - timedelta(seconds=1)).date()


def reminder(due: datetime, tz: ZoneInfo) -> datetime:
    """One working day before the deadline's day, at 08:00 local time."""
    day = previous_working_day(deadline_day(due, tz))
    return datetime.combine(day, REMIND_AT, tzinfo=tz)


def next_midnight(moment: datetime, tz: ZoneInfo) -> datetime:
    """The start of the next local day."""
    return datetime.combine(local_date(moment, tz) + timedelta(days=1), time(0, 0), tzinfo=tz)
