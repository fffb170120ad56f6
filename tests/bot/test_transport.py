"""The offline transport refuses what Telegram refuses, in Telegram's words, through real PTB.

The expected descriptions are this file's own fixed table of what the Bot API answers; they
are deliberately not read from bot.transport.rules, so the stand-in is checked against
Telegram rather than against itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.simulator import Simulator
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport

TOKEN = "123456789:AAH-transport-test-token"
PERSON = 5550001
OTHER = 5550002

# Telegram's own descriptions (the start of them: some go on with details).
TELEGRAM = {
    "too_long": "Bad Request: message is too long",
    "empty": "Bad Request: message text is empty",
    "caption_too_long": "Bad Request: message caption is too long",
    "parse": "Bad Request: can't parse entities",
    "button_data": "Bad Request: BUTTON_DATA_INVALID",
    "not_modified": "Bad Request: message is not modified",
    "markup_too_long": "Bad Request: reply markup is too long",
    "query_invalid": "Bad Request: query is too old and response timeout expired",
    "blocked": "Forbidden: bot was blocked by the user",
    "cant_initiate": "Forbidden: bot can't initiate conversation with a user",
    "retry_after": "Too Many Requests: retry after",
    "internal": "Internal Server Error",
    "bad_gateway": "Bad Gateway",
}


def ptb_says(error: TelegramError, key: str) -> bool:
    """PTB drops "Bad Request: " and capitalises the rest (BUTTON_DATA_INVALID too)."""
    expected = TELEGRAM[key].removeprefix("Bad Request: ")
    return error.message.casefold().startswith(expected.casefold())


def assert_refused(api: FakeBotAPI, error: TelegramError, key: str) -> None:
    """Both what went over the wire and what PTB raised carry Telegram's description."""
    refused = api.calls[-1].error
    assert refused is not None, "the call was not refused on the wire"
    assert refused.description.startswith(TELEGRAM[key]), refused.description
    assert ptb_says(error, key), error.message


def talked(api: FakeBotAPI, user_id: int) -> None:
    """The person wrote to the bot once, so it may write to them."""
    api.message_update(user_id, "/start")


@pytest.fixture
async def tg(api: FakeBotAPI) -> AsyncIterator[Bot]:
    """A plain telegram.Bot whose every request goes to the offline transport."""
    transport = OfflineTransport(api)
    async with Bot(TOKEN, request=transport, get_updates_request=transport) as bot:
        talked(api, PERSON)
        talked(api, OTHER)
        yield bot


def keyboard(count: int, data: str = "x") -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(f"{i}", callback_data=f"{data}{i}") for i in range(count)]
    return InlineKeyboardMarkup([buttons[i : i + 8] for i in range(0, count, 8)])


# ---- message length ------------------------------------------------------------------------
async def test_4096_characters_is_accepted_and_4097_is_too_long(tg: Bot, api: FakeBotAPI) -> None:
    sent = await tg.send_message(PERSON, "a" * 4096)
    assert sent.text == "a" * 4096
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "a" * 4097)
    assert_refused(api, refused.value, "too_long")


async def test_length_is_counted_in_utf16_code_units(tg: Bot, api: FakeBotAPI) -> None:
    await tg.send_message(PERSON, "😀" * 2048)  # 2048 characters, 4096 code units
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "a" + "😀" * 2048)  # 2049 characters, 4097 units
    assert_refused(api, refused.value, "too_long")


async def test_length_is_counted_after_html_parsing(tg: Bot, api: FakeBotAPI) -> None:
    await tg.send_message(PERSON, "<b>" + "a" * 4090 + "</b><i>bcdefg</i>", parse_mode="HTML")
    await tg.send_message(PERSON, "&lt;" * 4096, parse_mode="HTML")  # 4096 visible "<"
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "<b>" + "a" * 4097 + "</b>", parse_mode="HTML")
    assert_refused(api, refused.value, "too_long")
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "&amp;" * 4097, parse_mode="HTML")
    assert_refused(api, refused.value, "too_long")


async def test_without_a_parse_mode_tags_are_text_and_count(tg: Bot, api: FakeBotAPI) -> None:
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "<b>" + "a" * 4094)  # 4097 characters as written
    assert_refused(api, refused.value, "too_long")


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [("", None), ("<b></b>", "HTML"), ("   \n ", None)],
    ids=["nothing", "only-tags", "only-spaces"],
)
async def test_empty_text_is_refused(
    tg: Bot, api: FakeBotAPI, text: str, parse_mode: str | None
) -> None:
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, text, parse_mode=parse_mode)
    assert_refused(api, refused.value, "empty")


# ---- HTML ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "<b>tebal tanpa penutup",
        "<b><i>silang</b></i>",
        "teks</b>",
        "<div>blok</div>",
        "<script>x</script>",
        "1 < 2",
    ],
    ids=["unclosed", "mismatched", "close-without-open", "div", "script", "bare-lt"],
)
async def test_malformed_or_unsupported_html_cannot_be_parsed(
    tg: Bot, api: FakeBotAPI, text: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, text, parse_mode="HTML")
    assert_refused(api, refused.value, "parse")


