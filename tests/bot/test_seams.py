"""The seams features plug into: registries, schedules through the app, the error handler."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import CommandHandler

from bot import scheduling
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import (
    AdminItem,
    Feature,
    Registry,
    ScheduledAction,
    Section,
    combine,
    discover,
)
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from storage import schedules
from storage.schedules import Schedule
from tests.conftest import BOARD_ID
from tests.support.cli import run_cli
from tests.support.i18n import tr_id, tr_part


def test_discovery_collects_every_feature_in_order() -> None:
    registry = discover()
    names = [f.name for f in registry.features]
    assert names[0] == "core"
    assert {"core", "admin", "membership", "transparency"} <= set(names)
    assert [c.id for c in registry.commands].count("bantuan") == 1
    assert "participation" in registry.exports
    assert "members" in [s.key for s in registry.digest]


def _with(extra: Feature) -> Registry:
    return Registry((*discover().features, extra))


async def test_a_feature_adds_a_transparency_section_and_an_admin_item(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    async def render(db: Any, tr: Any, now: Any) -> str:
        return "<b>Budget</b> " + tr.money(2_000_000)

    feature = Feature(
        name="budget_test",
        order=50,
        transparency=(Section("budget", 50, render),),
        admin_menu=(AdminItem("budget", "Cancel", 50),),
    )
    from bot.app import build_application

    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=_with(feature)
    )
    async with running(app):
        bot = Simulator(app, api)
        page = (await bot.send(7, "/transparansi"))[-1].text
        assert (
            tr_part(
                "<b>Participation</b>\nResidents using the bot: "
                "{residents}\nVerified members: {members}"
            )
            in page
            and "Budget Rp2.000.000" in page
        )
        assert page.index("Partisipasi") < page.index("Budget")  # sections in order
        menu = (await bot.send(BOARD_ID, "/admin"))[-1]
        assert [b["callback_data"] for b in menu.buttons][-1] == "adm:budget"
        assert menu.buttons[-1]["text"] == "Batal"  # labels are translated when shown


async def test_a_long_transparency_page_is_split_within_telegram_limits(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    async def render(db: Any, tr: Any, now: Any) -> str:
        return "\n".join(f"<b>Baris {i}</b> " + "x" * 60 for i in range(200))

    feature = Feature(name="long", order=60, transparency=(Section("long", 60, render),))
    from bot.app import build_application

    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=_with(feature)
    )
    async with running(app):
        calls = await Simulator(app, api).send(7, "/transparansi")
    pages = [c for c in calls if c.method == "sendMessage"]
    assert len(pages) >= 4
    assert all(c.error is None for c in calls)
    assert "Baris 199" in pages[-1].text


async def test_schedules_due_while_down_run_at_start_exactly_once(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    fired: list[str] = []

    def claim(conn: sqlite3.Connection, schedule: Schedule, now: Any) -> str:
        return schedule.object_id

    async def after(application: Any, object_id: str) -> None:
        fired.append(object_id)

    feature = Feature(
        name="sched", order=70, schedules=(ScheduledAction("test.close", claim, after),)
    )
    from bot.app import build_application

    registry = _with(feature)
    first = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(first):
        db = first.services.db
        await db.write(
            schedules.put,
            kind="test.close",
            object_id="old",
            due_at=clock.now() + timedelta(minutes=5),
        )
        await db.write(
            schedules.put,
            kind="test.close",
            object_id="later",
            due_at=clock.now() + timedelta(days=3),
        )
    clock.advance(timedelta(days=1))  # the bot was down when "old" fell due
    for _ in range(2):  # two restarts: "old" runs once
        app = build_application(
            settings, transport=OfflineTransport(api), clock=clock, registry=registry
        )
        async with running(app):
            # under a FakeClock no job fires on the machine's time: the tests drive run_due
            jobs = [j.name for j in app.job_queue.jobs()]  # type: ignore[union-attr]
            assert not any(name and name.startswith("schedule:") for name in jobs)
    assert fired == ["old"]


class MachineAlignedClock(FakeClock):
    """A fixed clock that lets the job queue fire jobs, as the real one does."""

    follows_machine_time = True


@pytest.mark.parametrize(
    "start", [datetime(2019, 3, 1, tzinfo=UTC), datetime(2031, 5, 1, tzinfo=UTC)]
)
async def test_a_job_waits_the_schedules_delay_on_the_apps_clock_whatever_the_machines_date(
    settings: Settings, api: FakeBotAPI, start: datetime
) -> None:
    """The job queue runs on the machine's time; a schedule two hours ahead on the app's
    clock fires two hours from now, never at once (its due_at is in the machine's past when
    the clock is behind) nor years later."""
    from bot.app import build_application

    clock = MachineAlignedClock(start)
    app = build_application(settings, transport=OfflineTransport(api), clock=clock)
    async with running(app):
        db = app.services.db
        row = await db.write(
            schedules.put, kind="test.close", object_id="x", due_at=start + timedelta(hours=2)
        )
        scheduling.arm(app, row)
        [job] = app.job_queue.get_jobs_by_name(f"schedule:{row.id}")  # type: ignore[union-attr]
        assert job.next_t is not None
        delay = job.next_t - datetime.now(UTC)  # the job queue's own (machine) time
        assert timedelta(hours=1, minutes=58) < delay <= timedelta(hours=2)


async def test_an_unexpected_error_is_logged_and_the_person_is_told(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, caplog: Any
) -> None:
    async def broken(update: Any, context: Any) -> None:
        raise ZeroDivisionError("boom")

    feature = Feature(name="broken", order=1, handlers=lambda: [CommandHandler("rusak", broken)])
    from bot.app import build_application

    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=_with(feature)
    )
    async with running(app):
        calls = await Simulator(app, api).send(8, "/rusak")
    assert tr_id("Sorry, something went wrong. Please try again in a moment.") in calls[-1].text
    assert "boom" not in calls[-1].text and "Traceback" not in calls[-1].text
    assert any(r.exc_info and r.exc_info[0] is ZeroDivisionError for r in caplog.records)


@pytest.mark.slow
def test_piped_shell_prints_every_reply_with_numbered_buttons(tmp_path: Path) -> None:
    result = run_cli(["shell"], tmp_path, stdin="/start\n/bantuan\n/bahasa\n2\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Selamat datang" in out
    assert "] Transparansi" in out  # a numbered button; features add menu items before it
    assert "/daftar — Daftar menjadi anggota" in out
    assert tr_id("Choose your language:") in out and "[2] English" in out
    assert "I will speak English" in out
    assert (tmp_path / "bkm-shell.sqlite3").exists()
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_shell_demo_and_switching_person(tmp_path: Path) -> None:
    result = run_cli(
        ["shell", "--demo", "--database", str(tmp_path / "d.sqlite3")],
        tmp_path,
        stdin="/transparansi\n/as 1\n/admin\n/as 8\n/admin\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Anggota terverifikasi: 7" in result.stdout  # 6 members + 1 board member
    assert "Menu pengurus" in result.stdout  # person 1 is the demo's board member
    assert (
        tr_id("Sorry, this is only for the BKM board.") in result.stdout
    )  # person 8 is a resident


@pytest.mark.slow
def test_shell_admin_flag(tmp_path: Path) -> None:
    result = run_cli(["shell", "--admin", "--user-id", "5"], tmp_path, stdin="/admin\n")
    assert "Menu pengurus" in result.stdout


@pytest.mark.slow
def test_export_writes_csv_from_the_registry(tmp_path: Path) -> None:
    database = str(tmp_path / "e.sqlite3")
    run_cli(["shell", "--demo", "--database", database], tmp_path)
    result = run_cli(["export", "participation"], tmp_path, BKM_DATABASE=database)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["rw", "residents", "members"]
    assert ["1", "2", "2"] in rows
    unknown = run_cli(["export", "nothing"], tmp_path, BKM_DATABASE=database)
    assert unknown.returncode == 2 and "participation" in unknown.stderr


async def test_features_start_before_overdue_schedules_run_and_stop_in_reverse(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    events: list[str] = []

    def hook(event: str) -> Any:
        async def run(application: Any) -> None:
            assert application.services.db.is_open  # the database is ready first
            events.append(event)

        return run

    def claim(conn: sqlite3.Connection, schedule: Schedule, now: Any) -> str:
        return schedule.object_id

    async def after(application: Any, object_id: str) -> None:
        events.append(f"due {object_id}")

    first = Feature("a", 70, on_start=hook("start a1"), on_stop=hook("stop a1"))
    second = Feature(
        "a",
        70,
        schedules=(ScheduledAction("test.hooks", claim, after),),
        on_start=hook("start a2"),
        on_stop=hook("stop a2"),
    )
    later = Feature("b", 80, on_start=hook("start b"), on_stop=hook("stop b"))
    registry = Registry((*discover().features, combine("a", 70, first, second), later))
    from bot.app import build_application

    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(app):
        await app.services.db.write(
            schedules.put, kind="test.hooks", object_id="x", due_at=clock.now()
        )
    events.clear()
    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(app):
        assert events == ["start a1", "start a2", "start b", "due x"]
        assert app.services.engine is not None  # the broadcasts feature started the engine
    # on_stop at post_stop and again at post_shutdown, each time in reverse order
    assert events[4:] == ["stop b", "stop a2", "stop a1"] * 2
    assert app.services.engine is None


def test_a_features_memory_is_its_own_per_application(settings: Settings) -> None:
    from bot.app import build_application
    from handlers.grievances.view import DailySalt

    one, two = build_application(settings), build_application(settings)
    assert one.services.memory(DailySalt) is one.services.memory(DailySalt)
    assert one.services.memory(DailySalt) is not two.services.memory(DailySalt)
