"""A /siaran broadcast to 10,000 residents at BKM_BROADCAST_RATE=200 by `bkm-bot run` over the
loopback stand-in: the achieved rate as a fraction of the configured one (from the stand-in's
recorded call times), duplicates, silent losses and uncertain deliveries; then the same with
a kill -9 at the half and a restart.

Row columns: updates/s = broadcast messages accepted per second (first to last); p50/p99 ms =
the gap between consecutive messages (5 ms at 200/s). The rest is in `details`.
"""

from __future__ import annotations

import asyncio
import itertools
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.transport.loopback import LoopbackServer
from tests.perf.harness import BenchmarkError, Figure, Row, RunContext, percentile
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

RATE = 200
FIRST = 200_001


def _row(name: str, counting: Counting, details: dict[str, Any]) -> Row:
    times = sorted(counting.times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return Row(
        name=name,
        updates_per_s=details["achieved_per_s"],
        p50_ms=statistics.median(gaps) * 1000 if gaps else 0.0,
        p99_ms=percentile(gaps, 99) * 1000 if gaps else 0.0,
        details=details,
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rate(times: list[float]) -> float:
    times = sorted(times)
    if len(times) < 2:
        return 0.0
    return (len(times) - 1) / (times[-1] - times[0])


def _account(database: Path, counting: Counting, recipients: frozenset[int]) -> dict[str, Any]:
    uncertain = uncertain_chats(database) & recipients
    missing = recipients - set(counting.per_chat)
    counts = statuses(database)
    return {
        "recipients": len(recipients),
        "duplicates": sum(n - 1 for n in counting.per_chat.values() if n > 1),
        "silent_losses": len(missing - uncertain),
        "uncertain": len(uncertain),
        "uncertain_not_received": len(missing & uncertain),
        "statuses": dict(counts),
    }


def run_once(workdir: Path, recipients: int, kill_at_half: bool, progress: Any) -> Row:
    workdir.mkdir(parents=True, exist_ok=True)
    chats = frozenset(range(FIRST, FIRST + recipients))
    database = workdir / "bkm.sqlite3"
    with LoopbackServer() as server:
        seed_residents(database, server, chats)
        counting = Counting(chats)
        server.api.listeners.append(counting)
        first = BotRun(server, workdir, RATE, "first")
        second = None
        try:
            compose_broadcast(server)
            started = time.monotonic()
            server_before = _own_cpu()
            details: dict[str, Any] = {"configured_per_s": RATE}
            if kill_at_half:
                if not wait_until(lambda: counting.delivered >= recipients // 2, 600, 0.002):
                    raise BenchmarkError(f"the broadcast stalled:\n{first.output[-2000:]}")
                cpu = first.cpu_seconds()
                first.kill9()
                details["delivered_at_kill"] = counting.delivered
                segment = sorted(counting.times)
                details["achieved_per_s"] = round(_rate(segment), 1)
                progress(f"killed at {counting.delivered:,} of {recipients:,}")
                board = len(server.messages(BOARD_ID))
                restarted = time.monotonic()
                second = BotRun(server, workdir, RATE, "second")
                wait_for_report(server, board, timeout=recipients / RATE * 3 + START_TIMEOUT)
                cpu += second.cpu_seconds()
                after = sorted(counting.times)[len(segment) :]
                details["achieved_per_s_after_restart"] = round(_rate(after), 1)
                details["restart_to_report_s"] = round(time.monotonic() - restarted, 1)
            else:
                wait_for_report(server, 0, timeout=recipients / RATE * 3 + START_TIMEOUT)
                cpu = first.cpu_seconds()
                details["achieved_per_s"] = round(_rate(counting.times), 1)
            # the bot's CPU time (start-up included) per message: what the load cannot blur
            details["bot_cpu_ms_per_message"] = round(cpu * 1000 / recipients, 2)
            # the stand-in's (this process: the HTTP server threads)
            server_cpu = _own_cpu() - server_before
            details["stand_in_cpu_ms_per_message"] = round(server_cpu * 1000 / recipients, 2)
            details["wall_s"] = round(time.monotonic() - started, 1)
        finally:
            first.stop()
            if second is not None:
                second.stop()
        details.update(_account(database, counting, chats))
        details["rate_fraction"] = round(details["achieved_per_s"] / RATE, 3)
        name = f"broadcast {recipients:,} at {RATE}/s" + (
            ", kill -9 at half" if kill_at_half else ""
        )
        progress(f"{name}: {details}")
        return _row(name, counting, details)


def run_bare(recipients: int, progress: Any) -> Row:
    """The same messages from bare PTB at the same rate: what this machine allows."""
    chats = frozenset(range(FIRST, FIRST + recipients))
    with LoopbackServer() as server:
        for chat_id in chats:
            server.api.known_chats[chat_id] = {"id": chat_id, "type": "private", "first_name": "W"}
        counting = Counting(chats)
        server.api.listeners.append(counting)
        command = [sys.executable, "-m", "tests.perf._bare_sender", server.url]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_before = _own_cpu()
        subprocess.run([*command, str(FIRST), str(recipients), str(RATE)], check=True)
        server_cpu = _own_cpu() - server_before
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    rate = round(_rate(counting.times), 1)
    details = {"configured_per_s": RATE, "achieved_per_s": rate, "recipients": recipients}
    details["sender_cpu_ms_per_message"] = round(cpu * 1000 / recipients, 2)
    details["stand_in_cpu_ms_per_message"] = round(server_cpu * 1000 / recipients, 2)
    details["rate_fraction"] = round(rate / RATE, 3)
    name = f"bare PTB, same {recipients:,} calls at {RATE}/s"
    progress(f"{name}: {details}")
    return _row(name, counting, details)


async def run(ctx: RunContext) -> list[Row]:
    recipients = 10_000 if ctx.sizes.throughput_updates >= 1000 else 2_000
    bare = await asyncio.to_thread(run_bare, recipients, ctx.progress)
    rows = []
    for kill in (False, True):
        row = await asyncio.to_thread(
            run_once, ctx.workdir / f"kill-{kill}", recipients, kill, ctx.progress
        )
        rows.append(row.compared_to(bare))
    for row in rows:
        if row.details["duplicates"] or row.details["silent_losses"]:
            raise BenchmarkError(f"{row.name}: {row.details}")
    return [*rows, bare]


FIGURE = Figure(
    name="broadcast",
    title="/siaran to 10,000 residents at 200/s over loopback HTTP (and with a kill -9)",
    run=run,
    order=50,
)
