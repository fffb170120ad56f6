"""Moderation: the board hides public content with a reason; the public sees the reason."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import Feature, Registry, discover
from bot.i18n import N_
from bot.moderation import Moderatable, hidden_text
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import moderation
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part

PERSON = 701


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def find_note(conn: sqlite3.Connection, reference: str) -> str | None:
    """What a feature hands over: 'CAT-7' -> '7' when note 7 exists."""
    number = reference.upper().removeprefix("CAT-")
    if not number.isdigit():
        return None
    row = conn.execute("SELECT id FROM t_notes WHERE id = ?", (int(number),)).fetchone()
    return None if row is None else str(row[0])


@asynccontextmanager
async def bot_with(
    features: tuple[Feature, ...], settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> AsyncIterator[Simulator]:
    application = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=Registry(features)
    )
    async with running(application):
        yield Simulator(application, api)


NOTES = Feature(
    "notes", 99, moderatable=(Moderatable("progress_note", N_("Progress note"), find_note),)
)


async def test_the_board_hides_a_note_with_a_reason(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    conn = sqlite3.connect(settings.database)
    conn.execute("CREATE TABLE t_notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO t_notes VALUES (7, 'Jalan RT 3 sudah diaspal')")
    conn.commit()
    conn.close()
    features = (*(replace(f, moderatable=()) for f in discover().features), NOTES)
    async with bot_with(features, settings, api, clock) as bot:
        await hide_a_note(bot, settings)


async def hide_a_note(bot: Simulator, settings: Settings) -> None:

    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Sembunyikan konten publik")
    await bot.press(BOARD_ID, 1)
    assert tr_id("I found nothing with that number. Try again.") in texts(
        await bot.send(BOARD_ID, "CAT-99")
    )
    await bot.send(BOARD_ID, "CAT-7")
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "x")
    )
    done = await bot.send(BOARD_ID, "Menyebut nama warga <tanpa izin>")
    assert "disembunyikan oleh pengurus" in texts(done)
    assert "<tanpa izin>" in texts(done)  # escaped in HTML, shown exactly

    conn = sqlite3.connect(settings.database)
    assert moderation.hidden(conn, "progress_note", ["7", "8"]) == {
        "7": "Menyebut nama warga <tanpa izin>"
    }
    [(action, object_type, object_id)] = conn.execute(
        "SELECT action, object_type, object_id FROM audit WHERE action LIKE 'moderation.%'"
    ).fetchall()
    conn.close()
    assert (action, object_type, object_id) == ("moderation.hidden", "progress_note", "7")
    tr = bot.application.services.tr("id")
    assert "disembunyikan oleh pengurus" in hidden_text(tr, "alasan")


async def test_residents_and_forged_kinds_are_refused(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    await bot.send(PERSON, "/start")
    await bot.send(BOARD_ID, "/start")
    calls = await bot.press_data(PERSON, "adm:hide", 1)
    assert any(
        tr_id("Sorry, this is only for the BKM board.") in str(c.params.get("text")) for c in calls
    )
    calls = await bot.press_data(BOARD_ID, "mod:k:nothing", 1)
    assert any(
        tr_id("This button is no longer valid.") in str(c.params.get("text")) for c in calls
    )
    calls = await bot.press_data(BOARD_ID, "adm:hide", 1)
    offered = [b["text"] for c in calls for b in c.buttons]
    # found by discovery
    assert offered == ["Ringkasan pengaduan publik", "Usulan", "Catatan perkembangan usulan"]
    await bot.application.stop()
    features = tuple(replace(f, moderatable=()) for f in discover().features)
    async with bot_with(features, settings, api, clock) as plain:  # no moderatable feature
        calls = await plain.press_data(BOARD_ID, "adm:hide", 1)
        assert tr_id("There is no public content that can be hidden yet.") in texts(calls)
