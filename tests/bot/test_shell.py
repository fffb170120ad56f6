"""`bkm-bot shell` on a kept database (issue 13, item 12).

A second run on the same file continues where the first left off: its updates are numbered
after those the database saw, so the redelivery guard drops none of them. `--demo` seeds
only an empty database; on any other it says so in one line and changes nothing.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.shell import run_shell
from handlers.budget.cli import import_file

RECORDS = (
    "people",
    "proposals",
    "proposal_endorsements",
    "grievances",
    "polls",
    "poll_votes",
    "budget_lines",
    "budget_realisations",
    "audit",
)


@pytest.fixture
def shell_settings(tmp_path: Path) -> Settings:
    # As `bkm-bot shell` runs: no admins configured, no backups, the digest off.
    return Settings(database=tmp_path / "shell.sqlite3", digest=False, backup_dir=None)


async def shell(
    settings: Settings, clock: FakeClock, lines: str, *, demo: bool = False, admin: bool = False
) -> str:
    """One `bkm-bot shell` run with piped input; what it printed."""
    out = io.StringIO()
    status = await run_shell(
        settings,
        user_id=None,
        admin=admin,
        demo=demo,
        stdin=io.StringIO(lines),
        stdout=out,
        clock=clock,
    )
    assert status == 0
    clock.advance(timedelta(minutes=1))
    return out.getvalue()


def replies_to(output: str, said: str) -> list[str]:
    """The bot's lines printed after the person's `said` line, up to their next line."""
    lines = output.splitlines()
    start = lines.index(f"person 1> {said}")
    after: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("person "):
            break
        after.append(line)
    return [line for line in after if line.startswith("bot")]


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def records(database: Path) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows(database, f"SELECT * FROM {table} ORDER BY 1") for table in RECORDS}


async def test_a_second_shell_run_continues_the_flow_left_midway(
    shell_settings: Settings, clock: FakeClock
) -> None:
    first = await shell(shell_settings, clock, "/daftar\nBudi Santoso\n")
    assert "RT dan RW" in "\n".join(replies_to(first, "Budi Santoso"))

    # The next run answers from its very first message on: the RT/RW, the gender, submit.
    second = await shell(shell_settings, clock, "3/5\n3\n1\n")
    assert "Jenis kelamin" in "\n".join(replies_to(second, "3/5"))
    assert replies_to(second, "1"), second
    assert rows(
        shell_settings.database, "SELECT full_name, rt, rw, status FROM membership_applications"
    ) == [("Budi Santoso", 3, 5, "pending")]

    # A third run, after the flow has ended, is answered too.
    third = await shell(shell_settings, clock, "/daftar\n")
    assert replies_to(third, "/daftar"), third


async def test_demo_twice_says_so_and_changes_nothing(
    shell_settings: Settings, clock: FakeClock
) -> None:
    first = await shell(shell_settings, clock, "", demo=True)
    assert "Demo kelurahan ready" in first
    before = records(shell_settings.database)
    assert before["budget_realisations"] and before["budget_lines"]

    second = await shell(shell_settings, clock, "", demo=True)
    assert records(shell_settings.database) == before
    said = [line for line in second.splitlines() if "Demo" in line]
    assert len(said) == 1 and "not seeded" in said[0] and "nothing was changed" in said[0]


async def test_demo_leaves_an_imported_budget_alone(
    shell_settings: Settings, clock: FakeClock, tmp_path: Path
) -> None:
    year = clock.now().year
    budget_file = tmp_path / "anggaran.csv"
    budget_file.write_text(
        "tahun,program,kegiatan,bidang,sumber_dana,rw,ksm,anggaran,realisasi\n"
        f"{year},Drainase,Normalisasi saluran,lingkungan,BLM,5,KSM Tirta,61.000.000,1.000.000\n"
        f"{year},Posyandu,Makanan tambahan,sosial,APBD,,KSM Ibu,18.000.000,0\n"
    )
    assert import_file(shell_settings, budget_file) == 0
    before = records(shell_settings.database)
    assert len(before["budget_lines"]) == 2

    output = await shell(shell_settings, clock, "", demo=True)
    assert records(shell_settings.database) == before
    assert "Demo not seeded" in output and "budget_lines" in output


async def test_demo_still_goes_into_a_fresh_database_with_the_admin_configured(
    shell_settings: Settings, clock: FakeClock
) -> None:
    output = await shell(shell_settings, clock, "", demo=True, admin=True)
    assert "Demo kelurahan ready" in output
    assert rows(shell_settings.database, "SELECT COUNT(*) FROM people") == [(10,)]
