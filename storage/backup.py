"""Online backups, integrity checks and restore."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

DAILY_PREFIX = "bkm-"
DAILY_SUFFIX = ".sqlite3"


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def integrity_ok(conn: sqlite3.Connection) -> bool:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return len(rows) == 1 and rows[0][0] == "ok"


def check_file(path: Path) -> None:
    """Raise BackupError unless path is an SQLite database passing PRAGMA integrity_check."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = integrity_ok(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite database: {exc}") from exc
    if not ok:
        raise BackupError(f"{path} fails PRAGMA integrity_check")


def backup_connection(conn: sqlite3.Connection, target: Path) -> None:
    """Copy the live database behind conn into target with the backup API, then verify it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    dest = sqlite3.connect(partial)
    try:
        conn.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
    check_file(partial)
    partial.replace(target)


def restore(source: Path, database: Path) -> None:
    """Replace database with source, after source passes the integrity check.

    The copy is made beside the database and moved over it, so a damaged or half-written
    database file is replaced whole; its old -wal/-shm files are removed (stop the bot first).
    """
    check_file(source)
    partial = database.with_name(database.name + ".restore-part")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dest = sqlite3.connect(partial)
    try:
        src.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        src.close()
        dest.close()
    check_file(partial)
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    partial.replace(database)


def daily_path(directory: Path, now: datetime) -> Path:
    """bkm-20261128T020000Z.sqlite3: names sort by time."""
    return directory / f"{DAILY_PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}{DAILY_SUFFIX}"


def rotate(directory: Path, keep: int) -> list[Path]:
    """Delete the oldest daily backups beyond `keep`; returns what was deleted."""
    found = sorted(directory.glob(f"{DAILY_PREFIX}*{DAILY_SUFFIX}"))
    doomed = found[: max(0, len(found) - keep)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed
