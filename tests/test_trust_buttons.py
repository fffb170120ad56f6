"""Trust at the edges (issue 13, items 8, 9, 11): every press answered once, presses that
mean the same twice, and media where a flow asks for text.

Observed from outside: the Bot API calls the bot makes (`bot.api.calls`) and database rows.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall

PERSON = 880001
OTHER = 880002


def answers(calls: list[ApiCall]) -> Counter[str]:
    """How many answerCallbackQuery calls each press (callback query id) got."""
    return Counter(
        str(c.params.get("callback_query_id")) for c in calls if c.method == "answerCallbackQuery"
    )


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


async def presses(bot: Simulator, user_id: int, data: list[str], message_id: int = 1) -> list[str]:
    """Queue the presses back to back (as a mashing thumb does), then wait; their ids."""
    ids = []
    for item in data:
        update = bot.api.callback_update(user_id, user_id, message_id, item)
        ids.append(str(update["callback_query"]["id"]))
        await bot.submit(update)
    await bot.settle()
    return ids


# ---- item 8: every button press answered ---------------------------------------------------
async def test_every_press_over_the_flood_limit_gets_exactly_one_answer(
    make_bot: Any, settings: Settings
) -> None:
    bot = make_bot(settings, flood_limit=(3, 60))
    async with running(bot.application):
        await bot.send(PERSON, "/bahasa")
        before = len(bot.api.calls)
        ids = await presses(bot, PERSON, ["lang:id"] * 12)  # 4x the limit, no time passing
        got = answers(bot.api.calls[before:])
        assert {query: got[query] for query in ids} == dict.fromkeys(ids, 1)
        assert not [c for c in bot.api.calls[before:] if c.error is not None]
        warned = [
            c for c in bot.api.calls[before:] if "terlalu cepat" in str(c.params.get("text"))
        ]
        assert len(warned) == 1  # the dropped presses are answered empty, not warned again


async def test_a_handler_failing_after_its_answer_is_not_answered_twice(bot: Simulator) -> None:
    await bot.send(PERSON, "/start")
    bot.api.inject("internal", method="sendMessage", chat_id=PERSON)  # /bantuan's reply fails
    before = len(bot.api.calls)
    [query] = await presses(bot, PERSON, ["menu:help"])
    calls = bot.api.calls[before:]
    assert answers(calls) == {query: 1}
    assert "Maaf, terjadi kesalahan" in texts(calls)  # the apology still goes out


async def test_a_handler_failing_before_its_answer_still_answers(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/langganan")
    with sqlite3.connect(settings.database) as conn:  # the database breaks under the handler
        conn.execute("ALTER TABLE subscription_off RENAME TO subscription_off_broken")
    before = len(bot.api.calls)
    [query] = await presses(bot, PERSON, ["sub:set:polling:0"])
    calls = bot.api.calls[before:]
    assert answers(calls) == {query: 1}
    assert "Maaf, terjadi kesalahan" in texts(calls)


FORGED = [
    "zzz",
    "menu:nope",
    "lang:xx",
    "sub:",
    "sub:t:nope",
    "sub:set:nope:1",
    "sub:set:polling:7",
    "sub:at:9999",
    "pol:v:x",
    "pol:t:1:x:1",
    "pol:k:zz",
    "pol:ok:1:1",
    "pol:r:zz",
    "usl:d:abc",
    "usl:u:abc",
    "usl:v:zz",
    "usl:l:zz",
    "usl:ph:9999",
    "usl:sim:zz",
    "grv:f:show:zz",
    "grv:f:rate9:zz",
    "grv:r:ex:zz",
    "grv:r:send",
    "bud:y:zz",
    "bud:l:zz",
    "reg:g:zz",
    "reg:send",
    "mem:ok:zz",
    "mbr:v:zz",
    "mbr:cf:zz",
    "dlv:re:zz",
    "sb:x:zz",
    "pdp:keep",
    "adm:hide",
]


async def test_presses_with_unknown_or_forged_data_are_answered_once(bot: Simulator) -> None:
    await bot.send(PERSON, "/start")
    await bot.send(OTHER, "/daftar")  # in the middle of a flow, too
    before = len(bot.api.calls)
    ids = await presses(bot, PERSON, FORGED) + await presses(bot, OTHER, FORGED)
    got = answers(bot.api.calls[before:])
    assert {query: got[query] for query in ids} == dict.fromkeys(ids, 1)
