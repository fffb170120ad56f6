"""Reads for the public page's board actions beyond `audit.public_actions` (board rows only):
what the system does on the board's behalf that the public should see (a poll closing at its
time, a budget imported from the command line), and the public references of polls."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from storage.audit import AuditEntry
from storage.rows import from_iso

# System actions shown with the board's: a poll closed at its time, a budget import by CLI.
PUBLIC_SYSTEM_ACTIONS = ("poll.closed", "budget.imported")


def system_actions(conn: sqlite3.Connection, limit: int) -> list[AuditEntry]:
    """The newest of PUBLIC_SYSTEM_ACTIONS done by the system (not a board member)."""
    marks = ", ".join("?" * len(PUBLIC_SYSTEM_ACTIONS))
    rows = conn.execute(
        "SELECT id, at, actor_id, actor_role, action, object_type, object_id, before, after"
        f" FROM audit WHERE actor_role != 'pengurus' AND action IN ({marks})"
        " ORDER BY id DESC LIMIT ?",
        (*PUBLIC_SYSTEM_ACTIONS, limit),
    ).fetchall()
    return [
        AuditEntry(
            id=r[0],
            at=from_iso(r[1]),  # type: ignore[arg-type]
            actor_id=r[2],
            actor_role=r[3],
            action=r[4],
            object_type=r[5],
            object_id=r[6],
            before=json.loads(r[7]) if r[7] else None,
            after=json.loads(r[8]) if r[8] else None,
        )
        for r in rows
    ]


def poll_references(conn: sqlite3.Connection, poll_ids: Iterable[str]) -> dict[str, str]:
    """{poll id as the audit stores it: its public reference "POL-2026-0001"}."""
    ids = [int(i) for i in poll_ids if str(i).isdigit()]
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))
    rows = conn.execute(f"SELECT id, reference FROM polls WHERE id IN ({marks})", ids)
    return {str(r[0]): r[1] for r in rows}
