"""Issue 13 item 10: a destructive press acts only with the one-time token its confirmation
step issued to that person for that object just now; a failed edit of an old message is not
an error (no board alert that any stranger could trigger)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import Feature, Registry, discover
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from tests.conftest import BOARD_ID

RESIDENT = 7301
OTHER = 7302
NO_LONGER_VALID = "Tombol ini sudah tidak berlaku"


def rows(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def answers(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(
        str(c.params.get("text") or "") for c in calls if c.method == "answerCallbackQuery"
    )


def button(bot: Simulator, user_id: int, prefix: str) -> tuple[int, str]:
    """The newest message with buttons in the person's chat: its id and the data of the
    button whose data starts with prefix."""
    found = bot.api.last_buttons(user_id)
    assert found is not None, "no buttons on screen"
    message_id, buttons = found
    [data] = [b["callback_data"] for b in buttons if b.get("callback_data", "").startswith(prefix)]
    return message_id, str(data)


def erased(settings: Settings) -> int:
    return rows(settings.database, "SELECT COUNT(*) FROM people WHERE erased_at IS NOT NULL")[0][0]


def board_alerts(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(settings.database, "SELECT key FROM ops_state WHERE key LIKE 'alert:%'")


# ---- erase my data (/hapusdata) ----------------------------------------------------------------
async def test_a_forged_erase_press_erases_nothing(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/start")
    # the attacker's client sends the data the old button carried, on any message of theirs
    calls = await bot.press_data(RESIDENT, "pdp:erase", 1)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0
    assert "dihapus" not in texts(calls)


async def test_the_confirmed_erase_still_works_and_cannot_be_replayed(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    message_id, data = button(bot, RESIDENT, "pdp:erase")
    assert len(data.encode()) <= 64
    done = await bot.press_data(RESIDENT, data, message_id)
    assert "telah dihapus" in texts(done)
    assert erased(settings) == 1
    # the same press again (a redelivered or replayed update): refused, nothing more erased
    await bot.send(RESIDENT, "/start")  # they start afresh as a new resident
    again = await bot.press_data(RESIDENT, data, message_id)
    assert NO_LONGER_VALID in answers(again)
    assert erased(settings) == 1


async def test_an_expired_erase_token_is_refused(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    message_id, data = button(bot, RESIDENT, "pdp:erase")
    clock.advance(timedelta(minutes=11))
    calls = await bot.press_data(RESIDENT, data, message_id)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0
    # asking again gives a fresh button that works
    await bot.send(RESIDENT, "/hapusdata")
    assert "telah dihapus" in texts(await bot.press(RESIDENT, "Ya, hapus data saya"))


async def test_another_persons_erase_token_is_refused(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    _, data = button(bot, RESIDENT, "pdp:erase")
    await bot.send(OTHER, "/start")
    calls = await bot.press_data(OTHER, data, 1)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0


# ---- a failed edit of an old message is not an error ------------------------------------------
async def test_stranger_presses_on_deleted_messages_raise_no_board_alert(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    before = len(bot.api.calls)
    for stranger in range(8801, 8806):  # five strangers, each erasing a fresh account
        await bot.send(stranger, "/hapusdata")
        message_id, data = button(bot, stranger, "pdp:erase")
        bot.api.messages.pop((stranger, message_id))  # the old message is gone
        calls = await bot.press_data(stranger, data, message_id)
        assert "telah dihapus" in texts(calls)  # they still see the answer, as a new message
        assert "Maaf, terjadi kesalahan" not in texts(calls)
    assert erased(settings) == 5
    assert not [c for c in bot.api.calls[before:] if c.chat_id == BOARD_ID]
    assert board_alerts(settings) == []


async def test_a_stale_edit_anywhere_is_answered_and_not_counted(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    """The central rule: a handler that edits an old message without care does not make the
    board's repeated-errors alert; the press is answered."""

    async def edit_old(update: Update, context: object) -> None:
        assert update.callback_query is not None
        await update.callback_query.edit_message_text("baru")

    feature = Feature(
        name="old_edit",
        order=50,
        handlers=lambda: [CallbackQueryHandler(edit_old, pattern=r"^old:edit$")],
    )
    registry = Registry((*discover().features, feature))
    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(app):
        bot = Simulator(app, api)
        await bot.send(BOARD_ID, "/start")
        await bot.send(RESIDENT, "/start")
        calls = []
        for _ in range(6):
            calls += await bot.press_data(RESIDENT, "old:edit", 424242)  # no such message
        assert len([c for c in calls if c.method == "answerCallbackQuery"]) == 6
        assert not [c for c in calls if c.chat_id == BOARD_ID]
        assert "Maaf, terjadi kesalahan" not in texts(calls)
        assert board_alerts(settings) == []
