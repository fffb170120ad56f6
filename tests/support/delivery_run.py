"""`bkm-bot run` as a subprocess broadcasting to many residents over the loopback stand-in.

Shared by the kill -9 test (tests/broadcasts/test_delivery_kill.py) and the benchmark
(tests/perf/broadcast.py): seed residents, compose a broadcast with /siaran as a board
member would, count what arrives, kill the process, restart it, and account for everyone.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bot.transport.fake_api import ApiCall
from bot.transport.loopback import LoopbackServer
from storage import migrate
from storage.db import connect_sync
from tests.support.cli import TOKEN, start_run

BOARD_ID = 1001
MARKER = "RAPAT"
START_TIMEOUT = 30.0


def seed_residents(database: Path, server: LoopbackServer, recipients: Iterable[int]) -> int:
    """Residents who once pressed /start: in the database, and chats Telegram knows."""
    conn = connect_sync(database)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        migrate.apply(conn, database)
        ids = list(recipients)
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO people (telegram_id, display_name, language, created_at, last_seen_at)"
            " VALUES (?, 'Warga', 'id', ?, ?)",
            [(telegram_id, now, now) for telegram_id in ids],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    for telegram_id in ids:
        server.api.known_chats[telegram_id] = {
            "id": telegram_id,
            "type": "private",
            "first_name": "Warga",
        }
    return len(ids)


@dataclass
class Counting:
    """Counts the broadcast's accepted messages per chat as the server answers them."""

    recipients: frozenset[int]
    per_chat: Counter[int] = field(default_factory=Counter)
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, call: ApiCall) -> None:
        if call.method != "sendMessage" or call.error is not None:
            return
        if call.chat_id in self.recipients and MARKER in str(call.params.get("text", "")):
            with self.lock:
                self.per_chat[call.chat_id] += 1
                self.times.append(call.at)

    @property
    def delivered(self) -> int:
        return len(self.per_chat)


class BotRun:
    """One `python -m bot run` process against the server."""

    def __init__(self, server: LoopbackServer, workdir: Path, rate: int, name: str) -> None:
        self.log = workdir / f"{name}.log"
        self.process = start_run(
            [],
            workdir,
            self.log,
            BKM_BOT_TOKEN=TOKEN,
            BKM_API_BASE_URL=server.url,
            BKM_DATABASE=str(workdir / "bkm.sqlite3"),
            BKM_ADMINS=str(BOARD_ID),
            BKM_BROADCAST_RATE=str(rate),
            BKM_DIGEST="off",
            BKM_LOG_LEVEL="WARNING",
        ).process

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far (user + system; Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def kill9(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def compose_broadcast(server: LoopbackServer, text: str = f"<b>{MARKER}</b> warga Sabtu") -> str:
    """A board member sends /siaran to everyone, now; returns the bot's confirmation."""
    server.say(BOARD_ID, "/siaran", timeout=START_TIMEOUT)
    server.say(BOARD_ID, text)
    server.tap(BOARD_ID, "Semua warga")
    server.tap(BOARD_ID, "Sekarang", expect=3)  # preview text, the broadcast, the summary
    [confirmation] = server.tap(BOARD_ID, "Kirim sekarang")
    return confirmation.text


def wait_until(predicate: object, timeout: float, poll: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(poll)
    return False


def wait_for_report(server: LoopbackServer, after: int, timeout: float) -> ApiCall:
    """The author's report (the first one after `after` messages to the board member).

    Polls a few times a second: waiting on the server's condition would wake this thread
    at every API call and scan all of them, slowing the stand-in it measures."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = server.messages(BOARD_ID)[after:]
        reports = [c for c in new if "laporan pengiriman" in c.text]
        if reports:
            return reports[0]
        time.sleep(0.2)
    raise TimeoutError(f"no report to the board member within {timeout} s")


def statuses(database: Path) -> Counter[str]:
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute(
            "SELECT d.status, COUNT(*) FROM deliveries d JOIN outbox_messages m"
            " ON m.id = d.message_id WHERE m.broadcast_id IS NOT NULL GROUP BY d.status"
        ).fetchall()
    finally:
        conn.close()
    return Counter(dict(rows))


def uncertain_chats(database: Path) -> set[int]:
    conn = sqlite3.connect(database)
    try:
        rows = conn.execute("SELECT chat_id FROM deliveries WHERE status = 'uncertain'")
        return {r[0] for r in rows}
    finally:
        conn.close()
