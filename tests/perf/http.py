"""Over HTTP: `bkm-bot run` as a subprocess, long polling the loopback Bot API stand-in.

1,000 distinct people; every update is pushed to the stand-in's queue (as Telegram queues
it), the bot fetches it with getUpdates over HTTP, handles it and sends its reply over HTTP:
- burst: all 1,000 pushed at once; updates/s = 1,000 / time until the last reply arrived,
  p50/p99 = push -> that person's reply (queueing behind the others included);
- paced: updates pushed at a steady rate below the burst rate (half of it), for the
  latency a person sees when the bot is busy but keeping up.
Workloads: /start from people never seen (the person is created), /bantuan from the same
people again (known people: a read, no write). The stand-in runs in this process (its HTTP
server thread shares this interpreter), the bot in its own.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time

from bot.transport.fake_api import ApiCall
from bot.transport.loopback import LoopbackServer
from tests.perf.faults import BOARD, Stand
from tests.perf.harness import BenchmarkError, Figure, Row, RunContext, summary_ms

PEOPLE = 1000


class Replies:
    """When each chat's next sendMessage arrives at the stand-in."""

    def __init__(self, server: LoopbackServer) -> None:
        self.pushed: dict[int, float] = {}
        self.answered: dict[int, float] = {}
        self._all = threading.Event()
        self._expected = 0
        server.api.listeners.append(self._on_call)

    def expect(self, chats: int) -> None:
        self.pushed.clear()
        self.answered.clear()
        self._expected = chats
        self._all.clear()

    def _on_call(self, call: ApiCall) -> None:
        if call.method != "sendMessage" or call.chat_id is None:
            return
        chat = call.chat_id
        if chat in self.pushed and chat not in self.answered:
            self.answered[chat] = time.perf_counter()
            if len(self.answered) >= self._expected:
                self._all.set()

    def wait(self, timeout: float) -> None:
        if not self._all.wait(timeout):
            raise BenchmarkError(f"{len(self.answered)}/{self._expected} replies in {timeout} s")

    def latencies(self) -> list[float]:
        return [self.answered[chat] - self.pushed[chat] for chat in self.answered]


def _round(server: LoopbackServer, replies: Replies, people: list[int], text: str,
           rate: float | None) -> tuple[float, list[float]]:  # fmt: skip
    replies.expect(len(people))
    start = time.perf_counter()
    for index, who in enumerate(people):
        if rate is not None:
            due = start + index / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        replies.pushed[who] = time.perf_counter()
        server.send_text(who, text, first_name=f"Warga {who}", language_code="id")
    replies.wait(60 + len(people) / 10)
    elapsed = max(replies.answered.values()) - start
    return len(people) / elapsed, replies.latencies()


# Telegram lets a bot send about 30 messages a second overall; `bkm-bot run` keeps all its
# calls under BKM_BROADCAST_RATE + 5 a second (PTB's AIORateLimiter), so over HTTP the
# configured bot answers at most ~30 people a second. The second configuration raises that
# limit to show what the bot itself can do.
CONFIGURATIONS = (
    ("as configured (calls limited to 30/s, Telegram's overall limit)", {}, 1, 300),
    ("rate limit raised (BKM_BROADCAST_RATE=5000)", {"BKM_BROADCAST_RATE": "5000"}, 3, PEOPLE),
)


def run_sync(ctx: RunContext) -> list[Row]:
    rows: list[Row] = []
    next_id = 300_001
    for label, env, rounds, people_n in CONFIGURATIONS:
        with LoopbackServer() as server:
            stand = Stand(ctx.workdir / f"c{len(rows)}", server)
            stand.workdir.mkdir()
            try:
                startup = stand.start(**env)
                server.say(BOARD, "/start")
                replies = Replies(server)
                warm = list(range(next_id, next_id + 100))
                next_id += 100
                _round(server, replies, warm, "/start", None)
                known: list[int] = []
                for workload, text in (("/start from new people", "/start"), ("/bantuan", "")):
                    per_second: list[float] = []
                    burst: list[float] = []
                    paced: list[float] = []
                    for round_no in range(rounds):
                        ctx.progress(f"{label}: {workload}: round {round_no + 1}/{rounds}")
                        if text:
                            people = list(range(next_id, next_id + people_n))
                            next_id += people_n
                            known = people
                        else:
                            people = known
                        rate, samples = _round(server, replies, people, text or "/bantuan", None)
                        per_second.append(rate)
                        burst.extend(samples)
                        if text:
                            people = list(range(next_id, next_id + people_n // 4))
                            next_id += people_n // 4
                        else:
                            people = known[: people_n // 4]
                        _, samples = _round(server, replies, people, text or "/bantuan", rate / 2)
                        paced.extend(samples)
                    stats, paced_stats = summary_ms(burst), summary_ms(paced)
                    rows.append(
                        Row(
                            name=f"{label}: {workload}, {people_n:,} people at once",
                            updates_per_s=statistics.median(per_second),
                            p50_ms=stats["p50_ms"],
                            p99_ms=stats["p99_ms"],
                            details={
                                "updates_per_s_each_round": [round(x, 1) for x in per_second],
                                "push_to_reply_burst": stats,
                                "push_to_reply_paced_at_half_the_burst_rate": paced_stats,
                                "startup_to_first_answer_s": round(startup, 2),
                            },
                        )
                    )
                    rows.append(
                        Row(
                            name=f"  same {workload}, paced at half that rate",
                            updates_per_s=statistics.median(per_second) / 2,
                            p50_ms=paced_stats["p50_ms"],
                            p99_ms=paced_stats["p99_ms"],
                        )
                    )
            finally:
                stand.stop()
    return rows


async def run(ctx: RunContext) -> list[Row]:
    return await asyncio.to_thread(run_sync, ctx)


FIGURE = Figure(
    name="http",
    title="bkm-bot run over HTTP (loopback stand-in, long polling): 1,000 distinct people",
    run=run,
    order=70,
)
