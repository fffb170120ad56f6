"""/daftar, verification by the board, registration in person — as people see it."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part

APPLICANT = 201
SENT = tr_id(
    "Sent. The BKM board will check your details and tell you here. "
    "Until then you can use everything residents can."
)
GENDER_QUESTION = tr_id(
    "Gender? It is only used to count participation (never shown by name). "
    "You may choose not to say."
)
WELCOME = tr_id("Good news: the BKM board verified your membership. Welcome, member!")
RTRW_EXAMPLE = tr_id("Write it like this: RT 3 RW 5, or 03/05.")
PAUSED = tr_id(
    "You were away for a while, so I paused. Your answers are kept: "
    "send the command again to continue."
)
BOARD_MENU = tr_id("<b>Board menu</b>\nWhat would you like to do?")
IN_PERSON_NAME = tr_id(
    "Registering a resident in person (without Telegram). "
    "What is the resident's full name (as on the KTP)?"
)
# what a name that is not a name meets (rules.validate.person_name)
NAME_REFUSALS = (
    "That is too short: write at least {minimum} characters.",
    "That is too long: at most {maximum} characters (you wrote {length}).",
    "Please write a name with letters only, for example: Siti Aminah.",
)


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def raw_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read what is committed, through a connection of our own."""
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


async def apply(bot: Simulator, user: int = APPLICANT, name: str = "Siti Aminah") -> None:
    await bot.send(user, "/daftar")
    await bot.send(user, name)
    await bot.send(user, "RT 3 RW 5")
    await bot.press(user, "Perempuan")
    calls = await bot.press(user, "Kirim")
    assert SENT in texts(calls)


async def test_registration_and_approval_in_indonesian(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    assert tr_id("What is your full name (as on your KTP)?") in texts(
        await bot.send(APPLICANT, "/daftar")
    )
    assert tr_id("Which RT and RW do you live in?") in texts(
        await bot.send(APPLICANT, "Siti Aminah")
    )
    asked = await bot.send(APPLICANT, "rt03 rw05")
    assert GENDER_QUESTION in texts(asked)
    summary = texts(await bot.press(APPLICANT, "Perempuan"))
    assert "Siti Aminah" in summary and "RT 03/RW 05" in summary and tr_id("Female") in summary
    submitted = await bot.press(APPLICANT, "Kirim")
    assert SENT in texts([c for c in submitted if c.chat_id == APPLICANT])
    # the board is told, in the board member's language
    assert any(c.chat_id == BOARD_ID and "/admin" in c.text for c in submitted)
    assert raw_rows(settings.database, "SELECT status FROM membership_applications") == [
        ("pending",)
    ]

    await bot.send(BOARD_ID, "/admin")
    listing = await bot.press(BOARD_ID, "Verifikasi anggota")
    assert "Siti Aminah" in texts(listing) and "RT 03/RW 05" in texts(listing)
    decided = await bot.press(BOARD_ID, "Setujui")
    told = [c for c in decided if c.chat_id == APPLICANT]
    assert told and WELCOME in told[0].text
    assert raw_rows(
        settings.database,
        f"SELECT role, full_name, rt, rw FROM people WHERE telegram_id={APPLICANT}",
    ) == [("anggota", "Siti Aminah", 3, 5)]
    actions = raw_rows(settings.database, "SELECT action FROM audit ORDER BY id")
    assert ("membership.applied",) in actions and ("membership.approved",) in actions
    # the audit names no one: no name, no Telegram id
    dump = str(raw_rows(settings.database, "SELECT * FROM audit"))
    assert "Siti" not in dump and str(APPLICANT) not in dump


async def test_registration_and_rejection_in_english(bot: Simulator) -> None:
    bot.languages[APPLICANT] = "en"
    assert "What is your full name" in texts(await bot.send(APPLICANT, "/register"))
    await bot.send(APPLICANT, "John Smith")
    await bot.send(APPLICANT, "03/05")
    summary = texts(await bot.press(APPLICANT, "Prefer not to say"))
    assert "Prefer not to say" in summary
    await bot.press(APPLICANT, "Submit")

    bot.languages[BOARD_ID] = "id"
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    assert tr_id("Why is it rejected? Your reason is sent to the applicant.") in texts(
        await bot.press(BOARD_ID, "Tolak")
    )
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "x")
    )  # re-asked, not lost
    calls = await bot.send(BOARD_ID, "KTP address is outside this kelurahan")
    [told] = [c for c in calls if c.chat_id == APPLICANT]
    assert "did not approve" in told.text
    assert "KTP address is outside this kelurahan" in told.text
    # rejected people may apply again
    assert "full name" in texts(await bot.send(APPLICANT, "/register"))


