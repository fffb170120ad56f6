"""The 2,000-voter burst: every member of a poll presses their vote at the same moment.

2,000 distinct members, a fresh poll per round (nobody votes twice), all 2,000 confirmed
presses put into update_queue at once on the BKM bot (offline transport, real SQLite file):
- votes/s: 2,000 / time until the processor has finished all of them;
- p50/p99: from putting one press into the queue to its confirmation message (the update's
  last Bot API call), under that burst — what a member waits at the busiest moment (the
  JSON also has the same press one at a time, with nobody else voting);
- correctness, every round: 2,000 on the roll, 2,000 ballots (secret: 2,000 receipts), and
  the count per option equals what was pressed. A wrong count fails the run.
Rows: a secret ballot (roll + random box slot + receipt) and an open ballot (vote with the
voter + its audit row).
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.context import services_of
from bot.delivery import engine, outbox
from bot.delivery.outbox import Outgoing
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from rules.tally import BLANK, marks_of
from storage import polls
from storage.rows import iso
from tests.perf.harness import (
    BenchmarkError,
    Figure,
    People,
    Row,
    RunContext,
    Target,
    person_name,
    summary_ms,
)

VOTERS = 2000
OPTIONS = ["Drainase", "Penerangan jalan", "Sumur resapan", "Posyandu"]


def choice_of(index: int) -> int:
    """The option the index-th voter presses (uneven on purpose)."""
    return index % 7 % len(OPTIONS) + 1


def callback_data(ballot: str, poll_id: int, option: int) -> str:
    """The press that casts: a secret ballot's confirmation (a bit mask), an open ballot's
    option button (a position)."""
    if ballot == "secret":
        return f"pol:ok:{poll_id}:{1 << (option - 1)}"
    return f"pol:v:{poll_id}:{option}"


async def add_members(target: Target, ids: list[int], now: datetime) -> list[int]:
    db = services_of(target.application).db

    def insert(conn: Any) -> list[int]:
        return [
            conn.execute(
                "INSERT INTO people (telegram_id, display_name, role, rw, language, created_at)"
                " VALUES (?, ?, 'anggota', 1, 'id', ?) RETURNING id",
                (who, person_name(who), iso(now)),
            ).fetchone()[0]
            for who in ids
        ]

    person_ids = await db.write(insert)
    for who in ids:  # each member has a private chat with the bot
        target.api.known_chats[who] = {"id": who, "type": "private", "first_name": "Warga"}
    return person_ids


async def publish(target: Target, board_id: int, ballot: str, now: datetime) -> int:
    db = services_of(target.application).db
    published = await db.write(
        polls.publish,
        board_id=board_id,
        question="Prioritas BLM tahun depan?",
        options=OPTIONS,
        audience="members",
        audience_rw=None,
        ballot=ballot,
        max_choices=1,
        results="after",
        quorum=50,
        closes_at=now + timedelta(days=3),
        now=now,
    )
    return published.poll.id


async def invite(target: Target, poll_id: int, voter_ids: list[int]) -> dict[int, int]:
    """Unmeasured: the message each member presses on (its id, by Telegram user id)."""
    person_ids = await services_of(target.application).db.read(polls.eligible_ids, poll_id)
    before = len(target.api.calls)

    def render(tr: Any) -> Outgoing:
        return Outgoing("Polling baru", buttons=((("Beri suara", f"pol:o:{poll_id}"),),))

    await outbox.broadcast(target.application, person_ids, render, topic="polling", author_id=None)
    # broadcast() waits at most a few seconds; a large invitation goes on in the background
    # at the broadcast rate, so wait for the engine to send it all (unmeasured setup)
    rate = services_of(target.application).settings.broadcast_rate
    await engine.drain(target.application, timeout=30 + 2 * len(person_ids) / rate)
    shown = {
        int(c.chat_id): int(c.result["message_id"])
        for c in target.api.calls[before:]
        if c.method == "sendMessage" and c.chat_id is not None and c.error is None
    }
    target.api.calls.clear()
    if set(voter_ids) - set(shown):
        raise BenchmarkError("some members got no invitation")
    return shown


async def check_count(target: Target, poll_id: int, voters: int) -> None:
    """The correctness check: everyone counted once, each option as pressed."""
    db = services_of(target.application).db

    def read(conn: Any) -> tuple[int, int, list[tuple[str, int]]]:
        roll = conn.execute("SELECT COUNT(*) FROM poll_roll WHERE poll_id = ?", (poll_id,))
        receipts = conn.execute("SELECT COUNT(*) FROM poll_receipts WHERE poll_id = ?", (poll_id,))
        table = "poll_ballots" if polls.get(conn, poll_id).secret else "poll_votes"  # type: ignore[union-attr]
        counted = conn.execute(
            f"SELECT marks, COUNT(*) FROM {table} WHERE poll_id = ? AND marks != ? GROUP BY marks",
            (poll_id, BLANK),
        )
        return roll.fetchone()[0], receipts.fetchone()[0], [tuple(r) for r in counted]

    roll, receipts, counted = await db.read(read)
    secret = (await db.read(polls.get, poll_id)).secret  # type: ignore[union-attr]
    expected: dict[str, int] = {}
    for i in range(voters):
        key = marks_of([choice_of(i)])
        expected[key] = expected.get(key, 0) + 1
    if roll != voters or dict(counted) != expected or (secret and receipts != voters):
        raise BenchmarkError(
            f"poll {poll_id}: roll {roll}, receipts {receipts}, counted {counted}, "
            f"expected {voters} voters and {expected}"
        )


async def run(ctx: RunContext) -> list[Row]:
    clock = FakeClock(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))
    api = FakeBotAPI()
    settings = Settings(database=ctx.workdir / "bkm.sqlite3", admins=frozenset({1}))
    application = build_application(settings, transport=OfflineTransport(api), clock=clock)
    rounds = max(ctx.sizes.rounds, 2)
    async with running(application):
        target = Target("bkm", application, api)
        now = clock.now()
        voter_ids = People().take(VOTERS)
        await add_members(target, voter_ids, now)
        api.known_chats[1] = {"id": 1, "type": "private", "first_name": "Pengurus"}
        board = await services_of(application).db.read(
            lambda conn: conn.execute("SELECT id FROM people WHERE telegram_id = 1").fetchone()[0]
        )

        async def burst(ballot: str, what: str) -> tuple[float, list[float]]:
            poll_id = await publish(target, board, ballot, clock.now())
            shown = await invite(target, poll_id, voter_ids)
            updates = [
                target.press(who, shown[who], callback_data(ballot, poll_id, choice_of(i)))
                for i, who in enumerate(voter_ids)
            ]
            measured = await target.throughput(updates, what)
            await check_count(target, poll_id, VOTERS)
            return measured.per_second, measured.loaded_latencies

        async def one_at_a_time(ballot: str, n: int) -> list[float]:
            """The same press with nobody else voting: n members, one after another."""
            poll_id = await publish(target, board, ballot, clock.now())
            shown = await invite(target, poll_id, voter_ids)
            updates = [
                target.press(who, shown[who], callback_data(ballot, poll_id, choice_of(i)))
                for i, who in enumerate(voter_ids[:n])
            ]
            samples = await target.latency(updates, 1, f"{ballot} one at a time")
            await check_count(target, poll_id, n)
            return samples

        rows = []
        for ballot in ("secret", "open"):
            ctx.progress(f"{ballot} ballot: warming up")
            await burst(ballot, f"warm-up {ballot}")
            per_second: list[float] = []
            latencies: list[float] = []
            for round_no in range(rounds):
                ctx.progress(f"{ballot} ballot: round {round_no + 1}/{rounds}")
                votes, loaded = await burst(ballot, f"{ballot} round {round_no + 1}")
                per_second.append(votes)
                latencies.extend(loaded)
            ctx.progress(f"{ballot} ballot: one press at a time")
            alone = await one_at_a_time(ballot, ctx.sizes.latency_updates)
            latency = summary_ms(latencies)
            rows.append(
                Row(
                    name=f"bkm {ballot}-ballot burst, {VOTERS:,} voters at once",
                    updates_per_s=statistics.median(per_second),
                    p50_ms=latency["p50_ms"],
                    p99_ms=latency["p99_ms"],
                    details={
                        "ballot": ballot,
                        "voters_at_once": VOTERS,
                        "rounds": rounds,
                        "votes_per_s_each_round": [round(x, 1) for x in per_second],
                        "latency": "press put into update_queue -> its confirmation message,"
                        " under the burst",
                        "press_to_confirmation_under_burst": latency,
                        "press_to_confirmation_one_at_a_time": summary_ms(alone),
                        "correctness": "every round: roll, ballots, receipts and per-option"
                        " counts checked against the presses",
                    },
                )
            )
        return rows


FIGURE = Figure(
    name="polls",
    title="poll burst: 2,000 members vote at once (secret and open ballot)",
    run=run,
    order=40,
)
