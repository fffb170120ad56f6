"""The audit seam: one helper that appends a row inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.rows import dumps, from_iso, iso, loads


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    object_type: str
    object_id: str | None
    before: Any
    after: Any


def record(
    conn: sqlite3.Connection,
    *,
    now: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append an audit row in the current transaction.

    Name the actor by internal person id only; before/after hold codes and statuses,
    never names, Telegram ids or free text a resident typed.
    """
    if not conn.in_transaction:
        raise RuntimeError("audit.record must run inside the change's transaction")
    conn.execute(
        "INSERT INTO audit (at, actor_id, actor_role, action, object_type, object_id,"
        " before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            iso(now),
            actor_id,
            actor_role,
            action,
            object_type,
            None if object_id is None else str(object_id),
            None if before is None else dumps(before),
            None if after is None else dumps(after),
        ),
    )


def latest(conn: sqlite3.Connection, limit: int = 50) -> list[AuditEntry]:
    """The newest audit rows first."""
    rows = conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [
        AuditEntry(
            id=r["id"],
            at=from_iso(r["at"]),  # type: ignore[arg-type]
            actor_id=r["actor_id"],
            actor_role=r["actor_role"],
            action=r["action"],
            object_type=r["object_type"],
            object_id=r["object_id"],
            before=loads(r["before"]),
            after=loads(r["after"]),
        )
        for r in rows
    ]
