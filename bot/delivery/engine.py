"""The delivery engine: sends the queued deliveries, paced, honestly accounted for.

- Pacing by the engine itself: at most BKM_BROADCAST_RATE API calls in any second (evenly
  spaced, plus a sliding one-second window with a small margin), and at most one message
  a second to one chat. PTB's AIORateLimiter is set to the same rate plus headroom for
  interactive replies and does not retry the engine's calls (`EngineRateLimiter`).
- A delivery is marked `sending` in the database only when its API call is about to start
  (after its pacing slot; the requests starting together share one write) and `sent`
  after. Rows waiting for their turn stay `queued` (held in memory by the engine), so a
  killed process leaves at most the calls in flight (the engine's concurrency) `sending`;
  those become `uncertain` at the next start (storage.deliveries.recover) and are offered
  to the author to resend, never resent alone; everything never attempted is sent then.
- 429: everyone waits retry_after, the delivery goes back to the queue. 403: the chat is
  unreachable from now on. 5xx / connection errors: retried with backoff, then failed. A
  read timeout may have delivered the message: uncertain. 400 (content): the message is
  stopped and its author told.
- When a message has nothing left to send, the `on_settled` hooks get its figures (the
  author's report, bot/delivery/report.py); each failed delivery calls the `on_failure`
  hooks (the board's alert, bot/delivery/alerts.py). The engine imports neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import httpx
from telegram import Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.context import services_of
from bot.delivery import send
from bot.delivery.ratelimit import ENGINE_CALL
from storage import deliveries
from storage.deliveries import Figures, Outcome, Ready, Rendering

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STOP_GRACE = 5.0  # seconds a graceful stop waits for notifications that are due
BACKOFF = 0.25  # seconds before the first retry of a 5xx / connection error; doubles
CHAT_GAP = 1.02  # seconds between two messages to one chat
WINDOW = 1.0  # the sliding window the overall rate is kept in
WINDOW_MARGIN = 0.01
DIGEST_LIMIT = 4000  # a daily digest longer than this goes as separate messages

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
# what a finished message's figures are given to (the author's report)
SettledHook = Callable[[AnyApplication, Figures], Coroutine[Any, Any, None]]
# what a failed delivery is told to (the board's alert on a burst of them)
FailureHook = Callable[[AnyApplication], Coroutine[Any, Any, None]]


class _Stopped(Exception):
    """The message was stopped (a content error) while this delivery waited for its turn."""


class _Closing(Exception):
    """The bot is stopping: a delivery that has not reached Telegram waits for the next start."""


class _NotStarted(Exception):
    """The delivery could not be marked `sending` (no longer queued, or the database was
    busy): nothing was sent; it stays as it is in the database."""


class Pacer:
    """Start times of API calls: on an even timeline at `rate`/s (a late start does not push
    the timeline back; up to CATCH_UP seconds are made up), never more than `rate` starts in
    any window of one second plus a margin, and a pause for everyone after a 429.

    Above 100/s starts come in small bursts (rate // 50 at once, every 20 ms), so the calls
    starting together are marked `sending` in one write."""

    CATCH_UP = 0.05

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.burst = max(1, rate // 50)
        self.used = 0  # starts given in the current burst
        self.interval = self.burst / rate
        self.starts: deque[float] = deque(maxlen=rate)
        self.sent: deque[float] = deque(maxlen=rate)  # when requests actually went
        self.next_at = 0.0
        self.paused_until = 0.0
        self.closed = False  # the engine is stopping: nobody waits for a slot any more
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    async def slot(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                if self.closed:
                    return
                target = max(self.next_at, self.paused_until)
                if len(self.starts) == self.rate:
                    target = max(target, self.starts[0] + WINDOW + WINDOW_MARGIN)
                if target <= now:
                    break
                await asyncio.sleep(target - now)
            self.starts.append(now)
            self.used += 1
            if self.used >= self.burst:
                self.used = 0
                self.next_at = max(target, now - self.CATCH_UP) + self.interval

    async def admit(self) -> None:
        """Right before the request goes (after its `sending` mark, which takes a moment of
        its own): never more than `rate` requests in any window, counted where they go."""
        while not self.closed:
            now = time.monotonic()
            if len(self.sent) < self.rate or self.sent[0] + WINDOW + WINDOW_MARGIN <= now:
                self.sent.append(now)
                return
            await asyncio.sleep(self.sent[0] + WINDOW + WINDOW_MARGIN - now)


class Engine:
    def __init__(self, application: AnyApplication) -> None:
        self.application = application
        services = services_of(application)
        self.services = services
        self.rate = services.settings.broadcast_rate
        self.pacer = Pacer(self.rate)
        self.batch = max(1, self.rate // 10)  # taken per pass: a tenth of a second
        # deliveries taken from the queue at once (held in memory, still `queued` in the
        # database until their call starts); half a second of sending hides slow round trips
        self.window = max(2, self.rate // 2)
        # API calls at once: httpx keeps a connection per concurrent call and scans them all
        # for every request, so an unbounded number costs CPU without adding throughput.
        # Only a call holding this is marked `sending`: what a kill -9 can leave uncertain.
        self.concurrency = max(8, self.rate // 8)
        self.calls = asyncio.Semaphore(self.concurrency)
        self.reserved: set[int] = set()  # delivery ids held by a task, until recorded
        self.to_mark: dict[int, list[int]] = {}  # a task's first row -> the rows its call sends
        self._marks: list[tuple[list[int], asyncio.Future[set[int]]]] = []
        self._marker: asyncio.Task[None] | None = None
        self._recording: set[int] = set()  # delivery ids of outcomes being written
        self.chat_free_at: dict[int, float] = {}
        self.retry_at: dict[int, float] = {}
        self.busy_chats: set[int] = set()
        self.inflight: set[asyncio.Task[None]] = set()
        self.outcomes: list[Outcome] = []
        self.photos: list[tuple[int, str, str]] = []
        self.stops: dict[int, str] = {}
        self.stopped: set[int] = set()  # messages Telegram refused: nothing more is tried
        self.renderings: dict[tuple[int, str], Rendering] = {}
        self.uploading: dict[tuple[int, str], asyncio.Lock] = {}
        self.wakeup = asyncio.Event()
        self.idle = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._alerts: set[asyncio.Task[None]] = set()
        self._flushing = False
        self.closing = False
        self.on_settled: list[SettledHook] = []
        self.on_failure: list[FailureHook] = []

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        db, now = self.services.db, self.services.clock.now()
        uncertain = await db.write(deliveries.recover, now)
        if uncertain:
            log.warning("%d deliveries were in flight when the bot stopped: uncertain", uncertain)
        await self._settle(await db.read(deliveries.unsettled))
        self._tasks = [
            asyncio.create_task(self._dispatch(), name="delivery-dispatch"),
            asyncio.create_task(self._flush_loop(), name="delivery-flush"),
        ]

    async def stop(self) -> None:
        """Stop taking work; calls already at Telegram finish and are recorded, the rest go
        back to the queue (a graceful stop leaves nothing uncertain). Notifications due now
        are given up to STOP_GRACE seconds to go out first; broadcasts resume at the next start."""
        deadline = time.monotonic() + STOP_GRACE
        while self._tasks and time.monotonic() < deadline:
            waiting = await self.services.db.read(
                deliveries.notifications_due, self.services.clock.now()
            )
            if not waiting and not self.outcomes and not self._flushing:
                break
            self.wakeup.set()
            await asyncio.sleep(0.05)
        self.closing = True
        self.pacer.closed = True
        self.wakeup.set()
        # the loops see `closing` and return (a cancelled claim or record could leave rows
        # `sending` that never reached Telegram); cancelled only if they do not
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=5)
            for task in late:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.inflight:
            await asyncio.wait(self.inflight, timeout=10)
        await self._flush()
        self.idle.set()

    def wake(self) -> None:
        self.idle.clear()
        self.wakeup.set()

    async def wait_idle(self, timeout: float) -> None:  # noqa: ASYNC109
        """Until nothing is ready to send now (the tests' and the shell's settle)."""
        await asyncio.wait_for(self.idle.wait(), timeout)

    # ---- the dispatcher -----------------------------------------------------------------------
    async def _dispatch(self) -> None:
        while not self.closing:
            try:
                await self._dispatch_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the delivery dispatcher failed; retrying in a second")
                await asyncio.sleep(1)

    async def _dispatch_once(self) -> None:
        if len(self.inflight) >= self.window:
            await asyncio.wait(self.inflight, return_when=asyncio.FIRST_COMPLETED)
            return
        self.wakeup.clear()
        db, clock = self.services.db, self.services.clock
        limit = self.window + 4 * self.batch + 100  # rows held by tasks are still `queued`
        rows = await db.read(deliveries.ready, clock.now(), limit)
        if self.closing:
            return
        rows = [row for row in rows if row.id not in self.reserved]
        now = time.monotonic()
        picked: list[Ready] = []
        chats: set[int] = set()
        next_free = now + 1.0
        for row in rows:
            free_at = max(self.chat_free_at.get(row.chat_id, 0.0), self.retry_at.get(row.id, 0.0))
            if row.chat_id in chats or row.chat_id in self.busy_chats or free_at > now:
                if free_at > now:
                    next_free = min(next_free, free_at)
                continue
            picked.append(row)
            chats.add(row.chat_id)
            if len(picked) >= min(self.batch, self.window - len(self.inflight)):
                break
        if not picked:
            if not rows and not self.inflight and not self.outcomes and not self._flushing:
                self.idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wakeup.wait(), max(0.01, next_free - now))
            return
        held: dict[int, list[Ready]] = {}
        digest_chats = {r.chat_id for r in picked if r.held}
        for row in rows:  # a person's held broadcasts go out together, as one digest
            if row.held and row.chat_id in digest_chats:
                held.setdefault(row.chat_id, []).append(row)
        for row in picked:  # marked `sending` by the task, when its call is about to start
            self.busy_chats.add(row.chat_id)
            group = held.get(row.chat_id, [row]) if row.held else [row]
            self.reserved.update(r.id for r in group)
            self.to_mark[row.id] = [r.id for r in group]
            if row.held:
                task = asyncio.create_task(self._send_digest(group))
            else:
                task = asyncio.create_task(self._send(row))
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)

    # ---- marking `sending`, just before a call starts -----------------------------------------
    async def _begin(self, row: Ready) -> None:
        """Mark the row (or the digest it leads) `sending`: called once its call holds a
        pacing slot. Calls starting together share one write (the marker task)."""
        ids = self.to_mark.pop(row.id, None)
        if ids is None:  # already marked (a photo then its text: two calls, one delivery)
            return
        for other in ids:
            self.to_mark.pop(other, None)
        future: asyncio.Future[set[int]] = asyncio.get_running_loop().create_future()
        self._marks.append((ids, future))
        if self._marker is None or self._marker.done():
            self._marker = asyncio.create_task(self._mark_loop(), name="delivery-mark")
        try:
            claimed = await future
        except Exception as exc:
            raise _NotStarted from exc
        if row.id not in claimed:
            raise _NotStarted

    async def _mark_loop(self) -> None:
        db, clock = self.services.db, self.services.clock
        for _ in range(self.pacer.burst):  # the other calls of this burst take their slots
            await asyncio.sleep(0)
        while self._marks:
            batch, self._marks = self._marks, []
            wanted = sorted({i for ids, _ in batch for i in ids})
            try:
                claimed = set(await db.write(deliveries.claim, wanted, clock.now()))
            except Exception as exc:  # e.g. busy: those deliveries stay queued, tried again
                log.warning("could not mark deliveries sending: %s", type(exc).__name__)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(claimed)

    # ---- one delivery -------------------------------------------------------------------------
    async def _rendering(self, row: Ready) -> Rendering | None:
        key = (row.message_id, row.language)
        if key not in self.renderings:
            found = await self.services.db.read(deliveries.rendering, row.message_id, row.language)
            if found is None:
                return None
            self.renderings.setdefault(key, found)  # another task may have cached a file_id
            if len(self.renderings) > 256:
                self.renderings.pop(next(iter(self.renderings)))
        return self.renderings[key]

    async def _call(self, row: Ready, method: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """One API call of a delivery (send.Call), at its pacing slot, marked `sending`."""
        chat_id = row.chat_id
        free_at = self.chat_free_at.get(chat_id, 0.0)
        if free_at > time.monotonic() and not self.closing:
            await asyncio.sleep(free_at - time.monotonic())
        async with self.calls:
            await self.pacer.slot()
            if row.message_id in self.stopped:
                raise _Stopped
            if self.closing:
                raise _Closing
            await self._begin(row)
            if self.pacer.paused_until > time.monotonic():  # a 429 arrived during the mark
                await self.pacer.slot()
            await self.pacer.admit()
            self.chat_free_at[chat_id] = time.monotonic() + CHAT_GAP
            if self.application.bot.rate_limiter is not None:
                kw["rate_limit_args"] = ENGINE_CALL
            return await method(chat_id, *args, **kw)

    async def _deliver(self, row: Ready, message: Rendering) -> None:
        await send.send(
            partial(self._call, row),
            self.application.bot,
            message,
            on_photo=partial(self._remember_photo, row, message),
        )

    def _remember_photo(self, row: Ready, message: Rendering, sent: Message) -> None:
        if message.photo_id is None and sent.photo:
            file_id = sent.photo[-1].file_id
            key = (row.message_id, row.language)
            self.renderings[key] = Rendering(
                message.text, message.buttons, None, file_id, message.document_id
            )
            self.photos.append((row.message_id, row.language, file_id))

    async def _deliver_one(self, row: Ready) -> Outcome:
        message = await self._rendering(row)
        if message is None:
            return Outcome(row.id, "failed", row.chat_id, "no rendering")
        if message.photo is not None and message.photo_id is None:
            # the first recipient uploads the photo; the others wait for its file_id
            key = (row.message_id, row.language)
            async with self.uploading.setdefault(key, asyncio.Lock()):
                await self._deliver(row, self.renderings.get(key, message))
        else:
            await self._deliver(row, message)
        return Outcome(row.id, "sent", row.chat_id)

    async def _attempt(
        self, row: Ready, action: Callable[[], Coroutine[Any, Any, Outcome]]
    ) -> Outcome:
        """One delivery's API work, and what its result or error means."""
        try:
            return await action()
        except _Stopped:
            return Outcome(row.id, "cancelled", row.chat_id, "stopped")
        except (_Closing, _NotStarted):  # never reached Telegram: still queued (or settled)
            return Outcome(row.id, "queued", row.chat_id, retry=True)
        except RetryAfter as exc:
            self.pacer.pause(send.retry_seconds(exc))
            return Outcome(row.id, "queued", row.chat_id, "retry after", retry=True)
        except Forbidden as exc:
            return Outcome(row.id, "unreachable", row.chat_id, exc.message[:200])
        except BadRequest as exc:
            if send.chat_error(exc.message):
                return Outcome(row.id, "unreachable", row.chat_id, exc.message[:200])
            self.stops[row.message_id] = exc.message[:200]
            self.stopped.add(row.message_id)
            return Outcome(row.id, "failed", row.chat_id, exc.message[:200])
        except TimedOut as exc:
            if isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout):
                return self._retry(row, "connect timeout")
            # the request may have reached Telegram: do not guess
            return Outcome(row.id, "uncertain", row.chat_id, "timed out")
        except NetworkError as exc:
            return self._retry(row, exc.message[:200])
        except TelegramError as exc:
            return Outcome(row.id, "failed", row.chat_id, exc.message[:200])
        except Exception as exc:
            log.exception("delivery %s failed unexpectedly", row.id)
            return Outcome(row.id, "failed", row.chat_id, type(exc).__name__)

    def _done(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self.wakeup.set()
        if outcome.status == "failed":  # e.g. the board hears of a burst (bot/delivery/alerts)
            for hook in self.on_failure:
                task = asyncio.create_task(hook(self.application))
                self._alerts.add(task)
                task.add_done_callback(self._alerts.discard)

    async def _send(self, row: Ready) -> None:
        try:
            self._done(await self._attempt(row, lambda: self._deliver_one(row)))
        finally:
            self.busy_chats.discard(row.chat_id)
            self._release([row])

    async def _send_digest(self, rows: list[Ready]) -> None:
        """Broadcasts held for one person's daily-digest time: one message when they are all
        plain text and fit, else one after another."""
        try:
            combined = await self._combined(rows)
            if combined is None:  # one after another: each marked `sending` at its own call
                self.to_mark.update({row.id: [row.id] for row in rows})
                for row in rows:
                    self._done(await self._attempt(row, partial(self._deliver_one, row)))
                return
            first = rows[0]

            async def deliver() -> Outcome:
                await self._deliver(first, Rendering(combined))
                return Outcome(first.id, "sent", first.chat_id)

            outcome = await self._attempt(first, deliver)
            for row in rows:
                if row.id != first.id and first.id in self.retry_at:
                    self.retry_at[row.id] = self.retry_at[first.id]
                self._done(replace(outcome, delivery_id=row.id))
        finally:
            self.busy_chats.discard(rows[0].chat_id)
            self._release(rows)

    def _release(self, rows: list[Ready]) -> None:
        """A task ended: rows it gave no outcome for (it failed before any call) were never
        marked and are free to be taken again; the others are freed once recorded."""
        reported = {o.delivery_id for o in self.outcomes} | self._recording
        for row in rows:
            self.to_mark.pop(row.id, None)
            if row.id not in reported:
                self.reserved.discard(row.id)

    async def _combined(self, rows: list[Ready]) -> str | None:
        if len(rows) < 2:
            return None
        texts = []
        for row in rows:
            message = await self._rendering(row)
            if message is None or message.buttons or message.photo is not None:
                return None
            if message.photo_id is not None or message.document_id is not None:
                return None
            texts.append(message.text)
        tr = self.services.tr(rows[0].language if rows[0].language != "*" else None)
        text = tr._("<b>Today's BKM broadcasts</b>") + "\n\n" + "\n\n— — —\n\n".join(texts)
        return text if len(text) <= DIGEST_LIMIT else None

    def _retry(self, row: Ready, error: str) -> Outcome:
        if row.attempts + 1 >= MAX_ATTEMPTS:  # row.attempts: the tries before this one
            return Outcome(row.id, "failed", row.chat_id, error)
        self.retry_at[row.id] = time.monotonic() + min(30.0, BACKOFF * 2**row.attempts)
        return Outcome(row.id, "queued", row.chat_id, error)

    # ---- recording outcomes -------------------------------------------------------------------
    async def _flush_loop(self) -> None:
        while not self.closing:
            await asyncio.sleep(0.05)
            try:
                await self._flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not record delivery outcomes; retrying")
                await asyncio.sleep(1)

    async def _flush(self) -> None:
        if not (self.outcomes or self.photos or self.stops):
            return
        self._flushing = True
        try:
            await self._record()
        finally:
            self._flushing = False
            self.wakeup.set()

    async def _record(self) -> None:
        outcomes, self.outcomes = self.outcomes, []
        photos, self.photos = self.photos, []
        stops, self.stops = self.stops, {}
        now = self.services.clock.now()
        self._recording = {o.delivery_id for o in outcomes}

        def record(conn: Any) -> list[int]:
            touched = set(deliveries.finish(conn, outcomes, now))
            for message_id, language, file_id in photos:
                deliveries.remember_photo(conn, message_id, language, file_id)
            for message_id, reason in stops.items():
                deliveries.stop(conn, message_id, now, reason)
                touched.add(message_id)
            return sorted(touched)

        try:
            touched = await self.services.db.write(record)
        except Exception:  # e.g. the database was busy: keep them for the next try
            self.outcomes[:0] = outcomes
            self.photos[:0] = photos
            self.stops = {**stops, **self.stops}
            raise
        finally:
            self._recording = set()
        for outcome in outcomes:
            self.reserved.discard(outcome.delivery_id)
            if outcome.status != "queued":
                self.retry_at.pop(outcome.delivery_id, None)
        await self._settle(touched)

    async def _settle(self, message_ids: list[int]) -> None:
        if not message_ids:
            return
        now = self.services.clock.now()
        reports = await self.services.db.write(deliveries.settle, message_ids, now)
        for figures in reports:
            for hook in self.on_settled:
                try:
                    await hook(self.application, figures)
                except Exception:
                    log.exception("could not queue the report of message %s", figures.message_id)


def engine_of(application: AnyApplication) -> Engine | None:
    return services_of(application).engine


def wake(application: AnyApplication) -> None:
    engine = engine_of(application)
    if engine is not None:
        engine.wake()


async def start(
    application: AnyApplication,
    *,
    on_settled: Sequence[SettledHook] = (),
    on_failure: Sequence[FailureHook] = (),
) -> Engine:
    """Start the engine with its hooks (bot/delivery/lifecycle.py names them)."""
    engine = Engine(application)
    engine.on_settled.extend(on_settled)
    engine.on_failure.extend(on_failure)
    services_of(application).engine = engine
    await engine.start()
    return engine


async def stop(application: AnyApplication) -> None:
    engine = engine_of(application)
    if engine is not None:
        await engine.stop()
        services_of(application).engine = None


async def wait_sent(application: AnyApplication, message_id: int, timeout: float) -> None:  # noqa: ASYNC109
    """Until a message has nothing left to send now, or `timeout` seconds; returns at once
    when the engine is not running (it will send them when it starts)."""
    engine = engine_of(application)
    if engine is None or engine.closing:
        return
    services = services_of(application)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not engine.closing:
        if not await services.db.read(deliveries.unsent, message_id, services.clock.now()):
            return
        await asyncio.sleep(0.02)


async def drain(application: AnyApplication, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until the engine has nothing ready to send (held digests do not count)."""
    engine = engine_of(application)
    if engine is not None:
        await engine.wait_idle(timeout)
