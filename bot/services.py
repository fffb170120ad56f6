"""What every handler needs, built once per Application: settings, database, clock, texts,
and what the process keeps in memory while it runs (typed, never stored)."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.clock import Clock
from bot.config import Settings
from bot.features import Registry
from bot.i18n import Translator
from storage import migrate, people
from storage.db import Database

if TYPE_CHECKING:
    from bot.delivery.engine import Engine

T = TypeVar("T")

# /status's queue sizes, {N_() label: size}; returned or awaited
QueueSizes = Callable[[], Mapping[str, int] | Awaitable[Mapping[str, int]]]


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    translators: dict[str, Translator]
    registry: Registry
    # ---- in memory, this process only (none of it survives a restart) ----
    engine: Engine | None = None  # the delivery engine while it runs (bot.delivery)
    queue_sizes: QueueSizes | None = None  # set by the delivery engine's feature at start
    # presses answered while their update is processed, callback query ids (bot.access)
    answered_queries: set[str] = field(default_factory=set)
    # the question each flow last asked, by (flow, chat id, user id): (text, kwargs)
    flow_questions: dict[tuple[str, int, int], tuple[str, dict[str, Any]]] = field(
        default_factory=dict
    )
    bursts: dict[str, deque[datetime]] = field(default_factory=dict)  # bot.delivery.alerts
    _memory: dict[type[Any], Any] = field(default_factory=dict)
    _ready: asyncio.Lock = field(default_factory=asyncio.Lock)

    def tr(self, language: str | None) -> Translator:
        return self.translators.get(language or "", self.translators[self.settings.locale])

    def memory(self, kind: type[T]) -> T:
        """A feature's in-memory state: one `kind()` per application, made on first use.
        `kind` is a class the feature declares (a dataclass of its fields)."""
        found: T | None = self._memory.get(kind)
        if found is None:
            found = self._memory[kind] = kind()
        return found

    async def ready(self) -> None:
        """Open and migrate the database and make BKM_ADMINS board members; once."""
        async with self._ready:
            if self.db.is_open:
                return
            await self.db.open()
            await self.db.read(migrate.apply, self.db.path)
            await self.db.write(people.ensure_board, self.settings.admins, self.clock.now())
