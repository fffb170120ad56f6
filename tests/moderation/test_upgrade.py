"""/admin › Hide public content across the upgrade to the flow runner (issue 14): a hiding
conversation (`moderation_hide`) saved mid-way by the code before resumes at its step and
completes; one left idle lapses as before (nothing kept).

The rows were captured from that code (commit 42701c4): the conversation state (a JSON int
under the key "[chat, user]") and the draft (the step's name; the answers as compact sorted
JSON, with the update that saved the step).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.proposals import PROPOSER, add_proposal, make_members, person_id, rows, texts
from tests.support.proposals import write as write_storage
from tests.support.saved_steps import write_saved_step

FLOW = "moderation_hide"


def hidden(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(
        settings.database, "SELECT object_type, object_id, reason FROM moderation ORDER BY 2"
    )


def nothing_left(settings: Settings) -> None:
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]


async def test_hiding_saved_before_the_upgrade_resumes_and_completes(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    make_members(settings.database, [PROPOSER])
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        proposer = person_id(settings.database, PROPOSER)
        for title in ("Perbaikan saluran air RT 03", "Lampu jalan RW 05", "Taman bermain"):
            await write_storage(first, add_proposal, proposer, title=title, now=clock.now())
    assert [r for (r,) in rows(settings.database, "SELECT reference FROM proposals")] == [
        "USL-2026-0001",
        "USL-2026-0002",
        "USL-2026-0003",
    ]

    # "Usulan" chosen: the number was asked
    write_saved_step(
        settings, FLOW, 1, "REFERENCE", f'{{"_update":{api.last_update_id},"type":"proposal"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    clock.advance(timedelta(minutes=5))
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_id("I found nothing with that number. Try again.") in texts(
            await bot.send(BOARD_ID, "USL-2026-0099")
        )
        asked = texts(await bot.send(BOARD_ID, "usl-2026-0001"))
        assert (
            tr_id(
                'Why hide it? The public sees "hidden by the board" and this reason, so do not '
                "repeat the personal or abusive content."
            )
            in asked
        )
        assert tr_part("That is too short: write at least {minimum} characters.") in texts(
            await bot.send(BOARD_ID, "x")
        )
        # a restart between the number and the reason: the rows the new code wrote resume
    bot = make_bot(settings)
    async with running(bot.application):
        done = await bot.send(BOARD_ID, "Menyebut nama warga.")
        assert tr_part("Hidden. The public now sees: {text}") in texts(
            [c for c in done if c.chat_id == BOARD_ID]
        )
        assert "Menyebut nama warga." in texts([c for c in done if c.chat_id == PROPOSER])
    assert hidden(settings) == [("proposal", "USL-2026-0001", "Menyebut nama warga.")]
    nothing_left(settings)

    # the number given, the reason asked
    write_saved_step(
        settings, FLOW, 2, "REASON",
        f'{{"_update":{api.last_update_id},"id":"USL-2026-0002","type":"proposal"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "Data pribadi.")
    assert hidden(settings)[1:] == [("proposal", "USL-2026-0002", "Data pribadi.")]
    nothing_left(settings)

    # a reason asked 31 minutes ago: the flow lapses, nothing is kept or hidden
    write_saved_step(
        settings, FLOW, 2, "REASON",
        f'{{"_update":{api.last_update_id},"id":"USL-2026-0003","type":"proposal"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    clock.advance(timedelta(minutes=31))
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_id("That took too long. Please start again.") in texts(
            await bot.send(BOARD_ID, "Data pribadi.")
        )
    assert len(hidden(settings)) == 2
    nothing_left(settings)
