"""A secret ballot cannot be linked to its voter: 60 members vote in a known order, and
nothing in the raw rows — columns, rowids, the order rows come back in, where the bytes lie
in the file — recovers that order or pairs a ballot with a person."""

from __future__ import annotations

import logging
import random
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.context import services_of
from bot.simulator import Simulator
from rules.tally import marks_of, mask_of
from tests.conftest import BOARD_ID
from tests.support.polls import add_people, create_poll, raw_rows, run_due

VOTERS = list(range(5001, 5061))
OPTIONS = tuple(f"Calon {i}" for i in range(1, 11))


def distinct_choices(n: int) -> list[list[int]]:
    """n different ballots (sets of options), so each ballot names its voter if anything
    stored betrays the order."""
    found: list[list[int]] = []
    mask = 1
    while len(found) < n:
        found.append([bit + 1 for bit in range(10) if mask >> bit & 1])
        mask += 1
    return found


def offsets(path: Path, slots: list[bytes]) -> list[int]:
    """Where each slot key lies in the database file (after a checkpoint)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    data = path.read_bytes()
    found = [data.find(slot) for slot in slots]
    assert all(offset > 0 for offset in found) and len(set(found)) == len(found)
    return found


def wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def spearman(a: list[int], b: list[int]) -> float:
    n = len(a)
    rank_a = {v: i for i, v in enumerate(sorted(a))}
    rank_b = {v: i for i, v in enumerate(sorted(b))}
    d2 = sum((rank_a[x] - rank_b[y]) ** 2 for x, y in zip(a, b, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


@pytest.mark.slow
async def test_sixty_secret_votes_in_a_known_order_leave_no_trace_of_it(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    db = settings.database
    await bot.send(BOARD_ID, "/start")
    person_ids = await add_people(bot, VOTERS)
    poll_id, _, _ = await create_poll(
        bot, options=OPTIONS, choices="Paling banyak 10 pilihan", closing="1 hari"
    )
    slots = [s for (s,) in raw_rows(db, "SELECT slot FROM poll_ballots ORDER BY slot")]
    assert len(slots) == len(VOTERS) + 1  # one blank slot per person on the list (+ board)
    layout_at_publish = offsets(db, slots)
    audit_before = raw_rows(db, "SELECT COUNT(*) FROM audit")[0][0]

    order = list(range(len(VOTERS)))
    random.Random(4).shuffle(order)  # the known order: not the order of person ids
    ballots = distinct_choices(len(VOTERS))
    for step, index in enumerate(order):
        clock.advance(timedelta(seconds=37))
        chosen = ballots[step]  # the step-th voter marks the step-th distinct ballot
        await bot.press_data(VOTERS[index], f"pol:ok:{poll_id}:{mask_of(chosen)}", 1)
    # a backup taken while the poll is open holds the same layout as at publish
    backup = settings.database.with_name("during-voting.bak")
    await services_of(bot.application).db.backup_to(backup)
    assert offsets(backup, slots) == layout_at_publish
    clock.advance(timedelta(days=1))
    await run_due(bot)  # closes and seals

    # columns: nothing but the poll, a random key and the marks; no rowid
    columns = [r[1] for r in raw_rows(db, "PRAGMA table_info(poll_ballots)")]
    assert columns == ["poll_id", "slot", "marks"]
    for table in ("poll_ballots", "poll_roll", "poll_receipts", "poll_eligible"):
        with pytest.raises(sqlite3.OperationalError, match="no such column"):
            raw_rows(db, f"SELECT rowid FROM {table}")
    assert [r[1] for r in raw_rows(db, "PRAGMA table_info(poll_roll)")] == [
        "poll_id",
        "person_id",
        "channel",
    ]
    assert [r[1] for r in raw_rows(db, "PRAGMA table_info(poll_receipts)")] == ["poll_id", "code"]

    # every ballot is there, each one distinct
    stored = raw_rows(db, "SELECT slot, marks FROM poll_ballots")  # storage order, no ORDER BY
    cast = [(slot, marks) for slot, marks in stored if marks != "0" * 10]
    assert sorted(m for _, m in cast) == sorted(marks_of(b) for b in ballots)
    # storage order is the random key's order, which was fixed before anyone voted ...
    assert [slot for slot, _ in stored] == slots
    # ... and where each ballot's bytes lie in the file did not move while people voted
    assert offsets(db, slots) == layout_at_publish
    # so the order ballots come back in says nothing about the voting order
    vote_step = {marks_of(b): step for step, b in enumerate(ballots)}
    rho = spearman(list(range(len(cast))), [vote_step[m] for _, m in cast])
    assert abs(rho) < 0.6, rho  # chance of |rho| ≥ 0.6 for a random order: about 4e-6

    # the roll: who voted, in person-id order, not in voting order; no time
    roll = raw_rows(db, "SELECT person_id FROM poll_roll")
    assert [p for (p,) in roll] == sorted(person_ids)
    # no audit row was written per secret voter
    votes_audited = raw_rows(
        db,
        "SELECT COUNT(*) FROM audit WHERE action NOT LIKE 'poll.closed%' AND id > ?",
        (audit_before,),
    )
    assert votes_audited == [(0,)]
    # the log of writes is folded in and emptied after the close
    assert wal_size(db) == 0
    # receipts: as many as ballots, with nothing beside the code
    assert raw_rows(db, "SELECT COUNT(*) FROM poll_receipts") == [(len(VOTERS),)]


async def test_the_logs_hold_no_ballot_no_receipt_and_no_button_data(
    bot: Simulator, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, VOTERS[:3])
    poll_id, _, _ = await create_poll(bot)
    caplog.set_level(logging.DEBUG)  # ours at DEBUG; the libraries as `bkm-bot run` sets them
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite"):
        caplog.set_level(logging.WARNING, logger=noisy)
    calls = await bot.press_data(VOTERS[0], f"pol:ok:{poll_id}:2", 1)
    [receipt] = re.findall(r"[A-Z2-9]{4}-[A-Z2-9]{4}", " ".join(c.text for c in calls))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert receipt not in logged and "pol:ok" not in logged and str(VOTERS[0]) not in logged
