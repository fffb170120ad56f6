"""Update processing: one person's updates strictly in order, different people concurrently."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def person_key(update: object) -> int | None:
    """The Telegram user an update comes from (None for updates without one)."""
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerPersonUpdateProcessor(BaseUpdateProcessor):
    """Serialise each person's updates with a lock of their own; free the lock when idle.

    Updates are started in the order the Application takes them from update_queue, and
    asyncio.Lock wakes waiters first-in first-out, so one person's updates are handled in
    arrival order. A person's lock lives only while they have updates in flight.
    """

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}
        self._processed = 0
        self._progress = asyncio.Condition()
        self.started_at = time.monotonic()
        # Called with each update when its processing ends, under the person's lock (the
        # application sets it: bot.access.answer_leftover answers a press left unanswered).
        self.finished: Callable[[object], Awaitable[None]] | None = None

    @property
    def active_people(self) -> int:
        """How many people have updates in flight (their locks exist)."""
        return len(self._locks)

    @property
    def processed(self) -> int:
        """Updates finished since start, whatever their outcome."""
        return self._processed

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = person_key(update)
        try:
            if key is None:
                await self._run(update, coroutine)
                return
            lock, users = self._locks.get(key, (asyncio.Lock(), 0))
            self._locks[key] = (lock, users + 1)
            try:
                async with lock:
                    await self._run(update, coroutine)
            finally:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)
        finally:
            async with self._progress:
                self._processed += 1
                self._progress.notify_all()

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await coroutine
        finally:
            if self.finished is not None:
                await self.finished(update)

    async def wait_processed(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until at least `count` updates have finished since start."""
        async with asyncio.timeout(timeout), self._progress:
            await self._progress.wait_for(lambda: self._processed >= count)

    async def initialize(self) -> None:
        """Mark the start (uptime in /status)."""
        self.started_at = time.monotonic()

    @property
    def uptime(self) -> float:
        """Seconds since the application started."""
        return time.monotonic() - self.started_at

    async def shutdown(self) -> None:
        """Nothing to tear down; in-flight updates finish under their locks."""
