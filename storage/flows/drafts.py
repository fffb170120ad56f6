"""Drafts: a flow's answers so far and the step the person last saw confirmed."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.rows import dumps, from_iso, iso, loads


@dataclass(frozen=True)
class Draft:
    person_id: int
    flow: str
    step: str
    data: dict[str, Any]
    updated_at: datetime


def save(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Insert or replace the person's draft for this flow (one statement)."""
    conn.execute(
        "INSERT INTO drafts (person_id, flow, step, data, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (person_id, flow) DO UPDATE SET step = excluded.step,"
        " data = excluded.data, updated_at = excluded.updated_at",
        (person_id, flow, step, dumps(data), iso(now)),
    )


def get(conn: sqlite3.Connection, person_id: int, flow: str) -> Draft | None:
    row = conn.execute(
        "SELECT * FROM drafts WHERE person_id = ? AND flow = ?", (person_id, flow)
    ).fetchone()
    if row is None:
        return None
    return Draft(
        person_id=row["person_id"],
        flow=row["flow"],
        step=row["step"],
        data=loads(row["data"]),
        updated_at=from_iso(row["updated_at"]),  # type: ignore[arg-type]
    )


def delete(conn: sqlite3.Connection, person_id: int, flow: str) -> bool:
    cur = conn.execute("DELETE FROM drafts WHERE person_id = ? AND flow = ?", (person_id, flow))
    return cur.rowcount > 0


def highest_number(conn: sqlite3.Connection, key: str) -> int:
    """The highest whole number any draft keeps under `key` (0 when none does)."""
    path = f'$."{key}"'
    row = conn.execute(
        "SELECT MAX(json_extract(data, ?)) FROM drafts WHERE json_type(data, ?) = 'integer'",
        (path, path),
    ).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0
