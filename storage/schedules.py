"""Due actions. Rows are the truth; a firing claims its row, so it happens once."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.rows import dumps, from_iso, iso, loads


@dataclass(frozen=True)
class Schedule:
    id: int
    kind: str
    object_id: str
    due_at: datetime
    payload: dict[str, Any]
    status: str


def _schedule(row: sqlite3.Row) -> Schedule:
    return Schedule(
        id=row["id"],
        kind=row["kind"],
        object_id=row["object_id"],
        due_at=from_iso(row["due_at"]),  # type: ignore[arg-type]
        payload=loads(row["payload"]),
        status=row["status"],
    )


def put(
    conn: sqlite3.Connection,
    *,
    kind: str,
    object_id: str | int,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> Schedule:
    """Schedule (or move) the one pending action of this kind for this object."""
    row = conn.execute(
        "INSERT INTO schedules (kind, object_id, due_at, payload) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (kind, object_id) WHERE status = 'pending'"
        " DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload RETURNING *",
        (kind, str(object_id), iso(due_at), dumps(payload or {})),
    ).fetchone()
    return _schedule(row)


def cancel(conn: sqlite3.Connection, kind: str, object_id: str | int) -> bool:
    cur = conn.execute(
        "UPDATE schedules SET status = 'cancelled' WHERE kind = ? AND object_id = ?"
        " AND status = 'pending'",
        (kind, str(object_id)),
    )
    return cur.rowcount > 0


def pending(conn: sqlite3.Connection) -> list[Schedule]:
    rows = conn.execute(
        "SELECT * FROM schedules WHERE status = 'pending' ORDER BY due_at, id"
    ).fetchall()
    return [_schedule(r) for r in rows]


def due_ids(conn: sqlite3.Connection, now: datetime) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM schedules WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id",
        (iso(now),),
    ).fetchall()
    return [r[0] for r in rows]


def kind_of(conn: sqlite3.Connection, schedule_id: int) -> str | None:
    """The kind of a schedule row, or None when there is no such row."""
    row = conn.execute("SELECT kind FROM schedules WHERE id = ?", (schedule_id,)).fetchone()
    return None if row is None else str(row["kind"])


def claim(conn: sqlite3.Connection, schedule_id: int, now: datetime) -> Schedule | None:
    """Mark a due row done in the caller's transaction; None if it was not (or no longer) due."""
    row = conn.execute(
        "UPDATE schedules SET status = 'done', done_at = ? WHERE id = ? AND status = 'pending'"
        " AND due_at <= ? RETURNING *",
        (iso(now), schedule_id, iso(now)),
    ).fetchone()
    return None if row is None else _schedule(row)
