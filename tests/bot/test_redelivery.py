"""After kill -9, Telegram delivers unconfirmed updates again: each is handled once.

The bot confirms updates to Telegram (the getUpdates offset) only on its next poll, so the
last batch fetched before a crash comes again on restart. A flow step saved for an update
remembers it; the same update again is dropped instead of answering the NEXT question.
"""

from __future__ import annotations

from typing import Any

from bot.config import Settings
from bot.simulator import Simulator
from tests.support.i18n import tr_id
from tests.support.proposals import PROPOSER, rows, texts

TITLE = "Perbaikan saluran air gang Melati RT 03"  # long enough to pass as a description
DESCRIPTION = "Saluran air di depan musala mampet dan meluap setiap hujan deras."


async def deliver(bot: Simulator, update: dict[str, Any]) -> list[Any]:
    before = len(bot.api.calls)
    await bot.submit(update)
    await bot.settle()
    return bot.api.calls[before:]


async def test_a_text_step_delivered_twice_is_answered_once(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lingkungan / infrastruktur")
    title = bot.api.message_update(PROPOSER, TITLE, first_name="Warga", language_code="id")
    assert tr_id("Describe the problem and what should be done (20 to 2000 characters).") in texts(
        await deliver(bot, title)
    )
    again = await deliver(bot, title)  # the restart: the same update_id once more
    assert [c for c in again if c.method == "sendMessage"] == []
    # the next real answer is still taken as the description, not the title delivered again
    assert "Di mana lokasinya" in texts(await bot.send(PROPOSER, DESCRIPTION))
    [(data,)] = rows(settings.database, "SELECT data FROM drafts WHERE flow = 'proposal_submit'")
    assert DESCRIPTION in data and data.count(TITLE) == 1


async def test_an_older_step_delivered_again_does_not_overwrite_a_later_answer(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lingkungan / infrastruktur")
    title = bot.api.message_update(PROPOSER, TITLE, first_name="Warga", language_code="id")
    description = bot.api.message_update(
        PROPOSER, DESCRIPTION, first_name="Warga", language_code="id"
    )
    await deliver(bot, title)
    await deliver(bot, description)
    # both came in the last batch before the crash: both are delivered again, in order
    assert [c for c in await deliver(bot, title) if c.method == "sendMessage"] == []
    assert [c for c in await deliver(bot, description) if c.method == "sendMessage"] == []
    got = texts(await bot.send(PROPOSER, "RT 3 RW 5"))
    assert "RT 03/RW 05 diterima" in got


async def test_a_submission_delivered_again_saves_one_proposal(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lingkungan / infrastruktur")
    await bot.send(PROPOSER, TITLE)
    await bot.send(PROPOSER, DESCRIPTION)
    await bot.send(PROPOSER, "RT 3 RW 5")
    await bot.press(PROPOSER, "Lanjut")
    await bot.send(PROPOSER, "1,5 juta")
    await bot.press(PROPOSER, "Lewati")
    await bot.press(PROPOSER, "Tidak, sembunyikan nama")
    found = bot.api.last_buttons(PROPOSER)
    assert found is not None
    message_id, buttons = found
    [send] = [b["callback_data"] for b in buttons if b["text"] == "Kirim"]
    press = bot.api.callback_update(PROPOSER, PROPOSER, message_id, send, first_name="Warga")
    assert "Nomor usulan" in texts(await deliver(bot, press))
    again = texts(await deliver(bot, press))
    assert "Nomor usulan" not in again
    assert rows(settings.database, "SELECT COUNT(*) FROM proposals") == [(1,)]
