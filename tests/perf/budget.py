"""Budget: /anggaran over 10,000 lines and 50,000 realisation entries, and the import.

- the database: a 10,000-line CSV (40 programs × activities, 12 RWs, every field and
  source) imported through `handlers.budget.spreadsheet.parse` + `storage.budget.apply_import`,
  then 50,000 realisation entries spread over the lines (bulk SQL, totals kept in step);
- "summary": `/anggaran` from distinct people (totals, per field, per source, the menu);
- "keyword query": `/anggaran drainase RW 5` (filters, count and totals over every match,
  the first page of 8 lines with their buttons);
- "import": parsing and applying the 10,000-line file into an empty database, per round
  (the table's updates/s column is lines per second there; p50/p99 are whole imports).

Latency is the harness's: put into update_queue → the update's sendMessage, one in flight.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.app import build_application
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from handlers.budget.spreadsheet import parse
from storage import budget, migrate
from storage.db import connect_sync, in_transaction
from tests.perf.harness import BenchmarkError, Figure, People, Row, RunContext, Target, summary_ms

LINES = 10_000
ENTRIES = 50_000
YEAR = 2026
PROGRAMS = [
    "Drainase",
    "Perbaikan jalan lingkungan",
    "Posyandu",
    "Sanitasi",
    "Air bersih",
    "Penerangan jalan",
    "Pelatihan keterampilan",
    "Dana bergulir",
    "Rumah tidak layak huni",
    "Taman bermain",
]
FIELDS = ("lingkungan", "lingkungan", "sosial", "lingkungan", "lingkungan", "lingkungan",
          "sosial", "ekonomi", "lingkungan", "sosial")  # fmt: skip
SOURCES = ("BLM", "APBD", "swadaya", "CSR", "lainnya")


def budget_csv(lines: int = LINES) -> bytes:
    rows = ["tahun;program;kegiatan;bidang;sumber_dana;rw;ksm;anggaran;realisasi"]
    for i in range(lines):
        p = i % len(PROGRAMS)
        rows.append(
            f"{YEAR};{PROGRAMS[p]} {i % 4 + 1};Kegiatan {i} tahap {i % 7};{FIELDS[p]};"
            f"{SOURCES[i % 5]};{i % 12 + 1};KSM {i % 60};{5_000_000 + (i * 7919) % 90_000_000};"
            f"{(i * 104_729) % 4_000_000}"
        )
    return ("\n".join(rows) + "\n").encode("utf-8-sig")


def import_once(path: Path, content: bytes) -> tuple[float, float]:
    """Seconds to parse and to apply the file into an empty database."""
    conn = connect_sync(path)
    try:
        migrate.apply(conn, None)
        start = time.perf_counter()
        parsed = parse(content)
        parsed_at = time.perf_counter()
        if not parsed.ok or len(parsed.lines) != LINES:
            raise BenchmarkError(f"the generated file did not import: {parsed.problems[:3]}")
        in_transaction(
            conn,
            budget.apply_import,
            parsed.lines,
            now=datetime.now(UTC),
            actor_id=None,
            actor_role="system",
        )
        done = time.perf_counter()
    finally:
        conn.close()
    return parsed_at - start, done - parsed_at


def add_entries(path: Path, count: int = ENTRIES) -> None:
    conn = connect_sync(path)
    try:
        ids = [r[0] for r in conn.execute("SELECT id FROM budget_lines")]
        rng = random.Random(6)
        start = date(YEAR, 1, 1)
        stamp = datetime.now(UTC).isoformat(timespec="seconds")

        def insert(conn_: object) -> None:
            conn.executemany(
                "INSERT INTO budget_realisations (line_id, spent_on, amount, description,"
                " receipt, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        rng.choice(ids),
                        (start + timedelta(days=rng.randrange(330))).isoformat(),
                        rng.randrange(50_000, 2_000_000),
                        f"Belanja bahan {n}",
                        f"photo-{n}" if n % 3 == 0 else None,
                        stamp,
                    )
                    for n in range(count)
                ],
            )
            conn.execute(
                "UPDATE budget_lines SET realised_entries = coalesce((SELECT SUM(amount)"
                " FROM budget_realisations r WHERE r.line_id = budget_lines.id), 0)"
            )

        in_transaction(conn, insert)
    finally:
        conn.close()


async def run(ctx: RunContext) -> list[Row]:
    sizes = ctx.sizes
    content = budget_csv()
    ctx.progress(f"importing a {LINES:,}-line CSV ({len(content):,} bytes), {sizes.rounds} rounds")
    parse_s: list[float] = []
    apply_s: list[float] = []
    for index in range(max(sizes.rounds, 2)):
        parsing, applying = import_once(ctx.workdir / f"import-{index}.sqlite3", content)
        parse_s.append(parsing)
        apply_s.append(applying)
    totals = [p + a for p, a in zip(parse_s, apply_s, strict=True)]

    database = ctx.workdir / "import-0.sqlite3"
    ctx.progress(f"adding {ENTRIES:,} realisation entries")
    add_entries(database)

    api = FakeBotAPI()
    application = build_application(Settings(database=database), transport=OfflineTransport(api))
    people = People()
    rows: list[Row] = []
    async with running(application):
        target = Target("bkm", application, api)
        workloads = {
            "summary": "/anggaran",
            "keyword query": "/anggaran drainase RW 5",
        }
        probe = await target.run([target.message(people.take(1)[0], workloads["keyword query"])])
        if not any("baris anggaran cocok" in call.text for call in probe):
            raise BenchmarkError("the keyword query matched nothing")
        for name, text in workloads.items():
            ctx.progress(f"/anggaran {name}: warm-up, throughput and latency")
            await target.run(
                [target.message(who, text) for who in people.take(sizes.warmup_updates)], "warm-up"
            )
            per_second = []
            latencies: list[float] = []
            per_round = math.ceil(sizes.latency_updates / sizes.rounds)
            for _ in range(sizes.rounds):
                batch = [
                    target.message(who, text) for who in people.take(sizes.throughput_updates)
                ]
                per_second.append((await target.throughput(batch, name)).per_second)
                samples = [target.message(who, text) for who in people.take(per_round)]
                latencies.extend(await target.latency(samples, 1, name))
            stats = summary_ms(latencies)
            rows.append(
                Row(
                    f"bkm /anggaran {name} ({LINES:,} lines, {ENTRIES:,} entries)",
                    statistics.median(per_second),
                    stats["p50_ms"],
                    stats["p99_ms"],
                    details={"latency_1": stats, "rounds_per_second": per_second},
                )
            )
    import_stats = summary_ms(totals)
    rows.append(
        Row(
            f"import {LINES:,}-line CSV (parse + apply; column 2 = lines/s)",
            LINES / statistics.median(totals),
            import_stats["p50_ms"],
            import_stats["p99_ms"],
            details={
                "parse": summary_ms(parse_s),
                "apply": summary_ms(apply_s),
                "bytes": len(content),
            },
        )
    )
    return rows


FIGURE = Figure(
    name="budget",
    title="Budget: /anggaran over 10,000 lines and 50,000 entries; importing 10,000 lines",
    run=run,
    order=60,
)
