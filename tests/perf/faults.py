"""kill -9 of `bkm-bot run` at random moments: what a person was told is saved survives, once.

`python -m bot run` runs as a subprocess against the loopback Bot API stand-in (long
polling, as in production). Members push updates over HTTP; at a random moment (seeded)
the process gets SIGKILL, a fresh process starts on the same database, and Telegram's rule
applies: updates whose offset was not confirmed are delivered again. Then we count, against
what the bot had SAID before the kill:
- missing: a person was told "saved" (a proposal number, "vote recorded") but it is not
  in the database (target 0);
- doubled: more than one proposal from a person who submitted once, more than one vote
  row per person and poll, or a draft whose description is its title (a text step
  delivered again and taken as the next answer) (target 0).
Broadcast rows left uncertain are measured with the delivery engine (not on this branch).

Workloads, each `KILLS` times: PEOPLE members walk the whole /usul flow together, one step
each per turn; PEOPLE members press a vote on one open poll (then change it).
The table's columns: updates/s before the kill, p50/p99 from push to the reply (HTTP).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.transport.loopback import LoopbackServer
from storage import polls
from storage.db import connect_sync, in_transaction
from tests.perf.harness import BenchmarkError, Figure, Row, RunContext, summary_ms

TOKEN = "123456:PERF"
BOARD = 1
KILLS = 4
PEOPLE = 30
START_TIMEOUT = 30.0

PROPOSAL_STEPS: list[tuple[str, str]] = [
    ("say", "/usul"),
    ("tap", "usl:f:lingkungan"),
    ("say", "Perbaikan saluran air gang {who} RT 03"),
    ("say", "Saluran air di depan rumah {who} mampet dan meluap setiap hujan deras."),
    ("say", "RT 3 RW 5"),
    ("tap", "usl:loc:next"),
    ("say", "1,5 juta"),
    ("tap", "Lewati"),
    ("tap", "Tidak, sembunyikan nama"),
    ("tap", "Kirim"),
]


@dataclass
class Stand:
    workdir: Path
    server: LoopbackServer
    process: subprocess.Popen[bytes] | None = None
    logs: list[Path] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.workdir / "bkm.sqlite3"

    def start(self, **extra_env: str) -> float:
        """Start `python -m bot run`; seconds until it answers a /start."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BKM_")}
        env.update(
            BKM_BOT_TOKEN=TOKEN,
            BKM_API_BASE_URL=self.server.url,
            BKM_DATABASE=str(self.database),
            BKM_ADMINS=str(BOARD),
            BKM_LOG_LEVEL="WARNING",
            BKM_FLOOD_LIMIT="1000/1",
        )
        env.update(extra_env)
        log = self.workdir / f"bot-{len(self.logs) + 1}.log"
        self.logs.append(log)
        started = time.perf_counter()
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        probe = 900_000 + len(self.logs)
        try:
            self.server.say(probe, "/start", timeout=START_TIMEOUT)
        except TimeoutError as exc:
            raise BenchmarkError(f"bkm-bot did not answer: {exc}\n{log.read_text()}") from None
        return time.perf_counter() - started

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def add_members(database: Path, ids: list[int]) -> None:
    conn = sqlite3.connect(database)
    with conn:
        conn.executemany(
            "INSERT OR IGNORE INTO people (telegram_id, display_name, role, rt, rw, language,"
            " created_at) VALUES (?, ?, 'anggota', 3, 5, 'id', '2026-11-01T00:00:00+00:00')",
            [(who, f"Warga {who}") for who in ids],
        )
    conn.close()


def open_poll(database: Path) -> int:
    conn = connect_sync(database)
    try:
        board = conn.execute("SELECT id FROM people WHERE telegram_id = ?", (BOARD,)).fetchone()
        now = datetime.now(UTC)
        published = in_transaction(
            conn,
            polls.publish,
            board_id=board[0],
            question="Prioritas?",
            options=["Drainase", "Jalan", "Posyandu"],
            audience="members",
            audience_rw=None,
            ballot="open",
            max_choices=1,
            results="after",
            quorum=1,
            closes_at=now + timedelta(days=3),
            now=now,
        )
        return int(published.poll.id)
    finally:
        conn.close()


def _drive(
    server: LoopbackServer,
    people: list[int],
    steps: Callable[[int], list[tuple[str, str]]],
    stop: threading.Event,
    latencies: list[float],
    handled: list[int],
) -> None:
    """Each person one step per turn; a step waits for its reply (until the kill)."""
    position = dict.fromkeys(people, 0)
    while not stop.is_set():
        turn = [who for who in people if position[who] < len(steps(who))]
        if not turn:
            return
        marks: dict[int, tuple[int, float]] = {}
        for who in turn:
            kind, value = steps(who)[position[who]]
            value = value.format(who=who)
            marks[who] = (len(server.messages(who)), time.perf_counter())
            try:
                if kind == "say":
                    server.send_text(who, value, first_name=f"Warga {who}", language_code="id")
                else:
                    server.press(who, value, first_name=f"Warga {who}", language_code="id")
            except LookupError:
                return  # the previous step's reply never came (killed): stop driving
        for who in turn:
            mark, at = marks[who]
            try:
                server.wait_messages(who, 1, after=mark, timeout=5.0)
            except TimeoutError:
                return
            latencies.append(time.perf_counter() - at)
            handled.append(who)
            position[who] += 1


def _told(server: LoopbackServer, people: list[int], phrase: str) -> set[int]:
    return {who for who in people if any(phrase in m.text for m in server.messages(who))}


