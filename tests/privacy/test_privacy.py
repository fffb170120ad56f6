"""/privasi, /datasaya, /hapusdata: the erased person is gone from the file and its WAL."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.privacy import FIRST_NAME, NAME, RESIDENT, become_member, needles, raw


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def test_privacy_explains_in_indonesian(bot: Simulator) -> None:
    text = texts(await bot.send(RESIDENT, "/privasi"))
    assert "data pribadi" in text.lower() and "/hapusdata" in text and "1.095" in text


async def test_my_data_sends_a_file_with_everything(bot: Simulator) -> None:
    await become_member(bot)
    calls = await bot.send(RESIDENT, "/datasaya")
    assert [c.method for c in calls][-1] == "sendDocument"
    [upload] = [u for u in bot.api.uploads if u.method == "sendDocument"]
    data = json.loads(upload.content)
    assert data["people"]["person"]["full_name"] == NAME
    assert data["people"]["person"]["telegram_id"] == RESIDENT
    assert data["people"]["membership_applications"][0]["status"] == "approved"


async def test_erasure_leaves_no_trace_in_the_file_or_its_wal(
    bot: Simulator, settings: Settings
) -> None:
    await become_member(bot)
    await bot.send(RESIDENT, "/daftar")  # an unfinished flow row and a draft, too
    assert any(n in raw(settings.database) for n in needles())

    asked = await bot.send(RESIDENT, "/hapusdata")
    assert "tidak dapat dibatalkan" in texts(asked)
    assert "Tidak ada yang dihapus" in texts(await bot.press(RESIDENT, "Batal"))
    await bot.send(RESIDENT, "/hapusdata")
    done = await bot.press(RESIDENT, "Ya, hapus data saya")
    assert "telah dihapus" in texts(done)

    # still open, as in production: the bot keeps its connection
    data = raw(settings.database)
    for needle in needles():
        assert needle not in data, needle
    [(person_id, role, erased)] = rows(
        settings.database,
        "SELECT id, role, erased_at IS NOT NULL FROM people WHERE erased_at IS NOT NULL",
    )
    assert (role, erased) == ("warga", 1)
    actions = rows(settings.database, "SELECT action, object_id FROM audit ORDER BY id")
    assert ("person.erased", str(person_id)) == actions[-1]
    # writing again starts afresh, as a new resident with a new internal id
    await bot.send(RESIDENT, "/start")
    [(new_id,)] = rows(settings.database, f"SELECT id FROM people WHERE telegram_id={RESIDENT}")
    assert new_id != person_id


async def test_a_board_member_is_asked_to_step_down_first(bot: Simulator) -> None:
    calls = await bot.send(BOARD_ID, "/hapusdata")
    assert "pengurus" in texts(calls) and not bot.buttons(BOARD_ID)


async def test_forged_erase_press_from_a_group_changes_nothing(
    bot: Simulator, settings: Settings
) -> None:
    await become_member(bot)
    await bot.press_data(RESIDENT, "pdp:erase", 1, chat_id=-1001234567890)
    assert rows(settings.database, "SELECT COUNT(*) FROM people WHERE erased_at IS NOT NULL") == [
        (0,)
    ]


@pytest.mark.dates
async def test_retention_erases_long_inactive_residents_daily(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    from bot.simulator import running
    from handlers.operations import run_retention

    first = make_bot(settings, retention_inactive_days=30)
    async with running(first.application):
        await become_member(first)
        await first.send(BOARD_ID, "/start")
        clock.advance(timedelta(days=20))
        await first.send(BOARD_ID, "/start")  # the board stays active
        assert await run_retention(first.application) == 0
        clock.advance(timedelta(days=11))
        assert await run_retention(first.application) == 1
    data = raw(settings.database)
    assert NAME.encode() not in data and FIRST_NAME.encode() not in data
    assert rows(settings.database, "SELECT COUNT(*) FROM people WHERE role = 'pengurus'") == [(1,)]
    [(actor, after)] = rows(
        settings.database, "SELECT actor_role, after FROM audit WHERE action = 'person.erased'"
    )
    assert actor == "system" and "inactive" in str(after)


async def test_an_erased_person_is_shown_as_erased_on_records(
    bot: Simulator, settings: Settings
) -> None:
    from bot.disclosure import person_label
    from storage import people

    await become_member(bot)
    services = bot.application.services
    tr = services.tr("id")
    conn = sqlite3.connect(settings.database)
    conn.row_factory = sqlite3.Row
    [(pid,)] = conn.execute(f"SELECT id FROM people WHERE telegram_id={RESIDENT}").fetchall()
    assert person_label(tr, people.by_id(conn, pid)) == NAME
    conn.close()
    await bot.send(RESIDENT, "/hapusdata")
    await bot.press(RESIDENT, "Ya, hapus data saya")
    conn = sqlite3.connect(settings.database)
    conn.row_factory = sqlite3.Row
    assert person_label(tr, people.by_id(conn, pid)) == "warga (dihapus)"
    conn.close()


async def test_personal_data_commands_in_a_group_continue_privately(bot: Simulator) -> None:
    calls = await bot.send(RESIDENT, "/datasaya", group=True)
    assert "chat pribadi" in texts(calls)
    assert not [c for c in calls if c.method == "sendDocument"]
    private = await bot.press(RESIDENT, 1, chat_id=-1001234567890)  # the deep link
    assert [c.method for c in private][-1] == "sendDocument"
    assert private[-1].chat_id == RESIDENT
