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
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id

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
    assert tr_id("Sorry, something went wrong. Please try again in a moment.") in texts(
        calls
    )  # the apology still goes out


async def test_a_handler_failing_before_its_answer_still_answers(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/langganan")
    with sqlite3.connect(settings.database) as conn:  # the database breaks under the handler
        conn.execute("ALTER TABLE subscription_prefs RENAME TO subscription_prefs_broken")
    before = len(bot.api.calls)
    [query] = await presses(bot, PERSON, ["sub:stop"])
    calls = bot.api.calls[before:]
    assert answers(calls) == {query: 1}
    assert tr_id("Sorry, something went wrong. Please try again in a moment.") in texts(calls)


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


async def test_presses_with_unknown_or_forged_data_are_answered_once(
    make_bot: Any, settings: Settings
) -> None:
    bot = make_bot(settings, flood_limit=(10_000, 10))  # only the data matters here
    async with running(bot.application):
        await forged_presses(bot)


async def forged_presses(bot: Simulator) -> None:
    await bot.send(PERSON, "/start")
    await bot.send(OTHER, "/daftar")  # in the middle of a flow, too
    before = len(bot.api.calls)
    ids = await presses(bot, PERSON, FORGED) + await presses(bot, OTHER, FORGED)
    got = answers(bot.api.calls[before:])
    assert {query: got[query] for query in ids} == dict.fromkeys(ids, 1)


async def test_presses_telegram_no_longer_takes_an_answer_for_raise_no_alert(
    bot: Simulator, settings: Settings
) -> None:
    """A press that waited too long (or carries an unknown query id) cannot be answered:
    Telegram says "query is too old". Anyone can cause that; it is not the bot's fault, so
    no apology, no board alert, and what the press asked for still happens."""
    await bot.send(BOARD_ID, "/start")
    before = len(bot.api.calls)
    for stranger in range(880101, 880107):  # more than the alert's threshold
        await bot.send(stranger, "/bahasa")
        found = bot.api.last_buttons(stranger)
        assert found is not None
        message_id, buttons = found
        [data] = [b["callback_data"] for b in buttons if b["callback_data"] == "lang:en"]
        update = bot.api.callback_update(stranger, stranger, message_id, data)
        bot.api._open_queries.discard(str(update["callback_query"]["id"]))  # too old now
        await bot.submit(update)
        await bot.settle()
    calls = bot.api.calls[before:]
    assert not [c for c in calls if c.chat_id == BOARD_ID]
    assert tr_id("Sorry, something went wrong. Please try again in a moment.") not in texts(calls)
    assert "Sorry, something went wrong" not in texts(calls)
    with sqlite3.connect(settings.database) as conn:
        assert conn.execute("SELECT key FROM ops_state WHERE key LIKE 'alert:%'").fetchall() == []
        languages = conn.execute(
            "SELECT DISTINCT language FROM people WHERE telegram_id BETWEEN 880101 AND 880106"
        ).fetchall()
    assert languages == [("en",)]


# ---- item 9: presses that mean the same twice -----------------------------------------------
def rows(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.database) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


async def press_twice(bot: Simulator, user_id: int, label: str) -> list[ApiCall]:
    """The same button delivered twice (a double tap, or Telegram redelivering it)."""
    found = bot.api.last_buttons(user_id)
    assert found is not None
    message_id, buttons = found
    [button] = [b for b in buttons if b.get("text") == label]
    before = len(bot.api.calls)
    data = [str(button["callback_data"])] * 2
    await presses(bot, user_id, data, message_id)
    return bot.api.calls[before:]


async def test_a_subscription_press_delivered_twice_turns_the_topic_off_once(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/langganan")
    calls = await press_twice(bot, PERSON, "✅ Polling")
    assert rows(settings, "SELECT topic FROM subscription_off") == [("polling",)]
    assert "⬜ Polling" in texts(calls[-3:])  # the list shown last says it is off
    calls = await press_twice(bot, PERSON, "⬜ Polling")
    assert rows(settings, "SELECT topic FROM subscription_off") == []
    assert "✅ Polling" in texts(calls[-3:])


async def test_an_old_subscription_toggle_is_answered_and_changes_nothing(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/langganan")
    before = len(bot.api.calls)
    [query] = await presses(bot, PERSON, ["sub:t:polling"])  # a button from before this fix
    calls = bot.api.calls[before:]
    assert answers(calls) == {query: 1}
    assert tr_id("This button is no longer valid.") in str(calls[0].params.get("text"))
    assert tr_id("Press a topic to turn it on or off.") in texts(
        calls
    )  # the list again, with buttons that say their state
    assert rows(settings, "SELECT topic FROM subscription_off") == []


async def test_a_board_member_excluded_by_a_double_tap_stays_excluded(
    make_bot: Any, settings: Settings
) -> None:
    board_other = 1002
    bot = make_bot(settings, admins=frozenset({1001, board_other}))
    async with running(bot.application):
        bot.names[board_other] = "Pengurus Dua"
        await bot.send(board_other, "/start")
        await bot.send(PERSON, "/lapor")
        await bot.press(PERSON, "Perilaku pengurus")
        await bot.send(PERSON, "Bendahara menolak menunjukkan kuitansi pembelian semen untuk KSM.")
        await bot.press(PERSON, "Lewati")
        await bot.send(PERSON, "RT 2 RW 1")
        await bot.press(PERSON, "Lewati")
        await bot.press(PERSON, "Terbuka")
        calls = await press_twice(bot, PERSON, "Pengurus Dua")
        assert "✅ Pengurus Dua" in [b["text"] for b in bot.buttons(PERSON)]
        assert not [c for c in calls if c.params.get("show_alert")]
        await bot.press(PERSON, "Lanjutkan")
        await bot.press(PERSON, "Kirim")
        [(excluded,)] = rows(settings, "SELECT person_id FROM grievance_exclusions")
        assert rows(settings, "SELECT telegram_id FROM people WHERE id = ?", (excluded,)) == [
            (board_other,)
        ]


# ---- item 11: media where a flow asks for text ----------------------------------------------
ASK_RTRW = "Anda tinggal di RT dan RW berapa?"
RTRW_EXAMPLE = "RT 3 RW 5"
NOT_UNDERSTOOD = "tidak mengerti"


def draft_data(settings: Settings, flow: str) -> dict[str, Any]:
    import json

    [(data,)] = rows(settings, "SELECT data FROM drafts WHERE flow = ?", (flow,))
    loaded: dict[str, Any] = json.loads(data)
    return loaded


async def other_media(bot: Simulator, user_id: int) -> list[list[ApiCall]]:
    """A sticker, a file, a voice note, a location and a contact, one after another."""
    sticker = {
        "sticker": {
            "file_id": "st-1",
            "file_unique_id": "st",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    }
    contact = {"contact": {"phone_number": "+62811111", "first_name": "Siti"}}
    return [
        await bot.send_raw(user_id, sticker),
        await bot.send_document(user_id, "ktp.pdf", b"%PDF-1.4", "application/pdf"),
        await bot.send_voice(user_id),
        await bot.send_location(user_id),
        await bot.send_raw(user_id, contact),
    ]


async def test_a_photo_at_the_rtrw_step_asks_the_rtrw_again_and_keeps_the_draft(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/daftar")
    await bot.send(PERSON, "Siti Aminah")
    for calls in [await bot.send_photo(PERSON), *await other_media(bot, PERSON)]:
        said = texts(calls)
        assert ASK_RTRW in said and RTRW_EXAMPLE in said, said
        assert NOT_UNDERSTOOD not in said
    assert draft_data(settings, "membership_apply")["full_name"] == "Siti Aminah"
    said = texts(await bot.send(PERSON, "RT 3 RW 5"))
    assert (
        tr_id(
            "Gender? It is only used to count participation (never "
            "shown by name). You may choose not to say."
        )
        in said
    )  # the flow goes on from where it was
    await bot.press(PERSON, "Perempuan")
    assert "Siti Aminah" in texts(await bot.send_photo(PERSON))  # the summary, asked again


async def test_media_at_a_report_step_asks_that_step_again(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(PERSON, "/lapor")
    asked = texts((await bot.press(PERSON, "Infrastruktur"))[-1:])  # the description question
    for calls in [await bot.send_photo(PERSON), *await other_media(bot, PERSON)]:
        said = texts(calls)
        assert asked in said and NOT_UNDERSTOOD not in said, said
    assert draft_data(settings, "grievance_report")["category"] == "infrastruktur"
    await bot.send(PERSON, "Jalan di depan balai RW berlubang besar sejak bulan Mei.")
    assert draft_data(settings, "grievance_report")["description"].startswith("Jalan")


async def test_a_photo_where_a_time_is_asked_asks_for_the_time_again(bot: Simulator) -> None:
    await bot.send(PERSON, "/langganan")
    await bot.press(PERSON, "Sekali sehari saja")
    said = texts(await bot.send_photo(PERSON))
    assert "19:30" in said and NOT_UNDERSTOOD not in said
    assert "19:30" in texts(await bot.send(PERSON, "19:30"))
