"""Grievances as the registries see them: the daily limit, counts, the public list, the CSV
export and personal data (export, erase, merge)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import audit, schedules
from storage.grievances.reports import (
    COLUMNS,
    WIPE,
    Grievance,
    _grievance,
    evidence,
    for_reporter,
    messages,
)
from storage.rows import from_iso, iso
from storage.schedules import Schedule


# ---- the daily limit ----------------------------------------------------------------------
def named_since(conn: sqlite3.Connection, person_id: int, since: datetime) -> int:
    count: int = conn.execute(
        "SELECT COUNT(*) FROM grievances WHERE reporter_id = ? AND filed_by IS NULL"
        " AND created_at >= ?",
        (person_id, iso(since)),
    ).fetchone()[0]
    return count


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
    """Reports their reporters let be listed, with the name for Terbuka ones. A summary the
    board hid stays listed with `hidden_reason` set: the public sees it was hidden, and why."""
    rows = conn.execute(
        f"SELECT {COLUMNS}, CASE WHEN g.identity = 'terbuka' AND g.reporter_erased = 0"
        " THEN COALESCE(p.full_name, p.display_name) END AS shown_name"
        " FROM grievances g LEFT JOIN people p ON p.id = g.reporter_id"
        " WHERE g.public = 1 ORDER BY g.id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [(_grievance(r), r["shown_name"]) for r in rows]


# One row per named reporter of the year: a person with an account (their registered RW, else
# the report's) or a resident the board filed for (by the typed name and the report's RW).
# Anonymous reports are never counted here: they are only a number (`anonymous_count`).
# Erased reporters are not counted: nothing about them is kept to count by.
_REPORTERS = """
    SELECT COALESCE(pp.rw, MIN(g.rw)) AS rw, COALESCE(pp.gender, 'unspecified') AS gender
    FROM grievances g JOIN people pp ON pp.id = g.reporter_id
    WHERE g.year = :year AND g.identity != 'anonim' AND pp.erased_at IS NULL
      AND g.reporter_erased = 0
    GROUP BY pp.id
    UNION ALL
    SELECT g.rw, 'unspecified' FROM grievances g
    WHERE g.year = :year AND g.identity != 'anonim' AND g.reporter_id IS NULL
      AND g.reporter_erased = 0
    GROUP BY COALESCE(lower(trim(g.reporter_name)), 'unnamed ' || g.id), g.rw
"""


def latest_year(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(year) FROM grievances").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def reporter_participation(
    conn: sqlite3.Connection, year: int
) -> tuple[list[tuple[int, int]], list[tuple[str, int]], int]:
    """Named reporters of this year per RW and per gender (no names), and the number of
    anonymous reports (no RW, no gender), for /transparansi."""
    by_rw = conn.execute(
        f"SELECT rw, COUNT(*) FROM ({_REPORTERS}) WHERE rw IS NOT NULL GROUP BY rw ORDER BY rw",
        {"year": year},
    ).fetchall()
    by_gender = conn.execute(
        f"SELECT gender, COUNT(*) FROM ({_REPORTERS}) GROUP BY gender ORDER BY gender",
        {"year": year},
    ).fetchall()
    anonymous = conn.execute(
        "SELECT COUNT(*) FROM grievances WHERE year = ? AND identity = 'anonim'", (year,)
    ).fetchone()[0]
    return [(r[0], r[1]) for r in by_rw], [(r[0], r[1]) for r in by_gender], anonymous


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
