"""No broadcast row lost to a crash (issue 13, item 7).

`bkm-bot run` broadcasts to 300 residents at BKM_BROADCAST_RATE=20 over the loopback
stand-in and is killed with SIGKILL in the middle. After the restart, every resident
Telegram never saw a send attempt for gets the broadcast (exactly once), only requests that
were in flight at the kill are `uncertain` (at most the engine's concurrency), and the
author's report says what Telegram received.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.transport.fake_api import ApiCall
from bot.transport.loopback import LoopbackServer
from tests.support.delivery_run import (
    BOARD_ID,
    MARKER,
    START_TIMEOUT,
    BotRun,
    compose_broadcast,
    seed_residents,
    statuses,
    uncertain_chats,
    wait_for_report,
    wait_until,
)

RATE = 20
CONCURRENCY = max(8, RATE // 8)  # the engine's API calls at once
RECIPIENTS = frozenset(range(400001, 400001 + 300))


@dataclass
class Attempts:
    """Every send of the broadcast Telegram saw, per chat: attempted, and accepted."""

    attempted: Counter[int] = field(default_factory=Counter)
    accepted: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, call: ApiCall) -> None:
        if call.method != "sendMessage" or call.chat_id not in RECIPIENTS:
            return
        if MARKER not in str(call.params.get("text", "")):
            return
        with self.lock:
            self.attempted[call.chat_id] += 1
            if call.error is None:
                self.accepted[call.chat_id] += 1

    def snapshot(self) -> tuple[Counter[int], Counter[int]]:
        with self.lock:
            return Counter(self.attempted), Counter(self.accepted)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


def figure(report: str, label: str) -> int:
    found = re.search(re.escape(label) + r"\D*(\d+)", report)
    return int(found.group(1)) if found else 0


@pytest.mark.slow
def test_a_kill_9_leaves_only_the_calls_in_flight_uncertain_and_the_rest_are_sent(
    server: LoopbackServer, tmp_path: Path
) -> None:
    database = tmp_path / "bkm.sqlite3"
    seed_residents(database, server, RECIPIENTS)
    attempts = Attempts()
    server.api.listeners.append(attempts)
    first = BotRun(server, tmp_path, RATE, "first")
    second = None
    try:
        confirmation = compose_broadcast(server)
        assert "kepada 301 orang" in confirmation, first.output
        assert wait_until(lambda: len(attempts.snapshot()[0]) >= 90, timeout=60), first.output
        first.kill9()
        tried_before, _ = attempts.snapshot()
        at_kill = statuses(database)
        assert at_kill["sent"] < len(RECIPIENTS) * 0.7, at_kill  # really in the middle

        board_messages = len(server.messages(BOARD_ID))
        second = BotRun(server, tmp_path, RATE, "second")
        report = wait_for_report(server, board_messages, timeout=START_TIMEOUT + 40).text
    finally:
        first.stop()
        if second is not None:
            second.stop()
    attempted, accepted = attempts.snapshot()
    uncertain = uncertain_chats(database) & RECIPIENTS
    never_tried = RECIPIENTS - set(tried_before)
    # what a kill leaves uncertain is what was at Telegram: tried before the kill, and few
    assert uncertain <= set(tried_before), "a resident never tried was left uncertain"
    assert len(uncertain) <= CONCURRENCY, (len(uncertain), "more than the calls in flight")
    # everyone Telegram never saw a send for got it after the restart, exactly once
    assert {chat: attempted[chat] for chat in never_tried} == dict.fromkeys(never_tried, 1)
    assert all(accepted[chat] == 1 for chat in never_tried)
    assert max(accepted.values()) == 1, "a resident got the broadcast twice"
    # and the rows and the author's report say what Telegram received
    counts = statuses(database)
    assert counts["queued"] == counts["sending"] == counts["failed"] == 0, counts
    sent_chats = set(accepted) - uncertain
    assert counts["sent"] == len(sent_chats) + 1  # and the board member
    assert RECIPIENTS - set(accepted) <= uncertain, "someone was skipped silently"
    assert figure(report, "Terkirim:") == counts["sent"], report
    assert figure(report, "Belum pasti (bot berhenti saat mengirim):") == len(uncertain), report
    assert "Traceback" not in second.output, second.output
