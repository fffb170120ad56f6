"""What every figure shares: rows, sizes, the registry entry, and the measuring tools.

Measuring rules (every figure follows them, so figures stay comparable):
- updates go in through `application.update_queue`, so the update processor runs as in
  production; `Update` objects are built before the clock starts (in production the
  Updater decodes them before they reach the queue);
- throughput: N updates from N distinct people are put into the queue at once, then we
  wait until the processor has finished all of them: N / elapsed;
- latency: from putting one update into the queue to the last Bot API call its handler
  makes (seen through `FakeBotAPI.listeners`), with a fixed number of updates in flight:
  the table shows one at a time (`latency_concurrency[0]` = 1), which is the cost of one
  update with no queueing behind other people's; the JSON also has the other levels
  (4: a few residents at once, where an update also waits for the others' work);
- time is `time.perf_counter()`; every target is warmed up before it is measured;
- a refused Bot API call or an ERROR log record during a measurement fails the run: a
  benchmark that measures error paths measures nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from telegram import Update
from telegram.ext import Application, SimpleUpdateProcessor

from bot.transport.fake_api import ApiCall, FakeBotAPI


class BenchmarkError(RuntimeError):
    """The benchmark could not measure what it claims to (an error, a refused call)."""


# ---- sizes ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; figures scale their own runs from these."""

    throughput_updates: int  # updates (distinct people) put into the queue at once
    rounds: int  # throughput rounds per row; the median is reported
    latency_updates: int  # latency samples per row and level, spread over the rounds
    latency_concurrency: tuple[int, ...]  # updates in flight; the first level is the table's
    warmup_updates: int  # per row, before anything is measured

    @classmethod
    def default(cls) -> Sizes:
        return cls(
            throughput_updates=1000,
            rounds=5,
            latency_updates=600,
            latency_concurrency=(1, 4),
            warmup_updates=300,
        )

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            throughput_updates=300,
            rounds=2,
            latency_updates=200,
            latency_concurrency=(1, 4),
            warmup_updates=100,
        )


# ---- results -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of the table: a workload on one target."""

    name: str
    updates_per_s: float
    p50_ms: float
    p99_ms: float
    reference: str | None = None
    ratio: float | None = None  # time per update relative to the reference (>1: slower)
    details: dict[str, Any] = field(default_factory=dict)

    def compared_to(self, reference: Row) -> Row:
        """This row with its per-update cost relative to `reference` filled in."""
        ratio = reference.updates_per_s / self.updates_per_s if self.updates_per_s else math.inf
        details = dict(self.details)
        if reference.p50_ms:
            details["p50_ratio"] = round(self.p50_ms / reference.p50_ms, 3)
        return replace(self, reference=reference.name, ratio=ratio, details=details)


@dataclass
class RunContext:
    """What a figure's run() gets: the sizes and a fresh directory of its own."""

    sizes: Sizes
    workdir: Path
    quiet: bool = False

    def progress(self, message: str) -> None:
        if not self.quiet:
            print(f"  {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Figure:
    """A registry entry: a module of tests/perf defining FIGURE is run by __main__."""

    name: str
    title: str
    run: Callable[[RunContext], Awaitable[list[Row]]]
    order: int = 100


# ---- statistics ----------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low = math.floor(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(seconds),
        "p50_ms": round(percentile(seconds, 50) * 1000, 3),
        "p90_ms": round(percentile(seconds, 90) * 1000, 3),
        "p99_ms": round(percentile(seconds, 99) * 1000, 3),
        "max_ms": round(max(seconds, default=math.nan) * 1000, 3),
        "mean_ms": round(statistics.fmean(seconds) * 1000, 3) if seconds else math.nan,
    }


# ---- errors --------------------------------------------------------------------------------
class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


_errors = _ErrorCounter()


def install_error_counter() -> None:
    """Count ERROR records anywhere (handlers' on_error, PTB's 'no error handler')."""
    root = logging.getLogger()
    if _errors not in root.handlers:
        root.addHandler(_errors)


# ---- targets -------------------------------------------------------------------------------
class CountingProcessor(Protocol):
    @property
    def processed(self) -> int: ...

    async def wait_processed(self, count: int, seconds: float = 10.0, /) -> None:
        """Wait until `count` updates have finished since start (bot.processor's method)."""