async def test_well_formed_html_is_shown_without_its_tags(tg: Bot) -> None:
    sent = await tg.send_message(
        PERSON,
        '<b>Rp 1.500.000</b> &amp; <i>RT <u>03</u></i> <a href="https://example.org">tautan</a>'
        " <code>1 &lt; 2</code>",
        parse_mode="HTML",
    )
    assert sent.text == "Rp 1.500.000 & RT 03 tautan 1 < 2"


async def test_a_bare_greater_than_sign_is_plain_text(tg: Bot) -> None:
    """Telegram's HTML parser copies a '>' outside a tag as text; only '<' opens a tag."""
    sent = await tg.send_message(PERSON, "<b>Realisasi</b> > rencana", parse_mode="HTML")
    assert sent.text == "Realisasi > rencana"


async def test_the_applications_bot_sends_html_by_default(bot: Simulator) -> None:
    """The real Application's Defaults use HTML, so its sends are parsed and checked."""
    await bot.send(PERSON, "/start")
    with pytest.raises(BadRequest) as refused:
        await bot.application.bot.send_message(PERSON, "Nama: <Siti>")
    assert_refused(bot.api, refused.value, "parse")


# ---- buttons --------------------------------------------------------------------------------
async def test_callback_data_is_limited_to_64_bytes_not_characters(
    tg: Bot, api: FakeBotAPI
) -> None:
    await tg.send_message(PERSON, "ok", reply_markup=keyboard(1, "é" * 31 + "a"))  # 64 bytes
    await tg.send_message(PERSON, "ok", reply_markup=keyboard(1, "x" * 63))  # 63 + "0"
    with pytest.raises(BadRequest) as refused:
        # 33 characters, but 65 bytes in UTF-8
        await tg.send_message(PERSON, "no", reply_markup=keyboard(1, "é" * 32))
    assert_refused(api, refused.value, "button_data")
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "no", reply_markup=keyboard(1, "x" * 64))  # 65 bytes
    assert_refused(api, refused.value, "button_data")


async def test_at_most_100_buttons(tg: Bot, api: FakeBotAPI) -> None:
    await tg.send_message(PERSON, "100", reply_markup=keyboard(100))
    with pytest.raises(BadRequest) as refused:
        await tg.send_message(PERSON, "101", reply_markup=keyboard(101))
    assert_refused(api, refused.value, "markup_too_long")


# ---- captions -------------------------------------------------------------------------------
async def test_caption_1024_is_accepted_and_1025_is_too_long(tg: Bot, api: FakeBotAPI) -> None:
    sent = await tg.send_photo(PERSON, "photo-1", caption="c" * 1024)
    assert sent.caption == "c" * 1024
    await tg.send_photo(PERSON, "photo-1", caption="<b>" + "c" * 1024 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest) as refused:
        await tg.send_photo(PERSON, "photo-1", caption="c" * 1025)
    assert_refused(api, refused.value, "caption_too_long")
    with pytest.raises(BadRequest) as refused:
        await tg.send_photo(PERSON, "photo-1", caption="😀" * 512 + "c")  # 1025 units
    assert_refused(api, refused.value, "caption_too_long")


# ---- edits and callback answers ---------------------------------------------------------------
async def test_editing_to_identical_content_is_not_modified(tg: Bot, api: FakeBotAPI) -> None:
    markup = keyboard(2, "poll:vote:1:")
    sent = await tg.send_message(PERSON, "<b>Status</b>: menunggu", "HTML", reply_markup=markup)
    with pytest.raises(BadRequest) as refused:
        await tg.edit_message_text(
            "<b>Status</b>: menunggu", PERSON, sent.message_id, "HTML", reply_markup=markup
        )
    assert_refused(api, refused.value, "not_modified")
    # A new text, or the same text with other buttons, is a real edit.
    edited = await tg.edit_message_text(
        "<b>Status</b>: disetujui", PERSON, sent.message_id, parse_mode="HTML", reply_markup=markup
    )
    assert not isinstance(edited, bool) and edited.text == "Status: disetujui"
    await tg.edit_message_text(
        "<b>Status</b>: disetujui", PERSON, sent.message_id, parse_mode="HTML"
    )
    with pytest.raises(BadRequest) as refused:
        await tg.edit_message_reply_markup(PERSON, sent.message_id, reply_markup=None)
    assert_refused(api, refused.value, "not_modified")


