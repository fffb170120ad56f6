"""The shared date/duration parser: typed in Asia/Jakarta, returned in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.validate import Invalid
from rules.when import parse_duration, parse_future, parse_moment

JAKARTA = ZoneInfo("Asia/Jakarta")
# Saturday 28 November 2026, 21:13 in Jakarta
NOW = datetime(2026, 11, 28, 14, 13, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/11 20:00", local(2026, 11, 30, 20, 0)),
        ("30/11/2026 20.00", local(2026, 11, 30, 20, 0)),
        ("30-11-26 20:00", local(2026, 11, 30, 20, 0)),
        ("30 November 2026 20:00", local(2026, 11, 30, 20, 0)),
        ("30 Nov 20:00 WIB", local(2026, 11, 30, 20, 0)),
        ("1 Desember, pukul 08.30", local(2026, 12, 1, 8, 30)),
        ("5 Januari 09:00", local(2027, 1, 5, 9, 0)),
        ("5/1 09:00", local(2027, 1, 5, 9, 0)),
        ("besok 08:00", local(2026, 11, 29, 8, 0)),
        ("tomorrow 08:00", local(2026, 11, 29, 8, 0)),
        ("22:00", local(2026, 11, 28, 22, 0)),
        ("20:00", local(2026, 11, 29, 20, 0)),
        ("3 hari", NOW + timedelta(days=3)),
        ("12 jam", NOW + timedelta(hours=12)),
        ("90 menit", NOW + timedelta(minutes=90)),
        ("2 minggu", NOW + timedelta(weeks=2)),
        ("3 days", NOW + timedelta(days=3)),
        ("12 hours", NOW + timedelta(hours=12)),
    ],
)
def test_moments(text: str, expected: datetime) -> None:
    assert parse_moment(text, NOW, JAKARTA) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "could not read"),
        ("kapan-kapan", "could not read"),
        ("30/11", "add the time"),
        ("31/11 20:00", "no such date"),
        ("30/11 25:00", "no such time"),
        ("30 Brumaire 20:00", "could not read"),
        ("'; DROP TABLE polls;-- 20:00", "could not read"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_moment(text, NOW, JAKARTA)
    assert reason in refused.value.message


def test_too_soon_is_refused_with_the_minimum() -> None:
    with pytest.raises(Invalid) as refused:
        parse_future("5 menit", NOW, JAKARTA)
    assert refused.value.fields == {"minutes": 10}
    assert parse_future("10 menit", NOW, JAKARTA) == NOW + timedelta(minutes=10)


def test_duration_alone() -> None:
    assert parse_duration("3 hari") == timedelta(days=3)
    assert parse_duration("30/11 20:00") is None
