"""Numbered SQL migrations: version in PRAGMA user_version, all pending ones in one transaction."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from storage.backup import backup_connection

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


class MigrationError(Exception):
    """A migration failed; the database is left exactly as it was."""


def available() -> list[Migration]:
    """The migrations shipped in storage/migrations, in version order."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration numbers must run 0001, 0002, …: {migration.name}")
    return found


def current_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def pending(
    conn: sqlite3.Connection, migrations: list[Migration] | None = None
) -> list[Migration]:
    version = current_version(conn)
    return [m for m in (migrations or available()) if m.version > version]


def apply(
    conn: sqlite3.Connection,
    db_path: Path | None,
    migrations: list[Migration] | None = None,
) -> list[Migration]:
    """Apply every pending migration in one transaction, after a backup of a non-empty database.

    Returns what was applied. On failure nothing is applied (MigrationError).
    """
    todo = pending(conn, migrations)
    if not todo:
        return []
    newest = todo[-1].version
    known = (migrations or available())[-1].version
    if current_version(conn) > known:
        raise MigrationError(
            f"database version {current_version(conn)} is newer than this program ({known})"
        )
    if db_path is not None and current_version(conn) > 0:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        backup_connection(conn, db_path.with_name(f"{db_path.name}.pre-v{newest}-{stamp}.bak"))
    script = ["BEGIN IMMEDIATE;"]
    for migration in todo:
        script.append(migration.sql)
        script.append(f"PRAGMA user_version = {migration.version};")
    try:
        # executescript runs statement by statement; DDL is transactional in SQLite, so a
        # failure anywhere rolls back every migration of this run, version included.
        conn.executescript("\n".join(script))
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise MigrationError(f"migration failed, database unchanged: {exc}") from exc
    return todo
