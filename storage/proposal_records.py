"""What proposals give the registries: counts, the public CSV, and a person's data."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage.proposals import SELECT, from_row
from storage.rows import iso, loads


# ---- registries -------------------------------------------------------------------------------
def counts(conn: sqlite3.Connection, year: int) -> dict[tuple[str, str], int]:
    """(field, status) → number of proposals submitted in this year."""
    rows = conn.execute(
        "SELECT field, status, COUNT(*) FROM proposals WHERE year = ? GROUP BY field, status",
        (year,),
    ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


EXPORT_HEADER = (
    "reference",
    "created_at",
    "field",
    "title",
    "description",
    "rt",
    "rw",
    "estimated_cost",
    "status",
    "endorsements",
    "proposer_name",
)


def export_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """The public CSV: hidden proposals keep their row but not their text."""
    rows = []
    for row in conn.execute(f"{SELECT} ORDER BY p.id").fetchall():
        p = from_row(row)
        shown_name = p.proposer_name if p.show_name and not p.proposer_erased else None
        rows.append(
            (
                p.reference,
                iso(p.created_at),
                p.field,
                "" if p.hidden else p.title,
                "" if p.hidden else p.description,
                p.rt or "",
                p.rw or "",
                p.estimated_cost or "",
                p.status.value,
                p.endorsements,
                shown_name or "",
            )
        )
    return rows


# ---- personal data ----------------------------------------------------------------------------
def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """Everything this feature stores about a person: their proposals and endorsements."""
    own = conn.execute(
        "SELECT * FROM proposals WHERE proposer_id = ? ORDER BY id", (person_id,)
    ).fetchall()
    endorsed = conn.execute(
        "SELECT p.reference, e.created_at FROM proposal_endorsements e"
        " JOIN proposals p ON p.id = e.proposal_id WHERE e.person_id = ? ORDER BY e.created_at",
        (person_id,),
    ).fetchall()
    keys = (
        "reference",
        "created_at",
        "field",
        "title",
        "description",
        "rt",
        "rw",
        "latitude",
        "longitude",
        "estimated_cost",
        "status",
        "show_name",
        "channel",
    )
    return {
        "proposals": [
            {**{k: r[k] for k in keys}, "photos": loads(r["photos"]) or []} for r in own
        ],
        "endorsements": [{"reference": r[0], "endorsed_at": r[1]} for r in endorsed],
    }


def erase_person(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    """Keep the proposals as records, shown as "warga (dihapus)"; endorsements stay counted."""
    conn.execute(
        "UPDATE proposals SET proposer_erased = 1, show_name = 0, proposer_name = NULL,"
        " updated_at = ? WHERE proposer_id = ?",
        (iso(now), person_id),
    )
    conn.execute(
        "UPDATE proposals SET proposer_id = NULL WHERE proposer_id = ?",
        (person_id,),
    )


def merge_people(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    """Move drop's proposals and endorsements to keep: no endorsement twice, none of one's own."""
    conn.execute("UPDATE proposals SET proposer_id = ? WHERE proposer_id = ?", (keep, drop))
    conn.execute(
        "INSERT INTO proposal_endorsements (proposal_id, person_id, created_at)"
        " SELECT proposal_id, ?, created_at FROM proposal_endorsements WHERE person_id = ?"
        " ON CONFLICT DO NOTHING",
        (keep, drop),
    )
    conn.execute("DELETE FROM proposal_endorsements WHERE person_id = ?", (drop,))
    conn.execute(
        "DELETE FROM proposal_endorsements WHERE person_id = ? AND proposal_id IN"
        " (SELECT id FROM proposals WHERE proposer_id = ?)",
        (keep, keep),
    )
