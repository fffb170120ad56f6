"""Fixtures: a real SQLite file per test, the real Application on the offline transport.

Set-up shared by the whole run (speed, not skipping): the catalogs are compiled once (the
`.mo` files the wheel ships), and each test's database file is a copy of one migrated
template instead of running every migration again.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import migrate
from storage.db import Database
from tests.support import catalogs, databases

BOARD_ID = 1001  # Telegram id that BKM_ADMINS names in these tests

# Where the FakeClock starts. Every test starts on the first; a test marked
# `@pytest.mark.dates` (deadlines, working days, schedules, recurrence, digest, retention)
# runs once from each: a holiday, a leap day, and one minute before a new year in WIB.
CLOCK_STARTS = {
    "sat-28-nov": datetime(2026, 11, 28, 3, 0, tzinfo=UTC),  # Saturday 10:00 WIB
    "christmas": datetime(2026, 12, 25, 3, 0, tzinfo=UTC),  # Friday, a public holiday
    "leap-day": datetime(2028, 2, 29, 3, 0, tzinfo=UTC),  # Tuesday 10:00 WIB
    "new-years-eve": datetime(2026, 12, 31, 23, 59, tzinfo=ZoneInfo("Asia/Jakarta")),
}


def pytest_configure(config: pytest.Config) -> None:
    # As build_application does for the bot: PTB 22 warns when a RetryAfter is made without
    # the timedelta opt-in, and some tests make one before (or without) any application.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    catalogs.compile_stale()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The slow tests first (a stable sort: each group keeps its order): with workers, the long
    # ones then run beside the many short ones instead of alone at the end.
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker("dates") or os.environ.get("BKM_ALL_DATES")
    if marked and "clock" in metafunc.fixturenames:
        metafunc.parametrize("clock_start", list(CLOCK_STARTS.values()), ids=list(CLOCK_STARTS))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One database file with every migration applied, copied for each test that needs one."""
    path = databases.make_template(tmp_path_factory.mktemp("template") / "template.sqlite3")
    yield path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path) -> Settings:
    # The monthly digest is off: a test moving the clock to the 1st of a month would get it
    # as an extra message. The digest tests turn it on themselves.
    database = tmp_path / "bkm.sqlite3"
    shutil.copyfile(migrated_template, database)  # what the first start would leave
    return Settings(database=database, admins=frozenset({BOARD_ID}), digest=False)


@pytest.fixture
async def db(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Database]:
    """A migrated database file under tmp_path."""
    path = tmp_path / "repo.sqlite3"
    shutil.copyfile(migrated_template, path)
    database = Database(path)
    await database.open()
    await database.read(migrate.apply, database.path)  # nothing left to apply: a check
    yield database
    await database.close()


@pytest.fixture
def clock_start() -> datetime:
    """Where the FakeClock starts (parametrized for tests marked `dates`)."""
    return CLOCK_STARTS["sat-28-nov"]


@pytest.fixture
def clock(clock_start: datetime) -> FakeClock:
    return FakeClock(clock_start.astimezone(UTC))


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
