"""Polls end to end, as residents and the board see them: secret and open ballots by chat."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import GROUP_CHAT_ID, Simulator
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_nid, tr_part
from tests.support.polls import (
    add_people,
    create_poll,
    export_rows,
    raw_rows,
    run_due,
    texts,
)

MEMBERS = [301, 302, 303, 304]
RESIDENT = 401
ENGLISH = 305
PUBLISHED = (
    "Published: poll {ref}. {n} person may vote.\nLink to the poll: {link}",
    "Published: poll {ref}. {n} people may vote.\nLink to the poll: {link}",
)
NEW_POLL = (
    "<b>New poll {ref}</b>\n{question}\n\nYou may vote until {when}. "
    "Press the button to see the options."
)
SECRET_CONFIRM = (
    "You chose: {options}\n\nThis is a secret ballot: once sent, your vote cannot "
    "be changed. Send it?"
)
RECORDED = "Your vote in poll {ref} is recorded: {options}"
CHANGED = "Your vote in poll {ref} was changed to: {options}"
CLOSED = tr_id("This poll is closed. Your press was not counted.")
TOO_MANY = ("You may choose at most {n} option.", "You may choose at most {n} options.")
STALE = tr_id("This button is no longer valid.")
BOARD_ONLY = tr_id("Sorry, this is only for the BKM board.")
NOT_LISTED = tr_id(
    "You are not on this poll's list of voters. It was fixed when the poll was "
    "published; a person whose membership ended or who moved to another RW since is "
    "taken off it."
)
TOO_LONG = "That is too long: at most {maximum} characters (you wrote {length})."
OPTION_TOO_LONG = 'Each option may have at most {maximum} characters: "{option}…" is longer.'
TOO_SOON = "That is too soon: choose a time at least {minutes} minutes from now."
UNREADABLE_WHEN = (
    "I could not read that date and time. Write it like 30/11 20:00, "
    "30 November 2026 20:00, or a duration like 3 hari or 12 jam."
)
OPTIONS_QUESTION = tr_id(
    "Write the options, one per line (2 to {n}, each at most {m} characters).", n=10, m=100
)


async def setup_people(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    await add_people(bot, [RESIDENT], role="warga", rw=None)


async def test_secret_poll_by_chat_from_invitation_to_results(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await setup_people(bot)
    await add_people(bot, [ENGLISH], language="en")
    poll_id, reference, published = await create_poll(bot, quorum="50")
    assert reference == "POL-2026-0001"
    board_text = texts(published, BOARD_ID)
    assert "t.me/bkm_kelurahan_bot?start=pol_POL-2026-0001" in board_text
    assert (
        tr_nid(
            *PUBLISHED,
            6,
            ref=reference,
            link=f"https://t.me/bkm_kelurahan_bot?start=pol_{reference}",
        )
        in board_text
    )  # 5 members + the board member
    invited = {
        c.chat_id for c in published if c.method == "sendMessage" and tr_part(NEW_POLL) in c.text
    }
    assert invited == {*MEMBERS, BOARD_ID}  # the resident is not a member: not invited
    [english] = [c for c in published if c.chat_id == ENGLISH]
    assert "New poll POL-2026-0001" in english.text and english.buttons[0]["text"] == "Vote"

    # a member opens the ballot from the invitation, chooses, is warned, confirms
    card = texts(await bot.press(MEMBERS[0], "Beri suara"))
    assert (
        "Drainase RW 03" in card
        and tr_id("Secret ballot: nobody can see who chose what.") in card
        and "1 Desember 2026" in card
    )
    warned = texts(await bot.press(MEMBERS[0], "2. Penerangan jalan"))
    assert tr_id(SECRET_CONFIRM, options="2. Penerangan jalan") in warned
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM poll_roll") == [(0,)]  # not yet
    confirmed = texts(await bot.press(MEMBERS[0], "Ya, kirim suara saya"))
    receipt = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}", confirmed)
    assert receipt and tr_id(RECORDED, ref=reference, options="2. Penerangan jalan") in confirmed
    # the same confirmation pressed again counts nothing
    again = await bot.press_data(MEMBERS[0], f"pol:ok:{poll_id}:1", 1)
    assert tr_id("You have already voted in this poll.") in texts(again)
    # others vote through the deep link and /polling
    await bot.send(MEMBERS[1], "/start pol_POL-2026-0001")
    await bot.press(MEMBERS[1], "2. Penerangan jalan")
    await bot.press(MEMBERS[1], "Ya, kirim suara saya")
    await bot.send(MEMBERS[2], "/polling")
    await bot.press(MEMBERS[2], "1. Drainase RW 03")
    await bot.press(MEMBERS[2], "Ya, kirim suara saya")
    # after voting, the card offers no buttons any more
    shown = await bot.send(MEMBERS[2], "/polling")
    assert (
        tr_id("You have voted in this poll. Thank you!") in texts(shown) and not shown[-1].buttons
    )

    # sealed until closing: /hasil, the export and /transparansi show no counts
    assert tr_id("No poll has closed yet.") in texts(await bot.send(BOARD_ID, "/hasil"))
    sealed = [r for r in export_rows(settings) if r[5] == "option"]
    assert {r[8] for r in sealed} == {""}
    assert "Penerangan" not in texts(await bot.send(RESIDENT, "/transparansi"))

    clock.advance(timedelta(days=3))
    before = len(bot.api.calls)
    assert await run_due(bot) == 2  # the reminder (claimed, nothing to send: past) and close
    sent = bot.api.calls[before:]
    photos = [c for c in sent if c.method == "sendPhoto"]
    assert {c.chat_id for c in photos} == {*MEMBERS, BOARD_ID, ENGLISH}
    assert all(len(c.params.get("caption", "")) <= 1024 for c in photos)
    assert any(
        u.method == "sendPhoto" and u.content.startswith(b"\x89PNG") for u in bot.api.uploads
    )
    results = [c.text for c in sent if c.method == "sendMessage" and c.chat_id == MEMBERS[3]]
    [full] = results
    assert "2. Penerangan jalan: 2 suara (66,7%)" in full
    assert "1. Drainase RW 03: 1 suara (33,3%)" in full
    assert "Tingkat partisipasi: 3 dari 6 dalam daftar (50%)" in full
    assert "Kuorum 50% tercapai" in full and "Terpilih: 2. Penerangan jalan" in full
    [in_english] = [c.text for c in sent if c.method == "sendMessage" and c.chat_id == ENGLISH]
    assert "2. Penerangan jalan: 2 votes (66,7%)" in in_english  # en_ID: Indonesian digits
    assert "Turnout: 3 of 6 on the list (50%)" in in_english
    assert "Kode tanda terima: 3, surat suara di kotak: 3" in full

    # /hasil now lists it; the receipt codes include the member's
    await bot.send(RESIDENT, "/hasil")
    shown = await bot.press(RESIDENT, 1)
    assert receipt.group(0) in texts(shown)
    assert any(c.method == "sendPhoto" for c in shown)
    # a press after closing counts nothing
    late = await bot.press_data(MEMBERS[3], f"pol:v:{poll_id}:1", 1)
    assert CLOSED in texts(late)
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM poll_roll") == [(3,)]
    actions = [a for (a,) in raw_rows(settings.database, "SELECT action FROM audit")]
    assert "poll.published" in actions and "poll.closed" in actions
    assert not [a for a in actions if a.startswith("poll.vot")]  # secret: never per voter


async def test_open_poll_live_results_change_of_vote_and_voter_list(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await setup_people(bot)
    _poll_id, reference, _ = await create_poll(
        bot,
        question="Kapan rembug tahunan?",
        options=("Sabtu malam", "Minggu pagi"),
        audience="Semua warga",
        ballot="Pemungutan suara terbuka",
        closing="30/11 20:00",
        results="Selama pemungutan suara (langsung)",
    )
    await bot.send(RESIDENT, "/polling")
    voted = texts(await bot.press(RESIDENT, "1. Sabtu malam"))
    assert tr_id(RECORDED, ref=reference, options="1. Sabtu malam") in voted
    assert tr_id("You may change your vote until closing.") in voted
    assert (
        tr_part("<b>Results so far of poll {ref}</b> (voting is still open)") in voted
        and "1. Sabtu malam: 1 suara (100%)" in voted
    )
    await bot.send(RESIDENT, "/polling")
    changed = texts(await bot.press(RESIDENT, "2. Minggu pagi"))
    assert tr_id(CHANGED, ref=reference, options="2. Minggu pagi") in changed
    assert "2. Minggu pagi: 1 suara (100%)" in changed
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM poll_votes") == [(1,)]
    await bot.send(MEMBERS[0], "/polling")
    await bot.press(MEMBERS[0], "2. Minggu pagi")
    # live: /hasil shows it while open; the export names the voters of an open ballot
    await bot.send(BOARD_ID, "/hasil")
    live = texts(await bot.press(BOARD_ID, 1))
    assert (
        tr_part("<b>Results so far of poll {ref}</b> (voting is still open)") in live
        and "2. Minggu pagi: 2 suara (100%)" in live
    )
    voters = [r for r in export_rows(settings) if r[5] == "voter"]
    assert sorted(r[8] for r in voters) == ["2", "2"]
    assert {(r[7], r[9]) for r in voters} == {("Warga 401", "chat"), ("Warga 301", "chat")}
    actions = [a for (a,) in raw_rows(settings.database, "SELECT action FROM audit")]
    assert actions.count("poll.voted") == 2 and actions.count("poll.vote_changed") == 1


async def test_multiple_choice_ticks_limit_and_submit(bot: Simulator, settings: Settings) -> None:
    await setup_people(bot)
    poll_id, _, _ = await create_poll(
        bot,
        question="Siapa masuk panitia?",
        options=("Bu Sri", "Pak Agus", "Mas Joko", "Mbak Wati"),
        choices="Paling banyak 2 pilihan",
    )
    member = MEMBERS[0]
    await bot.send(member, "/polling")
    assert "Kirim" in [b["text"] for b in bot.buttons(member)]
    nothing = await bot.press(member, "Kirim")
    assert tr_id("Tick at least one option first.") in texts(nothing)
    await bot.press(member, "1. Bu Sri")
    await bot.press(member, "3. Mas Joko")
    labels = [b["text"] for b in bot.buttons(member)]
    assert "✅ 1. Bu Sri" in labels and "✅ 3. Mas Joko" in labels
    third = await bot.press(member, "4. Mbak Wati")
    assert tr_nid(*TOO_MANY, 2) in texts(third)
    # a forged Kirim with three ticks is refused too
    forged = await bot.press_data(member, f"pol:k:{poll_id}:7", 1)
    assert tr_nid(*TOO_MANY, 2) in texts(forged)
    await bot.press(member, "Kirim")
    confirmed = texts(await bot.press(member, "Ya, kirim suara saya"))
    assert "1. Bu Sri, 3. Mas Joko" in confirmed
    assert raw_rows(
        settings.database, "SELECT marks FROM poll_ballots WHERE marks != '0000000000'"
    ) == [("1010000000",)]


async def test_every_refusal_counts_nothing(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await setup_people(bot)
    secret_id, _, _ = await create_poll(bot)
    await add_people(bot, [310], rw=7)
    rw_id, _, _ = await create_poll(
        bot, question="Khusus RW 07?", options=("Ya", "Tidak"), audience="Anggota satu RW", rw="7"
    )
    member = MEMBERS[0]
    # Terbitkan pressed again on the old preview publishes nothing more
    again = await bot.press_data(BOARD_ID, "pol:n:publish", 1)
    assert STALE in texts(again)
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM polls") == [(2,)]
    # board-only actions pressed by a member
    for data in ("adm:poll_new", "adm:poll_paper", "adm:poll_close", f"pol:p:{secret_id}"):
        calls = await bot.press_data(member, data, 1)
        assert BOARD_ONLY in texts(calls), data
    refusals = {
        # another poll's option beyond its list, a made-up id, garbage, an overflow
        f"pol:v:{secret_id}:9": STALE,
        "pol:v:999999:1": STALE,
        "pol:v:abc:1": STALE,
        f"pol:ok:{secret_id}:1023": STALE,
        f"pol:ok:{secret_id}:0": STALE,
        f"pol:t:{secret_id}:0:1": STALE,  # a toggle on a single-choice poll
        f"pol:v:{rw_id}:1": NOT_LISTED,  # member of RW 01, poll for RW 07
        f"pol:r:{secret_id}": STALE,  # results of a sealed poll
        f"pol:x:{secret_id}": BOARD_ONLY,  # closing is board-only
    }
    for data, expected in refusals.items():
        calls = await bot.press_data(member, data, 1)
        assert expected in texts(calls), (data, texts(calls))
    # a resident presses a members' poll
    calls = await bot.press_data(RESIDENT, f"pol:ok:{secret_id}:1", 1)
    assert NOT_LISTED in texts(calls)
    # only the board creates polls
    assert BOARD_ONLY in texts(await bot.send(member, "/buatpolling"))
    # someone who joined after publishing is not on the fixed list
    [late] = await add_people(bot, [309])
    calls = await bot.press_data(309, f"pol:ok:{secret_id}:1", 1)
    assert NOT_LISTED in texts(calls) and late
    # closed: nothing counted
    clock.advance(timedelta(days=4))
    calls = await bot.press_data(member, f"pol:ok:{secret_id}:1", 1)
    assert CLOSED in texts(calls)
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM poll_roll") == [(0,)]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM poll_ballots WHERE marks != '0000000000'"
    ) == [(0,)]


async def test_creation_re_asks_bad_answers_keeping_earlier_ones(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    await bot.send(BOARD_ID, "/newpoll")
    assert tr_id(TOO_LONG, maximum=255, length=256) in texts(await bot.send(BOARD_ID, "x" * 256))
    question = "<b>Jalan</b> & 'drainase'; DROP TABLE polls; -- 🚧 \u202eRTL"
    await bot.send(BOARD_ID, question)
    for bad, expected in (
        ("Satu saja", tr_id("Write at least 2 options, one per line.")),
        (
            "\n".join(f"Pilihan {i}" for i in range(11)),
            tr_id("At most {maximum} options (you wrote {count}).", maximum=10, count=11),
        ),
        ("Ya\nya", tr_part('The option "{option}" appears twice.')),
        ("Ya\n" + "t" * 101, tr_part(OPTION_TOO_LONG)),
    ):
        assert expected in texts(await bot.send(BOARD_ID, bad)), bad
    await bot.send(BOARD_ID, "Setuju <ya>\nTidak & tidak")
    await bot.press(BOARD_ID, "Semua warga")
    await bot.press(BOARD_ID, "Pemungutan suara terbuka")
    await bot.press(BOARD_ID, "Satu pilihan")
    for bad, expected in (
        ("5 menit", tr_id(TOO_SOON, minutes=10)),
        ("besok", tr_id("Please add the time of day, for example 30/11 20:00.")),
        ("31/02 10:00", tr_part("There is no such date: {day}/{month}.")),
        ("kapan-kapan", tr_id(UNREADABLE_WHEN)),
    ):
        assert expected in texts(await bot.send(BOARD_ID, bad)), bad
    await bot.send(BOARD_ID, "30 November 2026 20:00")
    await bot.press(BOARD_ID, "Setelah ditutup")
    assert tr_id("Write the quorum as a percentage from 1 to 100, or choose no quorum.") in texts(
        await bot.send(BOARD_ID, "150%")
    )
    preview = await bot.send(BOARD_ID, "60%")
    shown = texts(preview)
    assert "<b>Jalan</b> & 'drainase'; DROP TABLE polls; -- 🚧" in shown  # shown back exactly
    assert "Setuju <ya>" in shown and "Kuorum: 60%" in shown
    assert "30 November 2026, 20:00 WIB" in shown
    await bot.press(BOARD_ID, "Terbitkan")
    [(stored,)] = raw_rows(settings.database, "SELECT question FROM polls")
    assert stored.startswith("<b>Jalan</b>") and "\u202e" not in stored


async def test_group_chat_results_public_voting_private(bot: Simulator) -> None:
    await setup_people(bot)
    await bot.send(BOARD_ID, "/start")
    calls = await bot.send(MEMBERS[0], "/polling", group=True)
    assert tr_id("This needs your personal data, so we continue in a private chat.") in texts(
        calls
    )
    [button] = calls[-1].buttons
    assert button["url"].endswith("?start=polling")
    calls = await bot.send(MEMBERS[0], "/hasil", group=True)
    assert any(c.chat_id == GROUP_CHAT_ID for c in calls)


async def test_an_unfinished_poll_is_offered_back_and_cancel_discards_it(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(BOARD_ID, "/start")
    await bot.send(BOARD_ID, "/buatpolling")
    await bot.send(BOARD_ID, "Kapan kerja bakti?")
    clock.advance(timedelta(minutes=31))  # away too long: paused, answers kept
    assert tr_id(
        "You were away for a while, so I paused. Your answers "
        "are kept: send the command again to continue."
    ) in texts(await bot.send(BOARD_ID, "Sabtu\nMinggu"))
    offered = await bot.send(BOARD_ID, "/buatpolling")
    assert tr_id("You have an unfinished poll. Continue where you stopped?") in texts(offered)
    resumed = await bot.press(BOARD_ID, "Lanjutkan")
    assert OPTIONS_QUESTION in texts(resumed)  # the options question again, question kept
    await bot.send(BOARD_ID, "Sabtu\nMinggu")
    [(data,)] = raw_rows(settings.database, "SELECT data FROM drafts WHERE flow = 'poll_create'")
    assert "Kapan kerja bakti?" in data and "Minggu" in data
    assert tr_id("Cancelled. The poll was not published.") in texts(
        await bot.send(BOARD_ID, "/batal")
    )
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM polls") == [(0,)]
