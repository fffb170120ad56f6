"""What every handler needs, built once per Application: settings, database, clock, texts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.features import Registry
from bot.i18n import Translator
from storage import migrate, people
from storage.db import Database


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    translators: dict[str, Translator]
    registry: Registry
    _ready: asyncio.Lock = field(default_factory=asyncio.Lock)

    def tr(self, language: str | None) -> Translator:
        return self.translators.get(language or "", self.translators[self.settings.locale])

    async def ready(self) -> None:
        """Open and migrate the database and make BKM_ADMINS board members; once."""
        async with self._ready:
            if self.db.is_open:
                return
            await self.db.open()
            await self.db.read(migrate.apply, self.db.path)
            await self.db.write(people.ensure_board, self.settings.admins, self.clock.now())
