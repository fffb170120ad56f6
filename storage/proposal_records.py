"""What proposals give the registries: counts, the public CSV, and a person's data."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage import moderation
from storage.proposals import PROPOSAL_TYPE, SELECT, from_row
from storage.rows import iso, loads


# ---- registries -------------------------------------------------------------------------------
def latest_year(conn: sqlite3.Connection) -> int | None:
    """The latest year that has proposals (the public page counts that year)."""
    year = conn.execute("SELECT MAX(year) FROM proposals").fetchone()[0]
    return int(year) if year is not None else None


def counts(conn: sqlite3.Connection, year: int) -> dict[tuple[str, str], int]:
    """(field, status) → number of proposals submitted in this year."""
    rows = conn.execute(
        "SELECT field, status, COUNT(*) FROM proposals WHERE year = ? GROUP BY field, status",
        (year,),
    ).fetchall()
    return {(r[0], r[1]): r[2] for r in rows}


# One row per proposer of the year: a person with an account (their registered RW, else the
# proposal's) or a resident filed on behalf (by the typed name and RW; unnamed ones one each).
# Erased proposers are not counted: nothing about them is kept to count by.
_PROPOSERS = """
    SELECT COALESCE(pp.rw, MIN(p.rw)) AS rw, COALESCE(pp.gender, 'unspecified') AS gender
    FROM proposals p JOIN people pp ON pp.id = p.proposer_id
    WHERE p.year = :year AND pp.erased_at IS NULL GROUP BY pp.id
    UNION ALL
    SELECT p.rw, 'unspecified' FROM proposals p
    WHERE p.year = :year AND p.proposer_id IS NULL AND p.proposer_erased = 0
    GROUP BY COALESCE(lower(trim(p.proposer_name)), 'unnamed ' || p.id), p.rw
"""


def participation(
    conn: sqlite3.Connection, year: int
) -> tuple[list[tuple[int, int]], list[tuple[str, int]]]:
    """Proposers of this year per RW and per gender (no names), for /transparansi."""
    by_rw = conn.execute(
        f"SELECT rw, COUNT(*) FROM ({_PROPOSERS}) WHERE rw IS NOT NULL GROUP BY rw ORDER BY rw",
        {"year": year},
    ).fetchall()
    by_gender = conn.execute(
        f"SELECT gender, COUNT(*) FROM ({_PROPOSERS}) GROUP BY gender ORDER BY gender",
        {"year": year},
    ).fetchall()
    return [(r[0], r[1]) for r in by_rw], [(r[0], r[1]) for r in by_gender]


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


# The export has no reader's language (its codes are language-neutral); the BKM reads
# Indonesian, so a hidden proposal's title says so in Indonesian.
HIDDEN_TITLE = "[disembunyikan oleh pengurus]"


def export_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """The public CSV: a hidden proposal keeps its row; its title says it was hidden and its
    description is the board's reason, as the public sees it in the chat."""
    rows = []
    for row in conn.execute(f"{SELECT} ORDER BY p.id").fetchall():
        p = from_row(row)
        shown_name = p.proposer_name if p.show_name and not p.proposer_erased else None
        rows.append(
            (
                p.reference,
                iso(p.created_at),
                p.field,
                HIDDEN_TITLE if p.hidden else p.title,
                p.hidden_reason if p.hidden else p.description,
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
    hidden = moderation.hidden(conn, PROPOSAL_TYPE, [r["reference"] for r in own])
    return {
        "proposals": [
            {
                **{k: r[k] for k in keys},
                "photos": loads(r["photos"]) or [],
                "hidden_by_board_reason": hidden.get(r["reference"]),
            }
            for r in own
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