async def test_bad_answers_are_re_asked_keeping_earlier_ones(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(APPLICANT, "/daftar")
    for bad in ("", "A", "12345", "x" * 101, "'; DROP TABLE people; --", "\u202e\u200b"):
        calls = await bot.send(APPLICANT, bad or " ")
        assert any(tr_part(m) in texts(calls) for m in NAME_REFUSALS), bad
    await bot.send(APPLICANT, "Ni Luh Putu Ayu")
    for bad in ("RT tiga RW lima", "3 5", "RT 3", "RT 0 RW 0", "💥" * 3000):
        calls = await bot.send(APPLICANT, bad)
        assert tr_id("I could not read that RT/RW.") in texts(calls) and RTRW_EXAMPLE in texts(
            calls
        )
    [(data,)] = raw_rows(settings.database, "SELECT data FROM drafts")
    assert "Ni Luh Putu Ayu" in str(data)  # the name typed before is kept
    await bot.send(APPLICANT, "RT.003/RW.005")
    summary = texts(await bot.press(APPLICANT, "Laki-laki"))
    assert "Ni Luh Putu Ayu" in summary
    assert (
        raw_rows(settings.database, "SELECT COUNT(*) FROM people WHERE telegram_id IS NOT NULL")[
            0
        ][0]
        >= 1
    )


async def test_invisible_and_direction_characters_are_stripped_from_a_name(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(APPLICANT, "/daftar")
    assert tr_id("Which RT and RW do you live in?") in texts(
        await bot.send(APPLICANT, "\u202eSiti\u200b  Aminah\u0007")
    )
    [(data,)] = raw_rows(settings.database, "SELECT data FROM drafts")
    assert '"full_name":"Siti Aminah"' in str(data)


async def test_typed_text_where_a_button_is_expected_shows_the_buttons_again(
    bot: Simulator,
) -> None:
    await bot.send(APPLICANT, "/daftar")
    await bot.send(APPLICANT, "Siti Aminah")
    await bot.send(APPLICANT, "RT 3 RW 5")
    calls = await bot.send(APPLICANT, "perempuan")
    assert tr_id("Please choose one of the buttons.") in texts(calls)
    assert [b["text"] for b in calls[-1].buttons][:2] == [tr_id("Female"), tr_id("Male")]


async def test_each_step_is_committed_before_its_question_is_sent(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(APPLICANT, "/daftar")
    await bot.send(APPLICANT, "Siti Aminah")
    # the RT/RW question has been sent; the state and the answer are in the file already
    assert raw_rows(settings.database, "SELECT step FROM drafts") == [("RTRW",)]
    assert raw_rows(settings.database, "SELECT name, state FROM conversations") == [
        ("membership_apply", "2")
    ]


async def test_cancel_leaves_the_flow_and_says_so(bot: Simulator, settings: Settings) -> None:
    await bot.send(APPLICANT, "/daftar")
    await bot.send(APPLICANT, "Siti Aminah")
    assert tr_id("Cancelled. Nothing was sent.") in texts(await bot.send(APPLICANT, "/batal"))
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    # now "RT 3 RW 5" is stray text, not an answer
    assert tr_id(
        "I did not understand that. Choose from the menu, or send /bantuan for the commands."
    ) in texts(await bot.send(APPLICANT, "RT 3 RW 5"))
    assert tr_id("There is nothing to cancel right now.") in texts(
        await bot.send(APPLICANT, "/batal")
    )


async def test_an_idle_flow_pauses_and_is_offered_back(bot: Simulator, clock: FakeClock) -> None:
    await bot.send(APPLICANT, "/daftar")
    await bot.send(APPLICANT, "Siti Aminah")
    clock.advance(timedelta(minutes=31))
    paused = texts(await bot.send(APPLICANT, "RT 3 RW 5"))
    assert PAUSED in paused
    offered = await bot.send(APPLICANT, "/daftar")
    assert tr_id("You have an unfinished application. Continue where you stopped?") in texts(
        offered
    )
    resumed = texts(await bot.press(APPLICANT, "Lanjutkan"))
    assert tr_id("Which RT and RW do you live in?") in resumed  # back at the step last confirmed
    assert GENDER_QUESTION in texts(await bot.send(APPLICANT, "RT 3 RW 5"))


async def test_the_flow_resumes_in_a_new_application_on_the_same_database(
    bot: Simulator, settings: Settings, make_bot
) -> None:  # type: ignore[no-untyped-def]
    from bot.simulator import running

    await bot.send(APPLICANT, "/daftar")
    await bot.send(APPLICANT, "Siti Aminah")
    second = make_bot(settings)
    async with running(second.application):
        asked = texts(await second.send(APPLICANT, "RT 3 RW 5"))
    assert GENDER_QUESTION in asked


async def test_a_member_and_a_pending_applicant_cannot_apply_again(bot: Simulator) -> None:
    await apply(bot)
    assert tr_id("Your application is waiting for the board. You will hear from us.") in texts(
        await bot.send(APPLICANT, "/daftar")
    )
    assert tr_id("You are already a verified member. Thank you!") in texts(
        await bot.send(BOARD_ID, "/daftar")
    )


async def test_non_board_people_cannot_use_board_commands_or_buttons(bot: Simulator) -> None:
    await apply(bot)
    await bot.send(BOARD_ID, "/admin")
    listing = await bot.press(BOARD_ID, "Verifikasi anggota")
    approve = next(
        c
        for c in listing
        if any(b.get("callback_data", "").startswith("mem:ok:") for b in c.buttons)
    )
    data = next(
        b["callback_data"] for b in approve.buttons if b["callback_data"].startswith("mem:ok:")
    )
    outsider = 333
    await bot.send(outsider, "/start")
    refusal = texts(await bot.send(outsider, "/admin"))
    assert tr_id("Sorry, this is only for the BKM board.") in refusal and BOARD_MENU not in refusal
    for forged in (data, "adm:members", "adm:register_person", data.replace("ok", "no")):
        calls = await bot.press_data(outsider, forged, message_id=1)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert (
            answers
            and tr_id("Sorry, this is only for the BKM board.") in answers[0].params["text"]
        ), forged
        assert not [c for c in calls if c.method == "sendMessage" and c.chat_id == APPLICANT]


async def test_stale_and_forged_decision_buttons_change_nothing(bot: Simulator) -> None:
    await apply(bot)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Setujui")
    for data in (
        "mem:ok:1",
        "mem:no:1",
        "mem:ok:99999",
        "mem:ok:abc",
        "mem:ok:" + "9" * 40,
        "reg:g:alien",
        "lang:xx",
        "zzz",
    ):
        calls = await bot.press_data(BOARD_ID, data, message_id=1)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers, data
        assert answers[0].params.get("show_alert"), data
        assert not [c for c in calls if c.chat_id == APPLICANT], data


async def test_board_registers_a_resident_in_person(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/admin")
    assert IN_PERSON_NAME in texts(await bot.press(BOARD_ID, "Daftarkan warga secara langsung"))
    await bot.send(BOARD_ID, "Mbah Sarinem")
    await bot.send(BOARD_ID, "RT 1 RW 2")
    done = texts(await bot.press(BOARD_ID, "Tidak ingin menyebutkan"))
    assert "Mbah Sarinem" in done and "RT 01/RW 02" in done
    rows = raw_rows(
        settings.database,
        "SELECT p.telegram_id, p.role, b.telegram_id FROM people p"
        " JOIN people b ON b.id = p.registered_by WHERE p.full_name = 'Mbah Sarinem'",
    )
    assert rows == [(None, "anggota", BOARD_ID)]
    assert ("member.registered_in_person",) in raw_rows(
        settings.database, "SELECT action FROM audit"
    )


async def test_language_choice_changes_replies_and_the_chat_menu(bot: Simulator) -> None:
    await bot.send(APPLICANT, "/bahasa")
    calls = await bot.press(APPLICANT, "English")
    assert "I will speak English" in texts(calls)
    menus = [c for c in calls if c.method == "setMyCommands"]
    assert menus and menus[-1].params["scope"] == {"type": "chat", "chat_id": APPLICANT}
    assert {"command": "register", "description": "Apply to become a member"} in menus[-1].params[
        "commands"
    ]
    assert "What I can do" in texts(await bot.send(APPLICANT, "/bantuan"))
    await bot.send(APPLICANT, "/bahasa")
    calls = await bot.press(APPLICANT, "Bahasa Indonesia")
    # the client speaks Indonesian again: the per-chat menu is removed
    assert [c.method for c in calls if "MyCommands" in c.method] == ["deleteMyCommands"]


async def test_default_menus_per_language_and_board_menu_per_chat(bot: Simulator) -> None:
    commands = bot.api.commands
    assert {c["command"] for c in commands[("default", "id")]} >= {"bantuan", "daftar"}
    assert {c["command"] for c in commands[("default", "en")]} >= {"help", "register"}
    assert "admin" not in {c["command"] for c in commands[("default", "id")]}
    await bot.send(BOARD_ID, "/start")
    board = commands[(f"chat:{BOARD_ID}", "")]
    assert "admin" in {c["command"] for c in board}


@pytest.mark.parametrize("text", ["/tidakada", "/usul@other_bot"])
async def test_unknown_commands_get_a_hint(bot: Simulator, text: str) -> None:
    assert "/bantuan" in texts(await bot.send(APPLICANT, text))


async def test_stray_text_and_odd_input_get_a_hint_never_silence(bot: Simulator) -> None:
    for text in ("halo", "\u200b", "🙂" * 4000, "<b>not html</b> & co"):
        calls = await bot.send(APPLICANT, text)
        assert tr_id(
            "I did not understand that. Choose from the menu, or send /bantuan for the commands."
        ) in texts(calls), text
    # over Telegram's 4096 characters: refused politely, before any work (accountability)
    assert tr_id("That message is too long for me. Please send at most 4096 characters.") in texts(
        await bot.send(APPLICANT, "🙂" * 5000)
    )


async def test_board_screens_with_personal_data_never_open_in_a_group(bot: Simulator) -> None:
    await apply(bot)
    calls = await bot.send(BOARD_ID, "/admin", group=True)
    [message] = [c for c in calls if c.method == "sendMessage"]
    assert (
        tr_id("This needs your personal data, so we continue in a private chat.") in message.text
    )
    from bot.simulator import GROUP_CHAT_ID

    assert message.buttons[0]["url"].endswith("?start=admin")
    followed = await bot.press(BOARD_ID, 1, chat_id=GROUP_CHAT_ID)  # the deep link
    assert BOARD_MENU in texts(followed) and followed[-1].chat_id == BOARD_ID
    forged = await bot.press_data(BOARD_ID, "adm:members", message_id=1, chat_id=GROUP_CHAT_ID)
    assert not any("Siti" in c.text for c in forged)
    outsider = await bot.send(444, "/admin", group=True)
    assert tr_id("Sorry, this is only for the BKM board.") in texts(outsider)
