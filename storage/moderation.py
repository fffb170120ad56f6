"""Moderation: public content hidden by the board, with a reason the public sees."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from storage import audit
from storage.rows import iso


def hide(
    conn: sqlite3.Connection,
    *,
    object_type: str,
    object_id: str | int,
    reason: str,
    board_id: int,
    now: datetime,
) -> bool:
    """Hide (or re-word the reason of) an object; False if it was hidden already."""
    before = conn.execute(
        "SELECT 1 FROM moderation WHERE object_type = ? AND object_id = ?",
        (object_type, str(object_id)),
    ).fetchone()
    conn.execute(
        "INSERT INTO moderation (object_type, object_id, reason, hidden_by, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (object_type, object_id) DO UPDATE SET"
        " reason = excluded.reason, hidden_by = excluded.hidden_by",
        (object_type, str(object_id), reason, board_id, iso(now)),
    )
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role="pengurus",
        action="moderation.hidden",
        object_type=object_type,
        object_id=object_id,
        before={"hidden": before is not None},
        after={"hidden": True},
    )
    return before is None


def unhide(
    conn: sqlite3.Connection,
    *,
    object_type: str,
    object_id: str | int,
    board_id: int,
    now: datetime,
) -> bool:
    cur = conn.execute(
        "DELETE FROM moderation WHERE object_type = ? AND object_id = ?",
        (object_type, str(object_id)),
    )
    if cur.rowcount:
        audit.record(
            conn,
            now=now,
            actor_id=board_id,
            actor_role="pengurus",
            action="moderation.shown",
            object_type=object_type,
            object_id=object_id,
            before={"hidden": True},
            after={"hidden": False},
        )
    return cur.rowcount > 0


def hidden(
    conn: sqlite3.Connection, object_type: str, object_ids: Iterable[str | int]
) -> dict[str, str]:
    """{object id: reason} for those of object_ids the board hid (for public renderings)."""
    ids = [str(i) for i in object_ids]
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT object_id, reason FROM moderation WHERE object_type = ?"
        f" AND object_id IN ({marks})",
        (object_type, *ids),
    ).fetchall()
    return {r[0]: r[1] for r in rows}


def other_flow_since(conn: sqlite3.Connection, person_id: int, flow: str, since: datetime) -> bool:
    """Did the person go on with something else since a step of `flow` was saved? A step of
    another flow answered since then (same second included), or a change of theirs audited
    after it (a finished flow leaves no draft). Then a conversation of `flow` left waiting was
    abandoned: a text now is not meant for it. Only the newest audit rows are looked at (the
    step is at most 30 minutes old; the audit has no index by person)."""
    draft = conn.execute(
        "SELECT 1 FROM drafts WHERE person_id = ? AND flow != ? AND updated_at >= ? LIMIT 1",
        (person_id, flow, iso(since)),
    ).fetchone()
    if draft is not None:
        return True
    acted = conn.execute(
        "SELECT 1 FROM (SELECT actor_id, at FROM audit ORDER BY id DESC LIMIT 500)"
        " WHERE actor_id = ? AND at > ? LIMIT 1",
        (person_id, iso(since)),
    ).fetchone()
    return acted is not None