async def test_a_button_press_can_be_answered_only_once(tg: Bot, api: FakeBotAPI) -> None:
    sent = await tg.send_message(PERSON, "Pilih", reply_markup=keyboard(2, "lang:"))
    press = api.callback_update(PERSON, PERSON, sent.message_id, "lang:0")
    query_id = press["callback_query"]["id"]
    assert await tg.answer_callback_query(query_id, "Tersimpan") is True
    with pytest.raises(BadRequest) as refused:
        await tg.answer_callback_query(query_id)
    assert_refused(api, refused.value, "query_invalid")
    with pytest.raises(BadRequest) as refused:
        await tg.answer_callback_query("999999")  # a press that never happened
    assert_refused(api, refused.value, "query_invalid")


# ---- injected faults --------------------------------------------------------------------------
async def test_injected_429_raises_retry_after_with_its_seconds(
    tg: Bot, api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22: retry_after as a timedelta
    api.inject("retry_after", method="sendMessage", seconds=7)
    with pytest.raises(RetryAfter) as refused:
        await tg.send_message(PERSON, "Pengumuman")
    assert refused.value.retry_after == timedelta(seconds=7)
    wire = api.calls[-1].error
    assert wire is not None and wire.status == 429
    assert wire.description.startswith(TELEGRAM["retry_after"])
    assert (await tg.send_message(PERSON, "Pengumuman")).text == "Pengumuman"  # once only


async def test_injected_403_for_one_chat_leaves_the_others_delivered(
    tg: Bot, api: FakeBotAPI
) -> None:
    api.inject("blocked", chat_id=PERSON, times=None)
    for _ in range(3):
        with pytest.raises(Forbidden) as refused:
            await tg.send_message(PERSON, "Undangan rapat")
        assert_refused(api, refused.value, "blocked")
        assert (await tg.send_message(OTHER, "Undangan rapat")).chat_id == OTHER
    delivered = [c.chat_id for c in api.calls if c.method == "sendMessage" and c.error is None]
    assert delivered == [OTHER, OTHER, OTHER]


@pytest.mark.parametrize(
    ("kind", "key"), [("internal", "internal"), ("bad_gateway", "bad_gateway")]
)
async def test_injected_5xx_is_a_network_error(
    tg: Bot, api: FakeBotAPI, kind: str, key: str
) -> None:
    api.inject(kind, method="sendMessage", chat_id=PERSON)
    with pytest.raises(NetworkError) as refused:
        await tg.send_message(PERSON, "Halo")
    assert refused.type is NetworkError  # not BadRequest, its subclass: worth retrying
    assert refused.value.message.startswith(TELEGRAM[key])
    wire = api.calls[-1].error
    assert wire is not None and wire.status >= 500
    assert (await tg.send_message(PERSON, "Halo")).text == "Halo"


async def test_a_person_who_blocked_the_bot_refuses_every_later_call(
    tg: Bot, api: FakeBotAPI
) -> None:
    earlier = await tg.send_message(PERSON, "Sebelum diblokir")
    api.block(PERSON)
    attempts = [
        lambda: tg.send_message(PERSON, "Halo"),
        lambda: tg.send_message(PERSON, "Halo lagi"),
        lambda: tg.send_photo(PERSON, "photo-1", caption="Grafik"),
        lambda: tg.send_chat_action(PERSON, "typing"),
        lambda: tg.edit_message_text("Diubah", PERSON, earlier.message_id),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as refused:
            await attempt()
        assert_refused(api, refused.value, "blocked")
    assert (await tg.send_message(OTHER, "Halo")).chat_id == OTHER


async def test_the_bot_cannot_start_a_private_conversation(tg: Bot, api: FakeBotAPI) -> None:
    stranger = 5550999
    with pytest.raises(Forbidden) as refused:
        await tg.send_message(stranger, "Halo")
    assert_refused(api, refused.value, "cant_initiate")
    talked(api, stranger)  # once they write first, the bot may answer
    assert (await tg.send_message(stranger, "Halo")).chat_id == stranger


async def test_a_sent_file_can_be_downloaded_and_uploads_are_kept(
    tg: Bot, api: FakeBotAPI
) -> None:
    document = api.add_file(b"tahun;program\n2026;Jalan\n", "anggaran.csv")
    file = await tg.get_file(document["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"tahun;program\n2026;Jalan\n"
    with pytest.raises(BadRequest):
        await tg.get_file("no-such-file")
    talked(api, 5)
    await tg.send_photo(5, b"\x89PNG fake", caption="Grafik")
    assert api.uploads[-1].method == "sendPhoto"
    assert api.uploads[-1].content == b"\x89PNG fake"
    assert api.calls[-1].text == "Grafik"


async def test_an_album_needs_two_to_ten_items(tg: Bot, api: FakeBotAPI) -> None:
    from telegram import InputMediaPhoto

    talked(api, 6)
    sent = await tg.send_media_group(6, [InputMediaPhoto("p1"), InputMediaPhoto("p2")])
    assert len(sent) == 2
    with pytest.raises(BadRequest):
        await tg.send_media_group(6, [InputMediaPhoto(f"p{n}") for n in range(11)])
