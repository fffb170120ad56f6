"""Operations: flood limit, daily backups with rotation and restore, alerts, /status."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot import scheduling
from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import Feature, Registry, discover
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import backup
from tests.conftest import BOARD_ID
from tests.support.cli import run_cli
from tests.support.i18n import tr_id, tr_part

PERSON = 501


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


async def test_a_burst_gets_one_warning_then_a_cooling_period(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    bot = make_bot(settings, flood_limit=(5, 10))
    async with running(bot.application):
        replies = [await bot.send(PERSON, "halo") for _ in range(15)]  # 3x the limit, 0 s
        answered = [r for r in replies if r]
        assert len(answered) == 6  # five answers, one warning; the rest is dropped quietly
        assert tr_id(
            "You are sending messages very fast. Please wait a "
            "moment; I will answer again shortly."
        ) in texts(answered[5])
        assert all(
            tr_id(
                "You are sending messages very fast. Please wait a "
                "moment; I will answer again shortly."
            )
            not in texts(r)
            for r in answered[:5]
        )
        clock.advance(timedelta(seconds=11))  # the cooling period (one window) is over
        assert tr_id(
            "I did not understand that. Choose from the menu, or send /bantuan for the commands."
        ) in texts(await bot.send(PERSON, "halo"))
        # another person is not affected by someone else's burst
        assert tr_id(
            "I did not understand that. Choose from the menu, or send /bantuan for the commands."
        ) in texts(await bot.send(PERSON + 1, "halo"))


async def test_presses_count_too_and_get_the_warning_as_an_alert(
    make_bot, settings: Settings
) -> None:
    bot = make_bot(settings, flood_limit=(3, 60))
    async with running(bot.application):
        await bot.send(PERSON, "/bahasa")
        for _ in range(2):
            await bot.press_data(PERSON, "lang:id", 1)
        calls = await bot.press_data(PERSON, "lang:id", 1)
        [alert] = [c for c in calls if c.method == "answerCallbackQuery"]
        assert tr_id(
            "You are sending messages very fast. Please wait a "
            "moment; I will answer again shortly."
        ) in str(alert.params.get("text"))
        assert alert.params.get("show_alert") is True


def _files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("bkm-*.sqlite3"))


async def test_daily_backups_rotate_and_restore(
    make_bot, settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    bot = make_bot(settings, backup_dir=backups, backup_keep=3)
    async with running(bot.application):
        # the first start runs the daily job at once
        assert len(_files(backups)) == 1
        await bot.send(PERSON, "/start")
        for _ in range(4):
            clock.advance(timedelta(days=1))
            assert await scheduling.run_due(bot.application) >= 1
        status = texts(await bot.send(BOARD_ID, "/status"))
        assert "Cadangan terakhir" in status and "Jadwal" in status
    names = _files(backups)
    assert len(names) == 3 and names == sorted(names)
    newest = backups / names[-1]
    backup.check_file(newest)
    # restore the newest over a damaged database
    settings.database.write_bytes(b"not a database")
    backup.restore(newest, settings.database)
    conn = sqlite3.connect(settings.database)
    assert conn.execute(f"SELECT COUNT(*) FROM people WHERE telegram_id={PERSON}").fetchone() == (
        1,
    )
    conn.close()


async def test_a_failed_backup_alerts_the_board_once_an_hour(
    make_bot, settings: Settings, clock: FakeClock, tmp_path: Path, api: FakeBotAPI
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the backup directory should be")
    bot = make_bot(settings, backup_dir=blocked)
    async with running(bot.application):
        # the backup at start failed and its alert found the board member's chat unknown
        # (403); writing to the bot a moment later makes it reachable again
        clock.advance(timedelta(seconds=1))
        await bot.send(BOARD_ID, "/start")
        from handlers.operations import run_backup

        before = len(api.calls)
        assert await run_backup(bot.application) is False
        assert await run_backup(bot.application) is False  # within the hour: no second alert
        told = [c for c in api.calls[before:] if c.chat_id == BOARD_ID]
        assert len(told) == 1 and "gagal" in told[0].text
        status = texts(await bot.send(BOARD_ID, "/status"))
        assert tr_part("Last backup error: {when}: {error}") in status


async def test_repeated_errors_alert_the_board_rate_limited(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    async def boom(update: Update, context: object) -> None:
        raise RuntimeError("a bug")

    feature = Feature(name="boom", order=50, handlers=lambda: [CommandHandler("boom", boom)])
    registry = Registry((*discover().features, feature))
    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(app):
        bot = Simulator(app, api)
        await bot.send(BOARD_ID, "/start")
        calls = []
        for _ in range(6):
            calls += await bot.send(PERSON, "/boom")
        to_board = [c for c in calls if c.chat_id == BOARD_ID]
        assert (
            len(to_board) == 1
            and tr_id(
                "⚠️ The bot ran into repeated errors in the last "
                "minutes. The technical log has the details; residents "
                "were asked to try again."
            )
            in to_board[0].text
        )
        assert "a bug" not in to_board[0].text
        assert all("Maaf" in c.text for c in calls if c.chat_id == PERSON)
        clock.advance(timedelta(hours=1, minutes=1))
        calls = []
        for _ in range(3):
            calls += await bot.send(PERSON, "/boom")
        assert len([c for c in calls if c.chat_id == BOARD_ID]) == 1


async def test_status_is_for_the_board_only(bot: Simulator) -> None:
    assert tr_id("Sorry, this is only for the BKM board.") in texts(
        await bot.send(PERSON, "/status")
    )
    status = texts(await bot.send(BOARD_ID, "/status"))
    assert (
        tr_part("Running for: {hours} hours {minutes} minutes") in status
        and tr_id("Backups: off (BKM_BACKUP_DIR is not set)") in status
    )


def test_next_local_is_tomorrow_at_two_jakarta_time() -> None:
    from datetime import UTC, datetime, time
    from zoneinfo import ZoneInfo

    from handlers.operations import next_local

    zone = ZoneInfo("Asia/Jakarta")
    now = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # 03:00 WIB on the 29th
    assert next_local(now, time(2, 0), zone) == datetime(2026, 11, 30, 2, 0, tzinfo=zone)
    now = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)  # 01:00 WIB on the 29th
    assert next_local(now, time(2, 0), zone) == datetime(2026, 11, 29, 2, 0, tzinfo=zone)


@pytest.mark.slow
def test_the_shell_never_touches_the_real_backups(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "bkm-20260101T020000Z.sqlite3").write_bytes(b"a real backup")
    result = run_cli(
        ["shell"], tmp_path, stdin="/start\n", BKM_BACKUP_DIR=str(backups), BKM_BACKUP_KEEP="1"
    )
    assert result.returncode == 0, result.stderr
    assert _files(backups) == ["bkm-20260101T020000Z.sqlite3"]


async def test_a_missed_backup_is_told_by_the_nightly_check(
    make_bot, settings: Settings, clock: FakeClock, tmp_path: Path, api: FakeBotAPI
) -> None:
    from handlers.operations import run_retention

    bot = make_bot(settings, backup_dir=tmp_path / "b")
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        before = len(api.calls)
        await run_retention(bot.application)  # last night's backup exists: quiet
        assert not [c for c in api.calls[before:] if c.chat_id == BOARD_ID]
        clock.advance(timedelta(hours=37))  # the job did not run (machine asleep, say)
        await run_retention(bot.application)
        [told] = [c for c in api.calls[before:] if c.chat_id == BOARD_ID]
        assert "Tidak ada cadangan" in told.text


async def test_the_nightly_check_tells_the_board_of_a_broken_audit_chain(
    make_bot, settings: Settings, api: FakeBotAPI
) -> None:
    from handlers.operations import run_retention

    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await run_retention(bot.application)
        assert "utuh" in texts(await bot.send(BOARD_ID, "/status"))
        conn = sqlite3.connect(settings.database)
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET after = '{}' WHERE id = 1")
        conn.commit()
        conn.close()
        before = len(api.calls)
        await run_retention(bot.application)
        [told] = [c for c in api.calls[before:] if c.chat_id == BOARD_ID]
        assert "row 1 altered" in told.text
        assert "RUSAK" in texts(await bot.send(BOARD_ID, "/status"))