def _count(database: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(database)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


@dataclass
class Tally:
    kills: int = 0
    told: int = 0
    missing: int = 0
    doubled: int = 0
    handled: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    restarts: list[float] = field(default_factory=list)


def _round(
    stand: Stand,
    rng: random.Random,
    people: list[int],
    steps: Callable[[int], list[tuple[str, str]]],
    tally: Tally,
    window: tuple[float, float],
) -> None:
    stop = threading.Event()
    handled: list[int] = []
    driver = threading.Thread(
        target=_drive, args=(stand.server, people, steps, stop, tally.latencies, handled)
    )
    started = time.perf_counter()
    driver.start()
    time.sleep(rng.uniform(*window))
    stand.kill()
    tally.seconds += time.perf_counter() - started
    stop.set()
    driver.join(timeout=10)
    tally.kills += 1
    tally.handled += len(handled)
    tally.restarts.append(stand.start())  # the redelivered batch is handled here
    time.sleep(1.0)


def run_sync(ctx: RunContext) -> list[Row]:
    rng = random.Random(9)
    rows: list[Row] = []
    with LoopbackServer() as server:
        stand = Stand(ctx.workdir, server)
        try:
            stand.start()
            server.say(BOARD, "/start")
            next_id = 200_001

            # ---- proposals ----
            proposals = Tally()
            for _ in range(KILLS):
                people = list(range(next_id, next_id + PEOPLE))
                next_id += PEOPLE
                add_members(stand.database, people)
                ctx.progress(f"proposals: kill {proposals.kills + 1}/{KILLS}")
                _round(stand, rng, people, lambda who: PROPOSAL_STEPS, proposals, (2.0, 9.0))
                told = _told(server, people, "Nomor usulan")
                proposals.told += len(told)
                for who in told:
                    [(n,)] = _count(
                        stand.database,
                        "SELECT COUNT(*) FROM proposals p JOIN people x ON x.id = p.proposer_id"
                        " WHERE x.telegram_id = ?",
                        (who,),
                    )
                    proposals.missing += n == 0
            proposals.doubled = sum(
                n - 1
                for (n,) in _count(
                    stand.database,
                    "SELECT COUNT(*) FROM proposals GROUP BY proposer_id HAVING COUNT(*) > 1",
                )
            ) + len(
                _count(
                    stand.database,
                    "SELECT 1 FROM drafts WHERE json_extract(data, '$.title') IS NOT NULL"
                    " AND json_extract(data, '$.title') = json_extract(data, '$.description')",
                )
            )
            rows.append(_row("proposal flow", proposals))

            # ---- votes ----
            votes = Tally()
            for _ in range(KILLS):
                people = list(range(next_id, next_id + PEOPLE))
                next_id += PEOPLE
                add_members(stand.database, people)
                poll_id = open_poll(stand.database)

                def vote_steps(who: int, poll_id: int = poll_id) -> list[tuple[str, str]]:
                    first, second = who % 3 + 1, (who + 1) % 3 + 1
                    return [("press", f"pol:v:{poll_id}:{first}"),
                            ("press", f"pol:v:{poll_id}:{second}")]  # fmt: skip

                for who in people:  # the invitation each member presses on
                    server.api.known_chats[who] = {"id": who, "type": "private"}
                    server.api.messages[(who, 999_999)] = {
                        "raw": "Polling baru",
                        "text": "Polling baru",
                        "reply_markup": {
                            "inline_keyboard": [
                                [{"text": str(i), "callback_data": f"pol:v:{poll_id}:{i}"}]
                                for i in (1, 2, 3)
                            ]
                        },
                    }
                ctx.progress(f"votes: kill {votes.kills + 1}/{KILLS}")
                _round(stand, rng, people, vote_steps, votes, (0.2, 1.5))
                told = _told(server, people, "tercatat") | _told(server, people, "diubah")
                votes.told += len(told)
                for who in told:
                    [(n,)] = _count(
                        stand.database,
                        "SELECT COUNT(*) FROM poll_votes v JOIN people x ON x.id = v.person_id"
                        " WHERE x.telegram_id = ? AND v.poll_id = ?",
                        (who, poll_id),
                    )
                    votes.missing += n == 0
                    votes.doubled += max(n - 1, 0)
            rows.append(_row("vote", votes))
        finally:
            stand.stop()
    return rows


def _row(what: str, tally: Tally) -> Row:
    latency = summary_ms(tally.latencies)
    return Row(
        name=f"kill -9 x{tally.kills} during {what}: told saved {tally.told}, "
        f"missing {tally.missing}, doubled {tally.doubled}",
        updates_per_s=tally.handled / tally.seconds if tally.seconds else 0.0,
        p50_ms=latency["p50_ms"],
        p99_ms=latency["p99_ms"],
        details={
            "kills": tally.kills,
            "told_saved": tally.told,
            "missing": tally.missing,
            "doubled": tally.doubled,
            "restart_to_first_answer_s": [round(s, 2) for s in tally.restarts],
            "latency": "push over HTTP -> the reply arriving at the stand-in",
            "people_per_round": PEOPLE,
        },
    )


async def run(ctx: RunContext) -> list[Row]:
    import asyncio

    return await asyncio.to_thread(run_sync, ctx)


FIGURE = Figure(
    name="faults",
    title="kill -9 of bkm-bot run (loopback HTTP): proposals and votes told saved survive once",
    run=run,
    order=80,
)
