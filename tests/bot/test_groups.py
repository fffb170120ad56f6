"""Group chats: public commands answer there; personal flows continue in a private chat."""

from __future__ import annotations

import pytest

from bot.context import services_of
from bot.simulator import GROUP_CHAT_ID, Simulator
from bot.transport.fake_api import BOT_USER, ApiCall
from storage import people
from storage.flows import drafts

RESIDENT = 660001
DEEP_LINK = f"https://t.me/{BOT_USER['username']}?start=daftar"
ASK_NAME = "Siapa nama lengkap Anda (sesuai KTP)?"
ASK_RTRW = "Anda tinggal di RT dan RW berapa?"


def messages(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.method == "sendMessage"]


async def application_draft(bot: Simulator, telegram_id: int) -> drafts.Draft | None:
    db = services_of(bot.application).db
    person = await db.read(people.by_telegram_id, telegram_id)
    assert person is not None
    return await db.read(drafts.get, person.id, "membership_apply")


@pytest.mark.parametrize(
    "command", ["/transparansi", "/transparency", "/transparansi@bkm_kelurahan_bot"]
)
async def test_transparency_is_answered_in_the_group(bot: Simulator, command: str) -> None:
    calls = await bot.send(RESIDENT, command, group=True)
    sent = messages(calls)
    assert sent, "no answer in the group"
    assert {c.chat_id for c in sent} == {GROUP_CHAT_ID}
    assert sent[0].text.startswith("Transparansi BKM")
    assert all(c.error is None for c in calls)


async def test_daftar_in_a_group_offers_a_private_chat_and_asks_nothing(bot: Simulator) -> None:
    calls = await bot.send(RESIDENT, "/daftar", group=True)
    [sent] = messages(calls)
    assert sent.chat_id == GROUP_CHAT_ID
    assert sent.text == "Ini memerlukan data pribadi Anda, jadi kita lanjutkan di chat pribadi."
    assert sent.buttons == [{"text": "Lanjutkan di chat pribadi", "url": DEEP_LINK}]
    assert all(c.error is None for c in calls)
    assert ASK_NAME not in [c.text for c in bot.api.calls]
    assert await application_draft(bot, RESIDENT) is None  # the flow did not start

    # A name typed in the group afterwards is not taken as an answer, and not answered.
    calls = await bot.send(RESIDENT, "Siti Aminah", group=True)
    assert messages(calls) == []
    assert await application_draft(bot, RESIDENT) is None


async def test_the_deep_link_starts_the_flow_in_the_private_chat(bot: Simulator) -> None:
    await bot.send(RESIDENT, "/daftar", group=True)
    calls = await bot.press(RESIDENT, "Lanjutkan di chat pribadi", chat_id=GROUP_CHAT_ID)
    [question] = messages(calls)
    assert question.chat_id == RESIDENT
    assert question.text == ASK_NAME
    draft = await application_draft(bot, RESIDENT)
    assert draft is not None and draft.step == "NAME"

    calls = await bot.send(RESIDENT, "Siti Aminah")
    [question] = messages(calls)
    assert question.chat_id == RESIDENT and question.text.startswith(ASK_RTRW)
    assert not [c for c in bot.api.calls if c.chat_id == GROUP_CHAT_ID and ASK_RTRW in c.text]


async def test_answers_in_a_group_do_not_feed_a_private_flow(bot: Simulator) -> None:
    await bot.send(RESIDENT, "/daftar")  # the flow waits for a name in the private chat
    calls = await bot.send(RESIDENT, "Budi Santoso", group=True)
    assert messages(calls) == []
    draft = await application_draft(bot, RESIDENT)
    assert draft is not None and draft.step == "NAME" and "full_name" not in draft.data


@pytest.mark.parametrize("text", ["Selamat pagi semua", "RT 3 RW 5", "ok 👍"])
async def test_stray_text_in_a_group_gets_no_reply(bot: Simulator, text: str) -> None:
    await bot.send(RESIDENT, "/start")  # someone the bot knows, so silence is a choice
    calls = await bot.send(RESIDENT, text, group=True)
    assert messages(calls) == []


@pytest.mark.parametrize("command", ["/tidakada", "/foo@bkm_kelurahan_bot", "/daftar@bot_lain"])
async def test_unknown_or_foreign_commands_in_a_group_get_no_reply(
    bot: Simulator, command: str
) -> None:
    calls = await bot.send(RESIDENT, command, group=True)
    assert messages(calls) == []
    # The same unknown command in private is answered, so the silence above is the group rule.
    if "@" not in command:
        [sent] = messages(await bot.send(RESIDENT, command))
        assert sent.chat_id == RESIDENT and sent.text.startswith("Perintah itu tidak dikenal")
