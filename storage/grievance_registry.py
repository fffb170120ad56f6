"""Grievances as the registries see them: the daily limit, counts, the public list, the CSV
export and personal data (export, erase, merge)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import audit, schedules
from storage.grievances import WIPE, Grievance, _grievance, evidence, for_reporter, messages
from storage.rows import from_iso, iso
from storage.schedules import Schedule


# ---- the daily limit ----------------------------------------------------------------------
def named_since(conn: sqlite3.Connection, person_id: int, since: datetime) -> int:
    return conn.execute(
        "SELECT COUNT(*) FROM grievances WHERE reporter_id = ? AND filed_by IS NULL"
        " AND created_at >= ?",
        (person_id, iso(since)),
    ).fetchone()[0]


def anonymous_count(conn: sqlite3.Connection, day: str, chat_hash: bytes) -> int:
    row = conn.execute(
        "SELECT n FROM grievance_anon_counts WHERE day = ? AND chat_hash = ?", (day, chat_hash)
    ).fetchone()
    return 0 if row is None else int(row[0])


def count_anonymous(
    conn: sqlite3.Connection, day: str, chat_hash: bytes, wipe_at: datetime
) -> Schedule:
    """Count one anonymous report for this (hashed) chat today; earlier days are wiped now
    and today's at `wipe_at` (the next local midnight), through the schedules seam."""
    wipe_anonymous_counts(conn, day)
    conn.execute(
        "INSERT INTO grievance_anon_counts (day, chat_hash, n) VALUES (?, ?, 1)"
        " ON CONFLICT (day, chat_hash) DO UPDATE SET n = n + 1",
        (day, chat_hash),
    )
    return schedules.put(conn, kind=WIPE, object_id="daily", due_at=wipe_at, payload={"day": day})


def wipe_anonymous_counts(conn: sqlite3.Connection, today: str | None) -> int:
    """Delete the counters of every day but `today` (None: all)."""
    return conn.execute(
        "DELETE FROM grievance_anon_counts WHERE ? IS NULL OR day != ?", (today, today)
    ).rowcount


def claim_wipe(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> int:
    """The daily wipe: the counted day is over, so its counters go."""
    return conn.execute(
        "DELETE FROM grievance_anon_counts WHERE day <= ?", (schedule.payload.get("day", ""),)
    ).rowcount


# ---- registries ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    received: int
    resolved: int
    rejected: int
    overdue: int
    resolution_spans: list[tuple[datetime, datetime]]


def stats(conn: sqlite3.Connection, since: datetime) -> Stats:
    """Counts for reports received since a moment (this month, this year)."""
    row = conn.execute(
        "SELECT COUNT(*), SUM(status = 'selesai'), SUM(status = 'ditolak'),"
        " SUM(response_late = 1 OR resolve_late = 1) FROM grievances WHERE created_at >= ?",
        (iso(since),),
    ).fetchone()
    spans = conn.execute(
        "SELECT created_at, resolved_at FROM grievances WHERE created_at >= ?"
        " AND status = 'selesai' AND resolved_at IS NOT NULL",
        (iso(since),),
    ).fetchall()
    return Stats(
        received=row[0] or 0,
        resolved=row[1] or 0,
        rejected=row[2] or 0,
        overdue=row[3] or 0,
        resolution_spans=[(from_iso(a), from_iso(b)) for a, b in spans],  # type: ignore[misc]
    )


def public_list(conn: sqlite3.Connection, limit: int = 10) -> list[tuple[Grievance, str | None]]:
    """Reports their reporters let be listed, not hidden; with the name for Terbuka ones."""
    rows = conn.execute(
        "SELECT g.*, CASE WHEN g.identity = 'terbuka' AND g.reporter_erased = 0"
        " THEN COALESCE(p.full_name, p.display_name) END AS shown_name"
        " FROM grievances g LEFT JOIN people p ON p.id = g.reporter_id"
        " WHERE g.public = 1 AND g.hidden_reason IS NULL ORDER BY g.id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [(_grievance(r), r["shown_name"]) for r in rows]


EXPORT_HEADER = (
    "ref",
    "category",
    "status",
    "level",
    "identity",
    "channel",
    "created_at",
    "first_response_at",
    "resolved_at",
    "response_late",
    "resolve_late",
    "reopened",
    "rating",
    "evidence",
)


def export_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """CSV rows without identities or free text; Perilaku reports with exclusions are left out
    (an excluded board member may be the one running the export)."""
    rows = conn.execute(
        "SELECT g.ref, g.category, g.status, g.level, g.identity, g.channel, g.created_at,"
        " g.first_response_at, g.resolved_at, g.response_late, g.resolve_late, g.reopen_count,"
        " g.rating, (SELECT COUNT(*) FROM grievance_evidence e WHERE e.grievance_id = g.id)"
        " FROM grievances g WHERE NOT EXISTS"
        " (SELECT 1 FROM grievance_exclusions x WHERE x.grievance_id = g.id) ORDER BY g.id"
    ).fetchall()
    return [tuple(r) for r in rows]


# ---- personal data ------------------------------------------------------------------------
def export_person(conn: sqlite3.Connection, person_id: int) -> list[dict[str, Any]]:
    """The person's named reports (anonymous ones hold nothing that leads back to them)."""
    out = []
    for grievance in for_reporter(conn, person_id, limit=10_000):
        out.append(
            {
                "ref": grievance.ref,
                "category": grievance.category,
                "identity": grievance.identity,
                "status": grievance.status.value,
                "description": grievance.description,
                "expected": grievance.expected,
                "amount": grievance.amount,
                "created_at": iso(grievance.created_at),
                "messages": [
                    {"author": m.author, "text": m.text, "at": iso(m.created_at)}
                    for m in messages(conn, grievance.id)
                ],
                "evidence": [e.kind for e in evidence(conn, grievance.id)],
            }
        )
    return out


def erase_person(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    """Named reports stay as records, shown as "warga (dihapus)": the link to the person goes."""
    rows = conn.execute(
        "UPDATE grievances SET reporter_id = NULL, reporter_erased = 1, reporter_name = NULL"
        " WHERE reporter_id = ? RETURNING id",
        (person_id,),
    ).fetchall()
    for (grievance_id,) in rows:
        audit.record(
            conn,
            now=now,
            actor_id=None,
            actor_role="system",
            action="grievance.reporter_erased",
            object_type="grievance",
            object_id=grievance_id,
        )


def merge_people(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    conn.execute("UPDATE grievances SET reporter_id = ? WHERE reporter_id = ?", (keep, drop))
    conn.execute("UPDATE grievances SET assignee_id = ? WHERE assignee_id = ?", (keep, drop))
    conn.execute("UPDATE grievances SET filed_by = ? WHERE filed_by = ?", (keep, drop))
    conn.execute("UPDATE grievance_messages SET board_id = ? WHERE board_id = ?", (keep, drop))
    conn.execute(
        "INSERT OR IGNORE INTO grievance_exclusions (grievance_id, person_id)"
        " SELECT grievance_id, ? FROM grievance_exclusions WHERE person_id = ?",
        (keep, drop),
    )
    conn.execute("DELETE FROM grievance_exclusions WHERE person_id = ?", (drop,))
