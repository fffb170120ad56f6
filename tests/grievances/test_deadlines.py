"""Deadlines in working days through the schedules seam: reminders and "terlambat", once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.scheduling import run_due
from bot.simulator import Simulator, running, start_application, stop_application
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference, rows, texts, to

JAKARTA = ZoneInfo("Asia/Jakarta")
OTHER_BOARD = 1002
RESIDENT = 501


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA)  # type: ignore[misc]


def overdue_rows(settings: Settings) -> list[tuple[object, ...]]:
    return rows(settings.database, "SELECT after FROM audit WHERE action = 'grievance.overdue'")


async def test_the_response_deadline_reminds_then_flags_overdue_exactly_once(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        # Saturday 28 Nov 2026: 5 working days run Mon 30 Nov … Fri 4 Dec
        ref = reference(await file_report(bot, RESIDENT))
        assert rows(
            settings.database,
            "SELECT response_due_at, resolve_due_at FROM grievances",
        ) == [("2026-12-04T17:00:00+00:00", "2026-12-17T17:00:00+00:00")]
        # 14 working days: Dec 1–4, 7–11, 14–17 → end of Thu 17 Dec (no holiday in between)
        due = {
            r[0]: r[1]
            for r in rows(
                settings.database,
                "SELECT kind || ' ' || object_id, due_at FROM schedules WHERE status = 'pending'",
            )
        }
        assert due["grievance.remind 1:response"] == "2026-12-03T01:00:00+00:00"  # Thu 08:00 WIB
        assert due["grievance.overdue 1:response"] == "2026-12-04T17:00:00+00:00"

        clock.set(wib(2026, 12, 2, 23, 0))
        before = len(bot.api.calls)
        await run_due(bot.application)  # the daily operations jobs may run; nothing of ours
        assert not to(bot.api.calls[before:], BOARD_ID)
        clock.set(wib(2026, 12, 3, 8, 0))
        await run_due(bot.application)
        reminded = to(bot.api.calls[before:], BOARD_ID)
        assert len(reminded) == 1 and "Pengingat" in reminded[0].text and ref in reminded[0].text
        assert "4 Desember 2026" in reminded[0].text

        clock.set(wib(2026, 12, 4, 23, 59))
        await run_due(bot.application)
        assert overdue_rows(settings) == []  # still Friday: in time
        clock.set(wib(2026, 12, 5, 0, 0, 1))
        before = len(bot.api.calls)
        await run_due(bot.application)
        await run_due(bot.application)
        told = to(bot.api.calls[before:], BOARD_ID)
        assert len(told) == 1 and "terlambat" in told[0].text
        assert rows(settings.database, "SELECT response_late, resolve_late FROM grievances") == [
            (1, 0)
        ]
        card = texts(await bot.send(BOARD_ID, "/pengaduan"))
        assert "terlambat" in card
        overdue = texts(await bot.press(BOARD_ID, "Terlambat"))
        assert ref in overdue
    # a restart does not repeat it
    again = make_bot(settings)
    before = len(again.api.calls)
    async with running(again.application):
        pass
    assert not [c for c in again.api.calls[before:] if c.method == "sendMessage"]
    assert len(overdue_rows(settings)) == 1


async def test_a_deadline_that_passed_while_the_bot_was_down_fires_once_at_start(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    first = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}))
    await start_application(first.application)
    for person in (BOARD_ID, OTHER_BOARD):
        await first.send(person, "/start")
    ref = reference(await file_report(first, RESIDENT))
    await first.send(BOARD_ID, "/pengaduan")
    await first.press(BOARD_ID, ref)
    await first.press(BOARD_ID, "Verifikasi")
    await first.send(BOARD_ID, "Sudah dicek.")  # first response: that deadline is met
    # the first application is dropped without a graceful stop; the clock moves past both
    # deadlines (and their reminders) before new applications start on the same file
    clock.set(wib(2026, 12, 21, 9, 0))
    for restart in range(2):
        bot = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}))
        before = len(bot.api.calls)
        async with running(bot.application):
            pass
        sent = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
        if restart == 0:
            # only the resolution deadline is overdue; the stale reminder stays silent
            assert sorted(c.chat_id for c in sent) == [BOARD_ID, OTHER_BOARD]
            assert all("belum selesai" in c.text and ref in c.text for c in sent)
        else:
            assert sent == []
    assert rows(settings.database, "SELECT response_late, resolve_late FROM grievances") == [
        (0, 1)
    ]
    assert len(overdue_rows(settings)) == 1
    await stop_application(first.application)  # only so that the test leaves no thread behind


async def test_the_resolution_reminder_goes_to_the_assignee_only(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    bot = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}))
    async with running(bot.application):
        for person in (BOARD_ID, OTHER_BOARD):
            await bot.send(person, "/start")
        ref = reference(await file_report(bot, RESIDENT))
        for button, note in (("Verifikasi", "Dicek."), ("Ambil", "Saya tangani.")):
            await bot.send(OTHER_BOARD, "/pengaduan")
            await bot.press(OTHER_BOARD, ref)
            await bot.press(OTHER_BOARD, button)
            await bot.send(OTHER_BOARD, note)
        clock.set(wib(2026, 12, 16, 8, 0))  # one working day before Thu 17 Dec
        before = len(bot.api.calls)
        await run_due(bot.application)
        told = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
        assert [c.chat_id for c in told] == [OTHER_BOARD]
        assert "harus selesai paling lambat 17 Desember 2026" in told[0].text


async def test_deadlines_skip_a_public_holiday(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    clock.set(wib(2026, 12, 22, 10, 0))  # Tuesday; Friday 25 December is Christmas
    bot = make_bot(settings, grievance_response_days=3)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await file_report(bot, RESIDENT)
        # Wed 23, Thu 24, (Fri 25 holiday, weekend), Mon 28
        assert rows(settings.database, "SELECT response_due_at FROM grievances") == [
            ("2026-12-28T17:00:00+00:00",)
        ]
        assert rows(
            settings.database,
            "SELECT due_at FROM schedules WHERE kind = 'grievance.remind'"
            " AND object_id = '1:response'",
        ) == [("2026-12-24T01:00:00+00:00",)]  # Thu 24 Dec 08:00, the working day before
        clock.set(wib(2026, 12, 27, 12, 0))  # three calendar working days would be over
        await run_due(bot.application)
        assert overdue_rows(settings) == []
        clock.set(wib(2026, 12, 29, 0, 1))
        await run_due(bot.application)
        assert len(overdue_rows(settings)) == 1


async def test_an_excluded_board_member_gets_no_reminder_or_overdue_notice(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    bot = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}))
    async with running(bot.application):
        for person in (BOARD_ID, OTHER_BOARD):
            await bot.send(person, "/start")
        ref = reference(
            await file_report(
                bot, RESIDENT, category="Perilaku pengurus", exclude=(f"Warga {OTHER_BOARD}",)
            )
        )
        before = len(bot.api.calls)
        for moment in (wib(2026, 12, 3, 8, 0), wib(2026, 12, 5, 0, 1)):
            clock.set(moment)
            await run_due(bot.application)
        told = [c for c in bot.api.calls[before:] if c.method == "sendMessage"]
        assert [c.chat_id for c in told] == [BOARD_ID, BOARD_ID]  # reminder, then overdue
        assert all(ref in c.text for c in told)


@pytest.mark.dates
async def test_evidence_of_a_closed_report_is_erased_after_the_retention_period(
    settings: Settings, make_bot: Callable[..., Simulator], clock: FakeClock
) -> None:
    bot = make_bot(settings, retention_evidence_days=30)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        ref = reference(await file_report(bot, RESIDENT, evidence=2))
        await bot.send(BOARD_ID, "/pengaduan")
        await bot.press(BOARD_ID, ref)
        await bot.press(BOARD_ID, "Tolak")
        await bot.send(BOARD_ID, "Bukan wewenang BKM.")
        clock.advance(timedelta(days=29))
        await run_due(bot.application)
        assert rows(settings.database, "SELECT COUNT(file_id) FROM grievance_evidence") == [(2,)]
        clock.advance(timedelta(days=2))
        await run_due(bot.application)
        assert rows(
            settings.database, "SELECT COUNT(*), COUNT(file_id) FROM grievance_evidence"
        ) == [(2, 0)]
        assert ("grievance.evidence_erased",) in rows(
            settings.database, "SELECT action FROM audit"
        )
        await bot.send(BOARD_ID, "/pengaduan")
        await bot.press(BOARD_ID, "ditolak")
        await bot.press(BOARD_ID, ref)
        calls = await bot.press(BOARD_ID, "Bukti (2)")
        assert "sudah dihapus" in texts(calls)
        assert not [c for c in calls if c.method == "sendPhoto"]
