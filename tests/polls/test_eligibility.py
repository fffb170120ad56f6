"""One member one vote, at the moment of voting (issue 13, item 3).

The list of who may vote is fixed at publish and nobody is added after; but a revocation, a
move out of the poll's RW or an account merge takes the person off the list of every open
poll they have not voted in (a secret poll loses one blank slot of its box with them), in
the same transaction, and the vote itself checks eligibility again in its own write.
Everything is driven through the bot as the members and the board use it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator
from rules.tally import BLANK
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id
from tests.support.polls import add_people, create_poll, raw_rows, run_due, texts

MEMBERS = [301, 302, 303, 304]
TAKEN_OFF = tr_id(
    "You are not on this poll's list of voters. It was fixed when the poll was "
    "published; a person whose membership ended or who moved to another RW since is "
    "taken off it."
)
# a voter revoked since, of a poll for the members
NO_CHANGE = tr_id(
    "You can no longer vote in this poll: it is only for registered residents. A vote "
    "you cast before stays counted."
)
RECORDED = "Your vote in poll {ref} is recorded: {options}"
SECRET_CONFIRM = (
    "You chose: {options}\n\nThis is a secret ballot: once sent, your vote cannot "
    "be changed. Send it?"
)
ERASED = tr_id(
    "Your personal data has been erased. If you write to the bot again, "
    "you start as a new resident."
)
OPEN_BALLOT = {
    "ballot": "Pemungutan suara terbuka",
    "results": "Selama pemungutan suara (langsung)",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The board member makes several polls and cards in a row: no flood limit in the way."""
    return replace(settings, flood_limit=(10_000, 10))


def alerts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(c.params.get("text")) for c in calls if c.method == "answerCallbackQuery")


def listed(path: Path, poll_id: int) -> int:
    """How many people are on the poll's list: the turnout denominator."""
    [(n,)] = raw_rows(path, "SELECT COUNT(*) FROM poll_eligible WHERE poll_id = ?", (poll_id,))
    return int(n)


def box(path: Path, poll_id: int) -> tuple[int, int]:
    """(slots in the secret box, filled slots)."""
    rows = raw_rows(
        path,
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE marks != ?) FROM poll_ballots WHERE poll_id = ?",
        (BLANK, poll_id),
    )
    return int(rows[0][0]), int(rows[0][1])


async def setup_members(bot: Simulator) -> list[int]:
    await bot.send(BOARD_ID, "/start")
    return await add_people(bot, MEMBERS)  # RT 01 / RW 01


async def member_card(bot: Simulator, telegram_id: int) -> None:
    """/admin › Members and board › the member's card."""
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    [button] = [b for b in bot.buttons(BOARD_ID) if f"Warga {telegram_id}" in b["text"]]
    await bot.press(BOARD_ID, button["text"])


async def revoke(bot: Simulator, telegram_id: int) -> None:
    await member_card(bot, telegram_id)
    await bot.press(BOARD_ID, "Cabut keanggotaan")
    done = await bot.send(BOARD_ID, "Pindah keluar kelurahan")
    assert tr_id("Membership revoked. The person has been told.") in texts(done, BOARD_ID)


async def move(bot: Simulator, telegram_id: int, rtrw: str) -> None:
    await member_card(bot, telegram_id)
    await bot.press(BOARD_ID, "Pindah ke RT/RW lain")
    done = await bot.send(BOARD_ID, rtrw)
    assert tr_id("Moved.") in texts(done, BOARD_ID)


async def merge(bot: Simulator, keep_telegram_id: int, drop_person_id: int) -> None:
    await member_card(bot, keep_telegram_id)
    await bot.press(BOARD_ID, "Gabungkan akun lain ke akun ini")
    await bot.send(BOARD_ID, str(drop_person_id))
    done = await bot.press(BOARD_ID, "Gabungkan")
    assert tr_id("Merged.") in texts(done, BOARD_ID)


async def close_and_read(bot: Simulator, clock: FakeClock, telegram_id: int) -> str:
    """Let the poll close at its time; the results message one person on the list got."""
    clock.advance(timedelta(days=3))
    before = len(bot.api.calls)
    await run_due(bot)
    sent = bot.api.calls[before:]
    [result] = [c.text for c in sent if c.method == "sendMessage" and c.chat_id == telegram_id]
    return result


