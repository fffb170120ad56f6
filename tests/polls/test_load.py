"""Many at once, through update_queue: 2,000 distinct members voting concurrently, and one
member pressing the same button 20 times in a burst."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from tests.conftest import BOARD_ID
from tests.support.polls import add_people, create_poll, raw_rows

CROWD = list(range(100_000, 102_000))


@pytest.mark.slow
async def test_two_thousand_members_voting_at_once_are_all_counted_once(
    make_bot: Callable[..., Simulator], settings: Settings
) -> None:
    # the invitation is a broadcast to 2,000 members: paced at BKM_BROADCAST_RATE
    settings = replace(settings, broadcast_rate=2_000)
    bot = make_bot(settings)
    async with running(bot.application):
        await vote_in_a_crowd(bot, settings)


async def vote_in_a_crowd(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, CROWD)
    poll_id, _, _ = await create_poll(bot)
    expected = [0, 0, 0]
    for i, member in enumerate(CROWD):
        option = i % 7 % 3 + 1
        expected[option - 1] += 1
        update = bot.api.callback_update(
            member, member, 1, f"pol:ok:{poll_id}:{1 << (option - 1)}"
        )
        await bot.submit(update)
    await bot.settle(timeout=300)
    db = settings.database
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_roll") == [(2000,)]
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_receipts") == [(2000,)]
    counted = raw_rows(
        db,
        "SELECT marks, COUNT(*) FROM poll_ballots WHERE marks != '0000000000'"
        " GROUP BY marks ORDER BY marks DESC",
    )
    assert counted == [
        ("1000000000", expected[0]),
        ("0100000000", expected[1]),
        ("0010000000", expected[2]),
    ]
    confirmations = [
        c for c in bot.api.calls if c.method == "sendMessage" and "kode tanda terima" in c.text
    ]
    assert len({c.chat_id for c in confirmations}) == 2000
    assert not [c for c in bot.api.calls if c.error is not None]


async def test_twenty_presses_in_a_burst_count_once(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(BOARD_ID, "/start")
    [member] = CROWD[:1]
    await add_people(bot, [member, *CROWD[1:3]])
    secret_id, _, _ = await create_poll(bot)
    open_id, _, _ = await create_poll(
        bot, ballot="Pemungutan suara terbuka", results="Setelah ditutup"
    )
    for poll_id, verb in ((secret_id, "ok"), (open_id, "v")):
        for _ in range(20):
            await bot.submit(bot.api.callback_update(member, member, 1, f"pol:{verb}:{poll_id}:2"))
        await bot.settle(timeout=60)
        clock.advance(timedelta(seconds=settings.flood_limit[1] + 1))  # stay under the limit
    db = settings.database
    assert raw_rows(db, "SELECT poll_id, COUNT(*) FROM poll_roll GROUP BY poll_id") == [
        (secret_id, 1),
        (open_id, 1),
    ]
    assert raw_rows(
        db,
        "SELECT COUNT(*) FROM poll_ballots WHERE poll_id = ? AND marks != '0000000000'",
        (secret_id,),
    ) == [(1,)]
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_receipts") == [(1,)]
    assert raw_rows(db, "SELECT marks FROM poll_votes") == [("0100000000",)]
    recorded = [c for c in bot.api.calls if c.chat_id == member and "tercatat" in c.text]
    assert len(recorded) == 21  # the secret poll once; the open one repeats the same choice
    changes = raw_rows(db, "SELECT COUNT(*) FROM audit WHERE action LIKE 'poll.vot%'")
    assert changes == [(1,)]  # the open vote recorded once, never "changed" to itself
    refused = [
        c
        for c in bot.api.calls
        if c.method == "answerCallbackQuery" and "sudah memberi suara" in str(c.params.get("text"))
    ]
    assert len(refused) == 19  # the secret poll; the open one re-records the same choice
