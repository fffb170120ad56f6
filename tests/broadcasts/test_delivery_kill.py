"""kill -9 of `bkm-bot run` in the middle of a broadcast, then a restart: nobody gets it
twice, at most the in-flight window is uncertain, everyone else gets it exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.transport.loopback import LoopbackServer
from tests.support.delivery_run import (
    BOARD_ID,
    START_TIMEOUT,
    BotRun,
    Counting,
    compose_broadcast,
    seed_residents,
    statuses,
    uncertain_chats,
    wait_for_report,
    wait_until,
)

RATE = 50
RECIPIENTS = frozenset(range(300001, 300001 + 4 * RATE))  # four seconds of sending


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.mark.slow
def test_kill_9_mid_broadcast_then_restart(server: LoopbackServer, tmp_path: Path) -> None:
    database = tmp_path / "bkm.sqlite3"
    seed_residents(database, server, RECIPIENTS)
    counting = Counting(RECIPIENTS)
    server.api.listeners.append(counting)
    first = BotRun(server, tmp_path, RATE, "first")
    second = None
    try:
        confirmation = compose_broadcast(server)
        assert "Mengirim SRN-0001 kepada 201 orang" in confirmation, first.output
        total = len(RECIPIENTS)
        assert wait_until(lambda: counting.delivered >= total * 0.3, timeout=30), first.output
        at_kill = counting.delivered
        first.kill9()
        assert 0.3 * total <= at_kill <= 0.7 * total, at_kill
        assert statuses(database)["sending"] >= 0  # the rows as the kill left them

        board_messages = len(server.messages(BOARD_ID))
        second = BotRun(server, tmp_path, RATE, "second")
        report = wait_for_report(server, board_messages, timeout=START_TIMEOUT + 10)
    finally:
        first.stop()
        if second is not None:
            second.stop()
    per_chat = counting.per_chat
    uncertain = uncertain_chats(database) & RECIPIENTS
    assert max(per_chat.values()) == 1, "a resident got the broadcast twice"
    assert len(uncertain) <= RATE, "more than one second of sending was uncertain"
    missing = RECIPIENTS - set(per_chat)
    assert missing <= uncertain, "someone was skipped silently"
    assert all(per_chat[chat] == 1 for chat in RECIPIENTS - uncertain)
    counts = statuses(database)
    assert counts["sent"] + counts["uncertain"] == len(RECIPIENTS) + 1  # and the board member
    assert counts["queued"] == counts["sending"] == counts["failed"] == 0
    assert f"Belum pasti (bot berhenti saat mengirim): {counts['uncertain']}" in report.text
    assert f"Terkirim: {counts['sent']}" in report.text
    if counts["uncertain"]:
        assert report.buttons and "Kirim ulang" in report.buttons[0]["text"]
    assert "Traceback" not in (second.output if second else ""), second.output if second else ""
