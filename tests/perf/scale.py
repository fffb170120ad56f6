"""Scale: `bkm-bot run` on a database of a large kelurahan.

100,000 residents (200 of them members), 10,000 proposals, 1,000 polls (open to members,
their rolls taken at publishing), 10,000 budget lines with 50,000 realisation entries —
written through the storage functions (proposals.create, polls.publish, the budget import)
where they exist, bulk SQL for people. Then `python -m bot run` against the loopback
stand-in (rate limit raised, so Telegram's 30/s does not hide the bot's own time):
- start-up: process start -> its first answered update (interpreter, imports, migrations,
  the menus, PTB's persistence loading its conversations);
- RSS (VmRSS of the bot's process) after start-up and after 2,000 distinct people wrote;
- the database's size on disk (file + WAL);
- /start (new people) and /anggaran latency, one at a time over HTTP (push -> reply).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.transport.loopback import LoopbackServer
from storage import polls, proposals
from storage.db import connect_sync, in_transaction
from tests.perf.budget import add_entries, budget_csv, import_once
from tests.perf.faults import BOARD, Stand
from tests.perf.harness import Figure, Row, RunContext, summary_ms

RESIDENTS = 100_000
MEMBERS = 200
PROPOSALS = 10_000
POLLS = 1_000
ACTIVE = 2_000
SAMPLES = 200


def seed(database: Path) -> dict[str, float]:
    """The database, written as the bot would; seconds per part."""
    took: dict[str, float] = {}
    started = time.perf_counter()
    import_once(database, budget_csv())
    add_entries(database)
    took["budget"] = time.perf_counter() - started
    rng = random.Random(3)
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    conn = connect_sync(database)
    try:
        started = time.perf_counter()

        def people(conn_: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO people (telegram_id, display_name, role, language, created_at)"
                " VALUES (?, 'Pengurus', 'pengurus', 'id', ?)",
                (BOARD, now.isoformat()),
            )
            conn.executemany(
                "INSERT INTO people (telegram_id, display_name, full_name, role, rt, rw,"
                " language, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, 'id', ?, ?)",
                (
                    (
                        10_000_000 + i,
                        f"Warga {i}",
                        f"Nama Lengkap {i}" if i < MEMBERS else None,
                        "anggota" if i < MEMBERS else "warga",
                        i % 9 + 1,
                        i % 12 + 1,
                        now.isoformat(),
                        now.isoformat(),
                    )
                    for i in range(RESIDENTS)
                ),
            )

        in_transaction(conn, people)
        took["people"] = time.perf_counter() - started
        ids = [r[0] for r in conn.execute("SELECT id FROM people WHERE role != 'pengurus'")]
        board_id = conn.execute(
            "SELECT id FROM people WHERE telegram_id = ?", (BOARD,)
        ).fetchone()[0]

        started = time.perf_counter()

        def add_proposals(conn_: sqlite3.Connection) -> None:
            for n in range(PROPOSALS):
                proposals.create(
                    conn,
                    proposer_id=rng.choice(ids),
                    field=("lingkungan", "sosial", "ekonomi")[n % 3],
                    title=f"Usulan nomor {n} perbaikan saluran gang {n % 97}",
                    description=f"Uraian usulan {n}: saluran mampet dan meluap saat hujan deras.",
                    rt=n % 9 + 1,
                    rw=n % 12 + 1,
                    latitude=None,
                    longitude=None,
                    estimated_cost=1_000_000 + n * 1000,
                    photos=[],
                    show_name=False,
                    now=now - timedelta(minutes=n),
                    year=2026,
                )

        in_transaction(conn, add_proposals)
        took["proposals"] = time.perf_counter() - started

        started = time.perf_counter()

        def add_polls(conn_: sqlite3.Connection) -> None:
            for n in range(POLLS):
                polls.publish(
                    conn,
                    board_id=board_id,
                    question=f"Polling {n}: prioritas BLM?",
                    options=["Drainase", "Jalan", "Posyandu"],
                    audience="members",
                    audience_rw=None,
                    ballot="open" if n % 2 else "secret",
                    max_choices=1,
                    results="after",
                    quorum=10,
                    closes_at=now + timedelta(days=3 + n),
                    now=now,
                )

        in_transaction(conn, add_polls)
        took["polls"] = time.perf_counter() - started
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return took


def rss_mb(pid: int) -> dict[str, float]:
    found: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return found


def size_mb(database: Path) -> float:
    files = [database, database.with_name(database.name + "-wal")]
    return round(sum(f.stat().st_size for f in files if f.exists()) / 1e6, 1)


def one_at_a_time(server: LoopbackServer, people: list[int], text: str) -> list[float]:
    samples = []
    for who in people:
        started = time.perf_counter()
        server.say(who, text, first_name=f"Warga {who}", language_code="id")
        samples.append(time.perf_counter() - started)
    return samples


def run_sync(ctx: RunContext) -> list[Row]:
    database = ctx.workdir / "bkm.sqlite3"
    ctx.progress(
        f"seeding {RESIDENTS:,} residents, {PROPOSALS:,} proposals, {POLLS:,} polls, "
        "10,000 budget lines"
    )
    took = seed(database)
    seeded_size = size_mb(database)
    rows: list[Row] = []
    with LoopbackServer() as server:
        stand = Stand(ctx.workdir, server)
        try:
            ctx.progress("starting bkm-bot run")
            startup = stand.start(BKM_BROADCAST_RATE="5000")
            assert stand.process is not None
            pid = stand.process.pid
            after_start = rss_mb(pid)
            ctx.progress(f"{ACTIVE:,} distinct people write (/start)")
            active = list(range(20_000_001, 20_000_001 + ACTIVE))
            for chunk in range(0, ACTIVE, 100):
                batch = active[chunk : chunk + 100]
                marks = {who: len(server.messages(who)) for who in batch}
                for who in batch:
                    server.send_text(who, "/start", first_name=f"Warga {who}")
                for who in batch:
                    server.wait_messages(who, 1, after=marks[who], timeout=60)
            ctx.progress("latency, one at a time")
            fresh = list(range(30_000_001, 30_000_001 + SAMPLES))
            start_lat = summary_ms(one_at_a_time(server, fresh, "/start"))
            budget_lat = summary_ms(one_at_a_time(server, fresh, "/anggaran"))
            keyword_lat = summary_ms(one_at_a_time(server, fresh, "/anggaran drainase RW 5"))
            after_load = rss_mb(pid)
        finally:
            stand.stop()
    details: dict[str, Any] = {
        "residents": RESIDENTS,
        "proposals": PROPOSALS,
        "polls": POLLS,
        "budget_lines": 10_000,
        "realisation_entries": 50_000,
        "seed_seconds": {k: round(v, 1) for k, v in took.items()},
        "database_mb_seeded": seeded_size,
        "database_mb_after_run": size_mb(database),
        "startup_to_first_answer_s": round(startup, 2),
        "rss_mb_after_start": after_start,
        "rss_mb_after_people_wrote": after_load,
        "people_who_wrote": ACTIVE + 2 * SAMPLES,
    }
    rows.append(
        Row(
            name=f"scale: start-up {startup:.1f} s to first answer; RSS "
            f"{after_start.get('VmRSS')} MB at start, {after_load.get('VmRSS')} MB after "
            f"{ACTIVE + SAMPLES:,} people (peak {after_load.get('VmHWM')}); "
            f"DB {seeded_size} MB",
            updates_per_s=0.0,
            p50_ms=0.0,
            p99_ms=0.0,
            details=details,
        )
    )
    for label, stats in (
        ("/start, new person", start_lat),
        ("/anggaran summary", budget_lat),
        ("/anggaran drainase RW 5", keyword_lat),
    ):
        rows.append(
            Row(
                name=f"scale: {label}, one at a time over HTTP",
                updates_per_s=1000 / stats["mean_ms"],
                p50_ms=stats["p50_ms"],
                p99_ms=stats["p99_ms"],
                details={"latency": stats},
            )
        )
    return rows


async def run(ctx: RunContext) -> list[Row]:
    return await asyncio.to_thread(run_sync, ctx)


FIGURE = Figure(
    name="scale",
    title="scale: 100,000 residents, 10,000 proposals, 1,000 polls, 10,000 budget lines",
    run=run,
    order=90,
)
