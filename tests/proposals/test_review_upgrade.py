"""The board's review across the upgrade to the flow runner (issue 14): a review conversation
(`proposal_review`) saved mid-way by the code before resumes at its step and completes.

The rows were captured from that code (commit 42701c4): the conversation state (a JSON int
under the key "[chat, user]") and the draft (the step's name; the answers as compact sorted
JSON, with the update that saved the step).
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from rules.proposal_status import Actor, Status
from storage import proposals
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.proposals import (
    MEMBER,
    PROPOSER,
    add_proposal,
    make_members,
    person_id,
    propose,
    rows,
    texts,
    write,
)
from tests.support.saved_steps import write_saved_step

FLOW = "proposal_review"


def nothing_left(settings: Settings) -> None:
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]


def status_of(settings: Settings, proposal_id: int) -> Any:
    return rows(
        settings.database,
        "SELECT status, board_cost, planned_period FROM proposals WHERE id = ?",
        (proposal_id,),
    )[0]


def moved(clock: FakeClock, board: int, proposal_id: int, *path: Status) -> Any:
    """The board moves a proposal along `path` (straight in storage)."""

    def move(conn: sqlite3.Connection) -> None:
        for target in path:
            proposals.transition(
                conn,
                proposal_id=proposal_id,
                target=target,
                actor_id=board,
                actor=Actor.BOARD,
                now=clock.now(),
                board_cost=2_000_000 if target is Status.ACCEPTED else None,
                planned_period="Juli 2027" if target is Status.ACCEPTED else None,
            )

    return move


async def test_review_steps_saved_before_the_upgrade_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        await propose(first)  # USL-2026-0001, baru
        board = person_id(settings.database, BOARD_ID)
        proposer = person_id(settings.database, PROPOSER)

        second = await write(first, add_proposal, proposer, title="Lampu jalan RW 05")
        second_id = int(second.id)
        await write(first, moved(clock, board, second_id, Status.VERIFIED))

    # "Minta revisi" pressed: the reason was asked
    write_saved_step(
        settings, FLOW, 1, "REASON",
        f'{{"_update":{api.last_update_id},"expected":"baru","id":1,"target":"perlu_revisi"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    clock.advance(timedelta(minutes=5))
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_part("That is too short: write at least {minimum} characters.") in texts(
            await bot.send(BOARD_ID, "x")
        )  # the step stays
        calls = await bot.send(BOARD_ID, "Mohon lengkapi foto lokasi.")
        assert "USL-2026-0001" in texts([c for c in calls if c.chat_id == BOARD_ID])
        assert "Mohon lengkapi foto lokasi." in texts([c for c in calls if c.chat_id == PROPOSER])
    assert status_of(settings, 1) == ("perlu_revisi", None, None)
    nothing_left(settings)

    # "Terima ke daftar prioritas" pressed: the board's cost estimate was asked
    write_saved_step(
        settings, FLOW, 2, "COST",
        f'{{"_update":{api.last_update_id},"expected":"terverifikasi","id":{second_id},'
        '"target":"diterima"}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        assert "tidak terbaca" in texts(await bot.send(BOARD_ID, "banyak"))
        asked = texts(await bot.press_data(BOARD_ID, "usl:rc:same", 1))  # the button shown then
        assert (
            tr_id("When is it planned to be carried out? For example: Juli–Agustus 2027.") in asked
        )
    # a restart between the cost and the period: the rows the new code wrote resume too
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "Juli–Agustus 2027")
    assert status_of(settings, second_id) == ("diterima", 1_500_000, "Juli–Agustus 2027")
    nothing_left(settings)


async def test_progress_and_hiding_saved_before_the_upgrade_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        await propose(first)  # USL-2026-0001
        board = person_id(settings.database, BOARD_ID)
        proposer = person_id(settings.database, PROPOSER)
        path = (Status.VERIFIED, Status.ACCEPTED, Status.FUNDED)
        await write(first, moved(clock, board, 1, *path))
        await write(first, add_proposal, proposer, title="Lampu jalan RW 05")  # 2
        await write(first, moved(clock, board, 2, Status.VERIFIED))

    # the board's cost given, the period asked (captured with a typed "20 juta")
    write_saved_step(
        settings, FLOW, 3, "PERIOD",
        f'{{"_update":{api.last_update_id},"cost":20000000,"expected":"terverifikasi","id":2,'
        '"target":"diterima"}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "Juli 2027")
    assert status_of(settings, 2) == ("diterima", 20_000_000, "Juli 2027")
    nothing_left(settings)

    # "Catat perkembangan" pressed: the percentage was asked
    write_saved_step(
        settings, FLOW, 4, "PERCENT", f'{{"_update":{api.last_update_id},"id":1}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_id("Write a number from 0 to 100.") in texts(await bot.send(BOARD_ID, "150"))
        assert tr_id("A short note on what was done?") in texts(await bot.send(BOARD_ID, "40%"))
        asked = await bot.send(BOARD_ID, "Galian dimulai")
        assert [b["callback_data"] for b in asked[-1].buttons] == ["usl:pp:skip"]
        posted = await bot.send_photo(BOARD_ID)
        assert "Perkembangan USL-2026-0001 dicatat" in texts(
            [c for c in posted if c.chat_id == BOARD_ID]
        )
    assert rows(settings.database, "SELECT percent, note FROM proposal_progress") == [
        (40, "Galian dimulai")
    ]
    nothing_left(settings)

    # the note given, the photo asked: Skip, the button shown then
    write_saved_step(
        settings, FLOW, 6, "PHOTO",
        f'{{"_update":{api.last_update_id},"id":1,"note":"Saluran dipasang","percent":60}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_id("Please send a photo, or press Skip.") in texts(
            await bot.send(BOARD_ID, "nanti")
        )
        await bot.press_data(BOARD_ID, "usl:pp:skip", 1)
    assert rows(
        settings.database, "SELECT percent, note, photo FROM proposal_progress ORDER BY id"
    )[1:] == [(60, "Saluran dipasang", None)]
    nothing_left(settings)

    # "Sembunyikan usulan ini" pressed: the reason was asked
    write_saved_step(
        settings, FLOW, 7, "HIDE",
        f'{{"_update":{api.last_update_id},"id":"USL-2026-0001","type":"proposal"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_part("That is too short: write at least {minimum} characters.") in texts(
            await bot.send(BOARD_ID, "x")
        )
        calls = await bot.send(BOARD_ID, "Menyebut nama warga.")
        assert tr_part("Hidden. The public now sees: {text}") in texts(calls)
    assert rows(
        settings.database,
        "SELECT object_type, object_id, reason FROM moderation",
    ) == [("proposal", "USL-2026-0001", "Menyebut nama warga.")]
    nothing_left(settings)
