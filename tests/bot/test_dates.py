"""The calendar from any start: each test runs with the FakeClock started on every one of
`tests.conftest.CLOCK_STARTS` (a Saturday, Christmas Day, 29 February 2028, and 31 December
23:59 WIB), so deadlines, schedules, recurrence, the digest and retention are not right only
on the day they were written.

Expected moments are worked out here from the calendar (Python's own and the `holidays`
package), not by calling the bot's rules.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot import scheduling
from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from rules.recurrence import Recurrence, next_firing
from tests.conftest import BOARD_ID
from tests.support.delivery import seed, sent_to
from tests.support.grievances import file_report, reference, rows, to
from tests.support.polls import add_people, create_poll

pytestmark = pytest.mark.dates

WIB = ZoneInfo("Asia/Jakarta")
RESIDENT = 501
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip
WEEKDAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def working(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.country_holidays("ID", years=day.year)


def nth_working_day_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        n -= working(day)
    return day


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=WIB).astimezone(UTC)


def messages(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    return [c for c in to(calls, chat_id) if c.method in ("sendMessage", "sendPhoto")]


async def test_a_response_deadline_counts_working_days_from_any_start(
    settings: Settings, make_bot: Any, clock: FakeClock
) -> None:
    received = clock.now().astimezone(WIB).date()
    last_day = nth_working_day_after(received, settings.grievance_response_days)
    due = local(last_day + timedelta(days=1), time(0, 0))  # the end of the last working day
    day_before = last_day - timedelta(days=1)
    while not working(day_before):
        day_before -= timedelta(days=1)
    remind = local(day_before, time(8, 0))

    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        ref = reference(await file_report(bot, RESIDENT))
        [(stored,)] = rows(settings.database, "SELECT response_due_at FROM grievances")
        assert datetime.fromisoformat(stored) == due

        before = len(bot.api.calls)
        clock.set(remind - timedelta(minutes=1))
        await scheduling.run_due(bot.application)
        assert messages(bot.api.calls[before:], BOARD_ID) == []
        clock.set(remind)
        await scheduling.run_due(bot.application)
        reminded = messages(bot.api.calls[before:], BOARD_ID)
        assert len(reminded) == 1 and ref in reminded[0].text
        assert f"{last_day.day} {MONTHS_ID[last_day.month - 1]} {last_day.year}" in (
            reminded[0].text
        )

        before = len(bot.api.calls)
        clock.set(due - timedelta(seconds=1))
        await scheduling.run_due(bot.application)
        assert rows(settings.database, "SELECT response_late FROM grievances") == [(0,)]
        clock.set(due + timedelta(seconds=1))
        await scheduling.run_due(bot.application)
        await scheduling.run_due(bot.application)
        told = messages(bot.api.calls[before:], BOARD_ID)
        assert len(told) == 1 and "terlambat" in told[0].text
        assert rows(settings.database, "SELECT response_late FROM grievances") == [(1,)]


async def test_a_weekly_broadcast_fires_on_its_weekday_from_any_start(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    seed(settings, api, clock, [5001])
    today = clock.now().astimezone(WIB).date()
    target = today + timedelta(days=2)  # never today, so "later today" cannot blur it
    weekday = WEEKDAYS_ID[target.weekday()]
    await bot.send(BOARD_ID, "/siaran")
    await bot.send(BOARD_ID, "Ronda malam minggu ini")
    await bot.press(BOARD_ID, "Semua warga")
    await bot.press(BOARD_ID, "Berulang")
    await bot.press(BOARD_ID, "Setiap minggu")
    await bot.press(BOARD_ID, weekday)
    await bot.send(BOARD_ID, "07:30")
    await bot.press(BOARD_ID, "Jadwalkan")
    first = local(target, time(7, 30))

    clock.set(first - timedelta(minutes=1))
    await scheduling.run_due(bot.application)
    await bot.drain()
    assert 5001 not in sent_to(api, "Ronda malam")
    clock.set(first + timedelta(minutes=1))
    await scheduling.run_due(bot.application)
    await scheduling.run_due(bot.application)
    await bot.drain()
    assert sent_to(api, "Ronda malam")[5001] == 1
    [(next_due,)] = rows(
        settings.database,
        "SELECT due_at FROM schedules WHERE kind = 'broadcast' AND status = 'pending'",
    )
    assert datetime.fromisoformat(next_due) == first + timedelta(days=7)


async def test_the_monthly_digest_comes_on_the_first_from_any_start(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    seed(settings, api, clock, [5001])
    now = clock.now().astimezone(WIB)
    first = (now.replace(day=28) + timedelta(days=4)).replace(day=1).date()
    reported = first - timedelta(days=1)  # the month the digest is about
    sim = make_bot(settings, digest=True)
    async with running(sim.application):
        clock.set(local(first, time(8, 0)) - timedelta(minutes=1))
        await scheduling.run_due(sim.application)
        await sim.drain()
        assert not [c for c in api.calls if "Laporan bulanan BKM" in c.text]
        clock.set(local(first, time(8, 0)))
        await scheduling.run_due(sim.application)
        await scheduling.run_due(sim.application)
        await sim.drain()
    title = f"Laporan bulanan BKM: {MONTHS_ID[reported.month - 1]} {reported.year}"
    assert len([c for c in api.calls if c.chat_id == 5001 and title in c.text]) == 1
    [(month, status)] = rows(settings.database, "SELECT month, status FROM digests")
    assert (month, status) == (f"{reported.year:04d}-{reported.month:02d}", "sent")


async def test_a_poll_closes_at_its_time_from_any_start(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await add_people(bot, [3001, 3002])
    opened = clock.now()
    _, ref, _ = await create_poll(bot, closing="3 hari")
    [(stored,)] = rows(settings.database, "SELECT closes_at FROM polls")
    closes = datetime.fromisoformat(stored)
    assert opened + timedelta(days=3) - timedelta(minutes=1) <= closes
    assert closes <= opened + timedelta(days=3, minutes=1)
    clock.set(closes - timedelta(seconds=1))
    await scheduling.run_due(bot.application)
    await bot.drain()
    assert not [c for c in messages(bot.api.calls, 3001) if "Hasil" in c.text]
    clock.set(closes + timedelta(seconds=1))
    await scheduling.run_due(bot.application)
    await scheduling.run_due(bot.application)
    await bot.drain()
    results = [c for c in messages(bot.api.calls, 3001) if ref in c.text and "Hasil" in c.text]
    assert [c.method for c in results] == ["sendPhoto", "sendMessage"], [c.text for c in results]


async def test_this_months_grievance_counts_follow_the_apps_clock(
    settings: Settings, make_bot: Any, clock: FakeClock
) -> None:
    """/transparansi's "this month" is the month of the app's clock, not the machine's."""
    bot = make_bot(settings)
    async with running(bot.application):
        await file_report(bot, RESIDENT)
        shown = "\n".join(c.text for c in await bot.send(RESIDENT, "/transparansi"))
    assert "Bulan ini: diterima 1," in shown and "Tahun ini: diterima 1," in shown


@pytest.mark.parametrize("day", [1, 29, 30, 31])
@pytest.mark.parametrize("at", [time(0, 0), time(8, 0), time(23, 59)])
def test_monthly_and_daily_recurrence_from_any_start(clock: FakeClock, day: int, at: time) -> None:
    """A monthly day past a month's end fires on its last day; a year boundary, a leap
    February and a time of day after "now" all give the first firing after now."""
    now = clock.now()
    firings = []
    year, month = now.astimezone(WIB).year, now.astimezone(WIB).month
    for _ in range(3):
        last = calendar.monthrange(year, month)[1]
        firings.append(local(date(year, month, min(day, last)), at))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    expected = min(f for f in firings if f > now)
    assert next_firing(Recurrence("monthly", at, day=day), now, WIB) == expected
    today = now.astimezone(WIB).date()
    daily = min(f for f in (local(today + timedelta(days=n), at) for n in range(3)) if f > now)
    assert next_firing(Recurrence("daily", at), now, WIB) == daily