async def test_revoked_after_publish_cannot_vote_and_leaves_the_denominator(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    """(a) A member revoked after publish: the vote is refused, the tally unchanged, the
    turnout denominator one smaller."""
    ids = await setup_members(bot)
    poll_id, reference, _ = await create_poll(bot, **OPEN_BALLOT)
    db = settings.database
    assert listed(db, poll_id) == 5  # four members and the board member
    await bot.send(MEMBERS[0], "/polling")
    await bot.press(MEMBERS[0], "1. Drainase RW 03")
    # the second member has the ballot in front of them when the board revokes them
    card = await bot.send(MEMBERS[1], "/polling")
    assert card[-1].buttons
    await revoke(bot, MEMBERS[1])
    assert listed(db, poll_id) == 4
    refused = await bot.press(MEMBERS[1], "2. Penerangan jalan")
    assert TAKEN_OFF in alerts(refused)
    assert tr_id("Vote recorded.") not in texts(refused)
    assert tr_id(RECORDED, ref=reference, options="2. Penerangan jalan") not in texts(refused)
    assert raw_rows(db, "SELECT person_id FROM poll_votes WHERE poll_id = ?", (poll_id,)) == [
        (ids[0],)
    ]
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_roll WHERE poll_id = ?", (poll_id,)) == [(1,)]
    # the poll is no longer offered to them, and the card says why
    assert tr_id("There is no open poll for you right now.") in texts(
        await bot.send(MEMBERS[1], "/polling")
    )
    card = await bot.send(MEMBERS[1], f"/start pol_{reference}")
    assert TAKEN_OFF in texts(card) and not card[-1].buttons

    result = await close_and_read(bot, clock, MEMBERS[0])
    assert "1. Drainase RW 03: 1 suara (100%)" in result
    assert "2. Penerangan jalan: 0 suara" in result
    assert "Tingkat partisipasi: 1 dari 4 dalam daftar" in result


async def test_secret_poll_box_keeps_one_slot_per_person_on_the_list(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    """(b) Secret poll: a revocation takes one blank slot out of the box with the person, so
    every one left on the list can still vote and the box never holds more than the list."""
    await setup_members(bot)
    poll_id, reference, _ = await create_poll(bot)
    db = settings.database
    assert box(db, poll_id) == (5, 0) and listed(db, poll_id) == 5
    await bot.press(MEMBERS[0], "Beri suara")
    await bot.press(MEMBERS[0], "1. Drainase RW 03")
    await bot.press(MEMBERS[0], "Ya, kirim suara saya")
    # the second member chose and is asked to confirm when the board revokes them
    await bot.press(MEMBERS[1], "Beri suara")
    asked = await bot.press(MEMBERS[1], "2. Penerangan jalan")
    assert tr_id(SECRET_CONFIRM, options="2. Penerangan jalan") in texts(asked)
    await revoke(bot, MEMBERS[1])
    assert listed(db, poll_id) == 4
    assert box(db, poll_id) == (4, 1)  # one blank slot left with them; the ballot stays
    refused = await bot.press(MEMBERS[1], "Ya, kirim suara saya")
    assert TAKEN_OFF in alerts(refused)
    assert box(db, poll_id) == (4, 1)
    # everyone left on the list votes: a blank slot is there for each of them
    for voter in (MEMBERS[2], MEMBERS[3], BOARD_ID):
        await bot.send(voter, "/polling")
        await bot.press(voter, "2. Penerangan jalan")
        recorded = tr_id(RECORDED, ref=reference, options="2. Penerangan jalan")
        assert recorded in texts(await bot.press(voter, "Ya, kirim suara saya"))
    assert box(db, poll_id) == (4, 4)
    result = await close_and_read(bot, clock, MEMBERS[0])
    assert "Tingkat partisipasi: 4 dari 4 dalam daftar (100%)" in result
    assert "Kode tanda terima: 4, surat suara di kotak: 4" in result


async def test_moved_out_of_the_rw_cannot_vote_in_that_rws_poll(
    bot: Simulator, settings: Settings
) -> None:
    """(c) A member the board moves to another RW leaves that RW's open polls (not the
    polls of all members), and a confirmation pressed before the move counts nothing."""
    await setup_members(bot)
    rw7 = await add_people(bot, [310, 311], rw=7)
    db = settings.database
    rw_poll, rw_ref, _ = await create_poll(
        bot, question="Khusus RW 07?", options=("Ya", "Tidak"), audience="Anggota satu RW", rw="7"
    )
    all_poll, all_ref, _ = await create_poll(bot, question="Untuk semua anggota?")
    assert listed(db, rw_poll) == 2 and box(db, rw_poll) == (2, 0)
    # 310 opened the RW 07 ballot and chose; then the board records the move to RW 03
    await bot.send(310, f"/start pol_{rw_ref}")
    await bot.press(310, "1. Ya")
    await move(bot, 310, "RT 2 RW 3")
    assert listed(db, rw_poll) == 1 and box(db, rw_poll) == (1, 0)
    refused = await bot.press(310, "Ya, kirim suara saya")
    assert TAKEN_OFF in alerts(refused)
    again = await bot.press_data(310, f"pol:v:{rw_poll}:1", 1)  # the ballot's own button
    assert TAKEN_OFF in alerts(again)
    assert box(db, rw_poll) == (1, 0)
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_roll WHERE poll_id = ?", (rw_poll,)) == [(0,)]
    # still a member: the poll of all members is theirs to vote in
    assert listed(db, all_poll) == 7
    await bot.send(310, f"/start pol_{all_ref}")
    await bot.press(310, "1. Drainase RW 03")
    assert tr_id(RECORDED, ref=all_ref, options="1. Drainase RW 03") in texts(
        await bot.press(310, "Ya, kirim suara saya")
    )
    # the member who stayed in RW 07 votes there
    await bot.send(311, f"/start pol_{rw_ref}")
    await bot.press(311, "2. Tidak")
    assert tr_id(RECORDED, ref=rw_ref, options="2. Tidak") in texts(
        await bot.press(311, "Ya, kirim suara saya")
    )
    assert box(db, rw_poll) == (1, 1)
    assert rw7[1] in [r[0] for r in raw_rows(db, "SELECT person_id FROM poll_roll")]


async def test_a_vote_cast_before_the_revocation_stays_counted(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    """(d) A vote cast while the person could vote was valid when cast: it stays counted and
    they stay in the denominator; an open vote can no longer be changed after revocation."""
    ids = await setup_members(bot)
    open_poll, open_ref, _ = await create_poll(bot, question="Terbuka?", **OPEN_BALLOT)
    secret_poll, secret_ref, _ = await create_poll(bot, question="Rahasia?")
    db = settings.database
    await bot.send(MEMBERS[0], f"/start pol_{open_ref}")
    await bot.press(MEMBERS[0], "2. Penerangan jalan")
    await bot.send(MEMBERS[0], f"/start pol_{secret_ref}")
    await bot.press(MEMBERS[0], "2. Penerangan jalan")
    await bot.press(MEMBERS[0], "Ya, kirim suara saya")
    await bot.send(MEMBERS[0], f"/start pol_{open_ref}")  # the open ballot, to change later
    await revoke(bot, MEMBERS[0])
    assert listed(db, open_poll) == 5 and listed(db, secret_poll) == 5
    assert box(db, secret_poll) == (5, 1)
    changed = await bot.press(MEMBERS[0], "1. Drainase RW 03")
    assert NO_CHANGE in alerts(changed)
    assert raw_rows(
        db, "SELECT person_id, marks FROM poll_votes WHERE poll_id = ?", (open_poll,)
    ) == [(ids[0], "0100000000")]
    clock.advance(timedelta(days=3))
    before = len(bot.api.calls)
    await run_due(bot)
    sent = [
        c.text
        for c in bot.api.calls[before:]
        if c.method == "sendMessage"
        and c.chat_id == MEMBERS[2]
        and "Tingkat partisipasi" in c.text
    ]
    [open_result] = [t for t in sent if "Terbuka?" in t]
    [secret_result] = [t for t in sent if "Rahasia?" in t]
    assert "2. Penerangan jalan: 1 suara (100%)" in open_result
    assert "Tingkat partisipasi: 1 dari 5 dalam daftar" in open_result
    assert "2. Penerangan jalan: 1 suara (100%)" in secret_result
    assert "Tingkat partisipasi: 1 dari 5 dalam daftar" in secret_result


async def test_merged_accounts_keep_one_place_on_each_list(
    bot: Simulator, settings: Settings
) -> None:
    """(e) Two member accounts of one person, merged: one place on each open poll's list
    (with one blank slot fewer in a secret box); a vote of either account is the person's
    one vote; a place moved into another RW is dropped. Nobody is added to a list."""
    ids = await setup_members(bot)
    db = settings.database
    rw7 = await add_people(bot, [310, 311], rw=7)
    neither, neither_ref, _ = await create_poll(bot, question="Belum ada yang memilih?")
    dropped_voted, voted_ref, _ = await create_poll(bot, question="Akun kedua sudah memilih?")
    rw_poll, _, _ = await create_poll(
        bot, question="Khusus RW 07?", options=("Ya", "Tidak"), audience="Anggota satu RW", rw="7"
    )
    assert [listed(db, p) for p in (neither, dropped_voted, rw_poll)] == [7, 7, 2]
    # 302 is a second account of the person behind 301; it voted in the second poll
    await bot.send(MEMBERS[1], f"/start pol_{voted_ref}")
    await bot.press(MEMBERS[1], "1. Drainase RW 03")
    await bot.press(MEMBERS[1], "Ya, kirim suara saya")
    # 310 (RW 07) is a second account of the person behind 303 (RW 01)
    await merge(bot, MEMBERS[0], ids[1])
    await merge(bot, MEMBERS[2], rw7[0])

    assert listed(db, neither) == 5 and box(db, neither) == (5, 0)
    assert listed(db, dropped_voted) == 5 and box(db, dropped_voted) == (5, 1)
    roll = raw_rows(db, "SELECT person_id FROM poll_roll WHERE poll_id = ?", (dropped_voted,))
    assert roll == [(ids[0],)]  # the dropped account's vote is the kept account's
    assert listed(db, rw_poll) == 1 and box(db, rw_poll) == (1, 0)  # the person lives in RW 01
    # the kept account votes once where neither had voted, not again where one had
    await bot.send(MEMBERS[0], f"/start pol_{neither_ref}")
    await bot.press(MEMBERS[0], "3. Sumur resapan")
    assert tr_id(RECORDED, ref=neither_ref, options="3. Sumur resapan") in texts(
        await bot.press(MEMBERS[0], "Ya, kirim suara saya")
    )
    again = await bot.press_data(MEMBERS[0], f"pol:ok:{dropped_voted}:4", 1)
    assert tr_id("You have already voted in this poll.") in texts(again)
    assert box(db, dropped_voted) == (5, 1)
    refused = await bot.press_data(MEMBERS[2], f"pol:ok:{rw_poll}:1", 1)
    assert TAKEN_OFF in alerts(refused)
    # the merged-away Telegram account is a new resident, on no list
    await bot.send(MEMBERS[1], "/start")
    assert tr_id("There is no open poll for you right now.") in texts(
        await bot.send(MEMBERS[1], "/polling")
    )
    assert [listed(db, p) for p in (neither, dropped_voted, rw_poll)] == [5, 5, 1]


async def test_a_member_who_erases_their_data_leaves_the_open_lists(
    bot: Simulator, settings: Settings
) -> None:
    """An erased member can never vote again (their account is gone): off every open list
    they had not voted in — the members' poll (one blank slot with them) and a poll open to
    every resident — so turnout is not measured against someone who cannot vote."""
    await setup_members(bot)
    db = settings.database
    members_poll, _, _ = await create_poll(bot)
    residents_poll, _, _ = await create_poll(
        bot, question="Semua warga?", audience="Semua warga", **OPEN_BALLOT
    )
    before = listed(db, residents_poll)
    await bot.send(MEMBERS[0], "/hapusdata")
    assert ERASED in texts(await bot.press(MEMBERS[0], "Ya, hapus data saya"))
    assert listed(db, members_poll) == 4 and box(db, members_poll) == (4, 0)
    assert listed(db, residents_poll) == before - 1
