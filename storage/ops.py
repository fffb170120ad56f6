"""Operations state: the last backup and the last alert of each kind."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.rows import from_iso, iso


def get(conn: sqlite3.Connection, key: str) -> tuple[str, datetime] | None:
    row = conn.execute("SELECT value, updated_at FROM ops_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else (row[0], from_iso(row[1]))  # type: ignore[return-value]


def put(conn: sqlite3.Connection, key: str, value: str, now: datetime) -> None:
    conn.execute(
        "INSERT INTO ops_state (key, value, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
        " updated_at = excluded.updated_at",
        (key, value, iso(now)),
    )


def schedule_health(conn: sqlite3.Connection, now: datetime) -> tuple[int, int]:
    """(pending, overdue) schedule rows; overdue ones mean a job did not fire."""
    pending, overdue = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(due_at <= ?), 0) FROM schedules WHERE status = 'pending'",
        (iso(now),),
    ).fetchone()
    return pending, overdue
