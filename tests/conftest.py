"""Fixtures: a real SQLite file per test, the real Application on the offline transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import migrate
from storage.db import Database

BOARD_ID = 1001  # Telegram id that BKM_ADMINS names in these tests


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The monthly digest is off: a test moving the clock to the 1st of a month would get it
    # as an extra message. The digest tests turn it on themselves.
    return Settings(database=tmp_path / "bkm.sqlite3", admins=frozenset({BOARD_ID}), digest=False)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database file under tmp_path."""
    database = Database(tmp_path / "repo.sqlite3")
    await database.open()
    await database.read(migrate.apply, database.path)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> FakeBotAPI:
    return FakeBotAPI()


@pytest.fixture
async def bot(settings: Settings, api: FakeBotAPI, clock: FakeClock) -> AsyncIterator[Simulator]:
    """The real Application, started, driven through update_queue."""
    application = build_application(settings, transport=OfflineTransport(api), clock=clock)
    async with running(application):
        yield Simulator(application, api)


@pytest.fixture
def make_bot(api: FakeBotAPI, clock: FakeClock):  # type: ignore[no-untyped-def]
    """Build another Application over the same database (a restart), with other settings."""

    def make(settings: Settings, **changes: object) -> Simulator:
        application = build_application(
            replace(settings, **changes), transport=OfflineTransport(api), clock=clock
        )
        return Simulator(application, api)

    return make