class CountingUpdateProcessor(SimpleUpdateProcessor):
    """PTB's own concurrent processor plus the finished-updates counter bot.processor has."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._processed = 0
        self._progress = asyncio.Condition()

    @property
    def processed(self) -> int:
        return self._processed

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            async with self._progress:
                self._processed += 1
                self._progress.notify_all()

    async def wait_processed(self, count: int, seconds: float = 10.0, /) -> None:
        async with asyncio.timeout(seconds), self._progress:
            await self._progress.wait_for(lambda: self._processed >= count)


def _timeout(updates: int) -> float:
    return 30.0 + updates / 50


@dataclass
class Throughput:
    updates: int
    seconds: float
    loaded_latencies: list[float]  # put -> last call of each update, all put at once

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds


class Target:
    """A started Application on its own FakeBotAPI, driven through update_queue."""

    def __init__(
        self,
        name: str,
        application: Application[Any, Any, Any, Any, Any, Any],
        api: FakeBotAPI,
        *,
        final_method: str = "sendMessage",
    ) -> None:
        self.name = name
        self.application = application
        self.api = api
        self.final_method = final_method  # the handler's last Bot API call for an update
        self.refused: list[ApiCall] = []
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self._last_call: dict[int, float] | None = None
        self._errors_seen = _errors.count
        api.listeners.append(self._on_call)

    @property
    def processor(self) -> CountingProcessor:
        processor = self.application.update_processor
        if not hasattr(processor, "wait_processed"):
            raise BenchmarkError(f"{self.name}: the update processor counts nothing")
        return processor  # type: ignore[return-value]

    def _on_call(self, call: ApiCall) -> None:
        now = time.perf_counter()
        if call.error is not None:
            self.refused.append(call)
        chat = call.chat_id
        if chat is None:
            return
        if self._last_call is not None:
            self._last_call[chat] = now
        if call.method == self.final_method:
            waiter = self._waiting.pop(chat, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)

    def check(self, what: str) -> None:
        """Fail when anything went wrong since the last check."""
        errors = _errors.count - self._errors_seen
        self._errors_seen = _errors.count
        if self.refused:
            first = self.refused[0]
            self.refused.clear()
            assert first.error is not None
            raise BenchmarkError(
                f"{self.name} {what}: Telegram refused {first.method}: {first.error}"
            )
        if errors:
            raise BenchmarkError(f"{self.name} {what}: {errors} error(s) logged")

    # ---- updates ---------------------------------------------------------------------------
    def decode(self, update_json: dict[str, Any]) -> Update:
        update = Update.de_json(update_json, self.application.bot)
        assert update is not None
        return update

    def message(self, user_id: int, text: str, *, language_code: str = "id") -> Update:
        """A text message from a person in their private chat."""
        return self.decode(
            self.api.message_update(
                user_id, text, first_name=person_name(user_id), language_code=language_code
            )
        )

    def press(
        self, user_id: int, message_id: int, data: str, *, language_code: str = "id"
    ) -> Update:
        """A button press on a message the bot sent to the person's private chat."""
        return self.decode(
            self.api.callback_update(
                user_id,
                user_id,
                message_id,
                data,
                first_name=person_name(user_id),
                language_code=language_code,
            )
        )

    # ---- running ---------------------------------------------------------------------------
    async def run(self, updates: Iterable[Update], what: str = "setup") -> list[ApiCall]:
        """Process updates (all at once, unmeasured); returns the calls they caused."""
        batch = list(updates)
        before = len(self.api.calls)
        base = self.processor.processed
        for update in batch:
            self.application.update_queue.put_nowait(update)
        await self.processor.wait_processed(base + len(batch), _timeout(len(batch)))
        self.check(what)
        calls = self.api.calls[before:]
        self.api.calls.clear()  # the record only grows; nothing in FakeBotAPI reads it
        return calls

    async def throughput(self, updates: Sequence[Update], what: str) -> Throughput:
        """Put every update into the queue at once; time until all are processed."""
        chats = [_chat_of(update) for update in updates]
        if len(set(chats)) != len(chats):
            raise BenchmarkError(f"{what}: a throughput batch needs one update per chat")
        queue = self.application.update_queue
        base = self.processor.processed
        put_at: dict[int, float] = {}
        self._last_call = {}
        self.api.calls.clear()
        gc.collect()
        try:
            start = time.perf_counter()
            for chat, update in zip(chats, updates, strict=True):
                put_at[chat] = time.perf_counter()
                queue.put_nowait(update)
            await self.processor.wait_processed(base + len(updates), _timeout(len(updates)))
            elapsed = time.perf_counter() - start
            last_call = self._last_call
        finally:
            self._last_call = None
        self.check(what)
        missing = [chat for chat in chats if chat not in last_call]
        if missing:
            raise BenchmarkError(f"{self.name} {what}: {len(missing)} update(s) made no call")
        loaded = [last_call[chat] - put_at[chat] for chat in chats]
        return Throughput(len(updates), elapsed, loaded)

    async def latency(self, updates: Sequence[Update], concurrency: int, what: str) -> list[float]:
        """Seconds from put to the final Bot API call, `concurrency` updates in flight."""
        loop = asyncio.get_running_loop()
        pending = iter(updates)
        samples: list[float] = []
        base = self.processor.processed
        timeout = _timeout(1)

        async def worker() -> None:
            for update in pending:  # one shared iterator: each update is taken once
                chat = _chat_of(update)
                if chat in self._waiting:
                    raise BenchmarkError(f"{what}: two updates of chat {chat} in flight")
                done: asyncio.Future[float] = loop.create_future()
                self._waiting[chat] = done
                start = time.perf_counter()
                self.application.update_queue.put_nowait(update)
                try:
                    end = await asyncio.wait_for(done, timeout)
                except TimeoutError:
                    self.check(what)
                    raise BenchmarkError(
                        f"{self.name} {what}: no {self.final_method} within {timeout} s"
                    ) from None
                samples.append(end - start)

        self.api.calls.clear()
        gc.collect()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        await self.processor.wait_processed(base + len(updates), _timeout(len(updates)))
        self.check(what)
        return samples


def _chat_of(update: Update) -> int:
    chat = update.effective_chat
    if chat is None:
        raise BenchmarkError("an update without a chat")
    return chat.id


def person_name(user_id: int) -> str:
    """Every simulated person's first name; ids of one width give names of one length."""
    return f"Warga {user_id}"


class People:
    """Fresh Telegram user ids, all six digits (so every name has the same length)."""

    def __init__(self, first: int = 100_001) -> None:
        self._next = first

    def take(self, n: int) -> list[int]:
        ids = list(range(self._next, self._next + n))
        self._next += n
        if self._next >= 1_000_000:
            raise BenchmarkError("ran out of six-digit user ids")
        return ids
