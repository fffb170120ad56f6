"""Dates, times and durations as people type them: one parser for polls and broadcasts.

A moment: "30/11 20:00", "30/11/2026 20.00", "30 November 2026 20:00", "30 Nov 20:00",
"besok 08:00" / "tomorrow 08:00", "20:00" (today, or tomorrow when already past) — read in
BKM_TIMEZONE. A duration: "3 hari", "12 jam", "90 menit", "2 minggu", "3 days", "12 hours".
Returned in UTC; refusals are `Invalid` with a reason in the person's language.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_month_names

from rules.messages import N_
from rules.validate import Invalid

_DURATION_UNITS = {
    "menit": timedelta(minutes=1),
    "mnt": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "mins": timedelta(minutes=1),
    "jam": timedelta(hours=1),
    "j": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "h": timedelta(hours=1),
    "hari": timedelta(days=1),
    "hr": timedelta(days=1),
    "day": timedelta(days=1),
    "days": timedelta(days=1),
    "d": timedelta(days=1),
    "minggu": timedelta(weeks=1),
    "pekan": timedelta(weeks=1),
    "week": timedelta(weeks=1),
    "weeks": timedelta(weeks=1),
    "w": timedelta(weeks=1),
}
_DURATION = re.compile(r"^(?:dalam\s+|in\s+)?(\d{1,4})\s*([a-z]+)$")
_TIME = re.compile(
    r"(?:^|\s)(?:pukul\s+|jam\s+|at\s+)?(\d{1,2})[:.](\d{2})(?:\s*(wib|wita|wit))?$"
)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/-](\d{1,2})(?:[/-](\d{2}|\d{4}))?$")
_WORD_DATE = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?$")
_TODAY = {"hari ini", "today", "nanti", "tonight", "malam ini"}
_TOMORROW = {"besok", "tomorrow", "bsk"}
_LUSA = {"lusa", "the day after tomorrow"}


def _months() -> dict[str, int]:
    names: dict[str, int] = {"agu": 8, "ags": 8, "okt": 10, "des": 12, "mei": 5, "sept": 9}
    for locale in ("id", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                names[name.lower().rstrip(".")] = number
    return names


_MONTHS = _months()
_UNREADABLE = N_(
    "I could not read that date and time. Write it like 30/11 20:00, "
    "30 November 2026 20:00, or a duration like 3 hari or 12 jam."
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().strip()
    return re.sub(r"\s+", " ", text.replace(",", " ")).strip()


def parse_duration(text: str) -> timedelta | None:
    """'3 hari' -> 3 days; None when the text is not a duration."""
    match = _DURATION.match(_clean(text))
    if match is None or match[2] not in _DURATION_UNITS:
        return None
    return int(match[1]) * _DURATION_UNITS[match[2]]


def parse_clock(text: str) -> time:
    """'20:00' or '20.00' -> time(20, 0); Invalid otherwise."""
    match = _TIME.search(" " + _clean(text))
    if match is None or match.start() > 1:
        raise Invalid(N_("Write the time as hours and minutes, for example 20:00."))
    return _time(match)


def _time(match: re.Match[str]) -> time:
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise Invalid(
            N_("There is no such time of day: {hour}:{minute}."), hour=match[1], minute=match[2]
        )
    return time(hour, minute)


def _day(text: str, today: date) -> date | None:
    """The date part, or None when there is none (a time alone)."""
    if not text:
        return None
    if text in _TODAY:
        return today
    if text in _TOMORROW:
        return today + timedelta(days=1)
    if text in _LUSA:
        return today + timedelta(days=2)
    numeric = _NUMERIC_DATE.match(text)
    word = _WORD_DATE.match(text)
    if numeric:
        day, month, year = int(numeric[1]), int(numeric[2]), numeric[3]
    elif word and word[2].rstrip(".") in _MONTHS:
        day, month, year = int(word[1]), _MONTHS[word[2].rstrip(".")], word[3]
    else:
        raise Invalid(_UNREADABLE)
    full_year = int(year) + (2000 if year and len(year) == 2 else 0) if year else today.year
    try:
        found = date(full_year, month, day)
    except ValueError:
        raise Invalid(
            N_("There is no such date: {day}/{month}."), day=str(day), month=str(month)
        ) from None
    if year is None and found < today:
        found = found.replace(year=found.year + 1)  # "5/1" typed in December means January
    return found


def parse_moment(text: str, now: datetime, timezone: ZoneInfo) -> datetime:
    """A date and time (or a duration from now) typed by a person, as an aware UTC datetime."""
    duration = parse_duration(text)
    if duration is not None:
        if duration <= timedelta(0):
            raise Invalid(_UNREADABLE)
        return now.astimezone(UTC) + duration
    value = _clean(text)
    if not value:
        raise Invalid(_UNREADABLE)
    match = _TIME.search(value)
    if match is None:
        _day(value, now.astimezone(timezone).date())  # refuses what is not a date at all
        raise Invalid(N_("Please add the time of day, for example 30/11 20:00."))
    clock = _time(match)
    local_now = now.astimezone(timezone)
    day = _day(value[: match.start()].strip(), local_now.date())
    if day is None:
        day = local_now.date()
        if clock <= local_now.time():
            day += timedelta(days=1)  # "20:00" typed at 21:00 means tomorrow
    return datetime.combine(day, clock, tzinfo=timezone).astimezone(UTC)


def parse_future(
    text: str, now: datetime, timezone: ZoneInfo, minimum: timedelta = timedelta(minutes=10)
) -> datetime:
    """parse_moment, refusing anything sooner than `minimum` from now."""
    moment = parse_moment(text, now, timezone)
    if moment < now.astimezone(UTC) + minimum:
        raise Invalid(
            N_("That is too soon: choose a time at least {minutes} minutes from now."),
            minutes=int(minimum.total_seconds() // 60),
        )
    return moment
