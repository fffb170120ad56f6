"""The database: migrations, backups and restore, the audit seam, schedules, people."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import audit, backup, migrate, people, schedules
from storage.db import Database, connect_sync
from storage.migrate import Migration, MigrationError
from tests.support.cli import run_main

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_migrations_are_numbered_and_set_user_version(tmp_path: Path) -> None:
    conn = connect_sync(tmp_path / "a.sqlite3")
    applied = migrate.apply(conn, tmp_path / "a.sqlite3")
    assert [m.version for m in applied] == list(range(1, len(applied) + 1))
    assert migrate.current_version(conn) == applied[-1].version
    assert migrate.apply(conn, tmp_path / "a.sqlite3") == []  # idempotent
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_failing_migration_leaves_the_database_exactly_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    conn = connect_sync(path)
    migrate.apply(conn, path)
    people.seen(
        conn, telegram_id=5, display_name="A", client_language="id", language="id", now=NOW
    )
    version = migrate.current_version(conn)
    schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    broken = [
        *migrate.available(),
        Migration(
            version + 1,
            "good.sql",
            "CREATE TABLE extra (id INTEGER PRIMARY KEY); INSERT INTO extra VALUES (1);",
        ),
        Migration(version + 2, "bad.sql", "ALTER TABLE people ADD COLUMN x; SELECT nonsense("),
    ]
    with pytest.raises(MigrationError):
        migrate.apply(conn, path, broken)
    assert migrate.current_version(conn) == version
    assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert conn.execute("SELECT COUNT(*) FROM people").fetchone()[0] == 1
    # a backup was taken before trying
    assert list(tmp_path.glob("b.sqlite3.pre-v*.bak"))


def test_cli_migrate_backup_and_restore(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_main(args, tmp_path, BKM_DATABASE=str(tmp_path / "bkm.sqlite3"))

    assert cli("db", "migrate").returncode == 0
    conn = connect_sync(tmp_path / "bkm.sqlite3")
    people.seen(
        conn, telegram_id=7, display_name="B", client_language="id", language="id", now=NOW
    )
    conn.close()
    result = cli("db", "backup", str(tmp_path / "copy.sqlite3"))
    assert result.returncode == 0, result.stderr
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT telegram_id FROM people").fetchall() == [(7,)]
    copy.close()

    corrupt = tmp_path / "corrupt.sqlite3"
    data = bytearray((tmp_path / "copy.sqlite3").read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)
    corrupt.write_bytes(bytes(data))
    before = _digest(tmp_path / "bkm.sqlite3")
    refused = cli("db", "restore", str(corrupt))
    assert refused.returncode == 1
    assert "integrity" in refused.stderr or "not a usable" in refused.stderr
    assert _digest(tmp_path / "bkm.sqlite3") == before

    (tmp_path / "text.sqlite3").write_text("not a database")
    assert cli("db", "restore", str(tmp_path / "text.sqlite3")).returncode == 1

    conn = connect_sync(tmp_path / "bkm.sqlite3")
    conn.execute("DELETE FROM people")
    conn.close()
    assert cli("db", "restore", str(tmp_path / "copy.sqlite3")).returncode == 0
    conn = connect_sync(tmp_path / "bkm.sqlite3")
    assert [tuple(r) for r in conn.execute("SELECT telegram_id FROM people")] == [(7,)]
    conn.close()


async def test_online_backup_while_the_bot_holds_the_connection(
    db: Database, tmp_path: Path
) -> None:
    await db.write(
        people.seen, telegram_id=9, display_name="C", client_language=None, language="id", now=NOW
    )
    await db.backup_to(tmp_path / "online.sqlite3")
    backup.check_file(tmp_path / "online.sqlite3")


async def test_audit_rows_are_written_in_the_transaction_and_never_changed(db: Database) -> None:
    # person 1 is a board member: storage refuses a board action by anyone else (NotBoard)
    await db.write(
        lambda conn: conn.execute(
            "INSERT INTO people (id, role, language, created_at) VALUES (1, 'pengurus', 'id', ?)",
            (NOW.isoformat(),),
        )
    )

    def change(conn: sqlite3.Connection) -> None:
        audit.record(
            conn,
            now=NOW,
            actor_id=1,
            actor_role="pengurus",
            action="test.done",
            object_type="thing",
            object_id=3,
            before={"s": "a"},
            after={"s": "b"},
        )
        raise RuntimeError("the change fails after its audit row")

    with pytest.raises(RuntimeError):
        await db.write(change)
    assert await db.read(audit.latest) == []  # rolled back together

    await db.write(
        lambda conn: audit.record(
            conn,
            now=NOW,
            actor_id=1,
            actor_role="pengurus",
            action="test.done",
            object_type="thing",
            object_id=3,
        )
    )
    [entry] = await db.read(audit.latest)
    assert (entry.action, entry.object_id, entry.actor_id) == ("test.done", "3", 1)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(lambda conn: conn.execute("UPDATE audit SET action = 'x'"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        await db.write(lambda conn: conn.execute("DELETE FROM audit"))
    with pytest.raises(RuntimeError, match="inside"):
        await db.read(
            lambda conn: audit.record(
                conn, now=NOW, actor_id=None, actor_role="system", action="x", object_type="y"
            )
        )


async def test_concurrent_transactions_never_interleave(db: Database) -> None:
    def add_two(conn: sqlite3.Connection, n: int) -> None:
        conn.execute(
            "INSERT INTO drafts (person_id, flow, step, data, updated_at)"
            " SELECT id, ?, 's', '{}', 'now' FROM people LIMIT 1",
            (f"f{n}",),
        )
        conn.execute(
            "INSERT INTO drafts (person_id, flow, step, data, updated_at)"
            " SELECT id, ?, 's', '{}', 'now' FROM people LIMIT 1",
            (f"g{n}",),
        )

    await db.write(
        people.seen, telegram_id=1, display_name=None, client_language=None, language="id", now=NOW
    )
    await asyncio.gather(*(db.write(add_two, n) for n in range(50)))
    count = await db.read(lambda conn: conn.execute("SELECT COUNT(*) FROM drafts").fetchone()[0])
    assert count == 100


async def test_a_schedule_fires_once_even_when_claimed_twice(db: Database) -> None:
    row = await db.write(
        schedules.put, kind="poll.close", object_id=1, due_at=NOW + timedelta(hours=1)
    )
    assert await db.write(schedules.claim, row.id, NOW) is None  # not yet due
    later = NOW + timedelta(hours=2)
    claims = await asyncio.gather(*(db.write(schedules.claim, row.id, later) for _ in range(5)))
    assert sum(claim is not None for claim in claims) == 1
    # (the daily operations rows of the accountability migration are pending too)
    assert [s for s in await db.read(schedules.pending) if s.kind == "poll.close"] == []


async def test_rescheduling_moves_the_one_pending_row(db: Database) -> None:
    await db.write(schedules.put, kind="k", object_id="x", due_at=NOW)
    await db.write(schedules.put, kind="k", object_id="x", due_at=NOW + timedelta(days=1))
    [only] = [s for s in await db.read(schedules.pending) if s.kind == "k"]
    assert only.due_at == NOW + timedelta(days=1)
    assert await db.write(schedules.cancel, "k", "x")
    assert [s for s in await db.read(schedules.pending) if s.kind == "k"] == []


async def test_board_admins_are_added_and_never_demoted(db: Database) -> None:
    await db.write(people.ensure_board, frozenset({50, 51}), NOW)
    await db.write(
        people.seen,
        telegram_id=52,
        display_name=None,
        client_language=None,
        language="id",
        now=NOW,
    )
    assert await db.write(people.ensure_board, frozenset({50, 51, 52}), NOW) == 1
    for telegram_id in (50, 51, 52):
        person = await db.read(people.by_telegram_id, telegram_id)
        assert person is not None and person.is_board
    # a restart with a shorter list demotes nobody
    await db.write(people.ensure_board, frozenset({50}), NOW)
    person = await db.read(people.by_telegram_id, 52)
    assert person is not None and person.is_board
    actions = [e.action for e in await db.read(audit.latest)]
    assert actions.count("board.granted_by_config") == 3
    assert all(e.actor_id is None for e in await db.read(audit.latest))


async def test_sql_in_a_name_is_stored_as_text(db: Database) -> None:
    evil = "Robert'); DROP TABLE people; --"
    await db.write(
        people.seen,
        telegram_id=77,
        display_name=evil,
        client_language=None,
        language="id",
        now=NOW,
    )
    person = await db.read(people.by_telegram_id, 77)
    assert person is not None and person.display_name == evil
