"""The foundation's personal data: export, erasure and merging of people and their rows.

Features hand over their own part through `bot.features.PersonalData`; these functions are
the foundation's part (people, membership applications, drafts, conversation rows) and run
last, inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage import audit, polls
from storage.rows import day_iso, iso

ERASED_FIELDS = (
    "telegram_id", "display_name", "full_name", "rt", "rw", "gender", "client_language",
    "menu_key",
)  # fmt: skip


class CannotErase(Exception):
    """A board member's data cannot be erased while they are on the board."""


def _dicts(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


def _telegram_id(conn: sqlite3.Connection, person_id: int) -> int | None:
    row = conn.execute("SELECT telegram_id FROM people WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else row[0]


def export(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """Everything the foundation stores about a person."""
    telegram_id = _telegram_id(conn, person_id)
    person = _dicts(conn, "SELECT * FROM people WHERE id = ?", (person_id,))
    return {
        "person": person[0] if person else None,
        "membership_applications": _dicts(
            conn, "SELECT * FROM membership_applications WHERE person_id = ?", (person_id,)
        ),
        "membership_revocations": _dicts(
            conn,
            "SELECT id, reason, created_at FROM membership_revocations WHERE person_id = ?",
            (person_id,),
        ),
        "board_promotions": _dicts(
            conn,
            "SELECT id, status, created_at, decided_at FROM board_promotions WHERE person_id = ?",
            (person_id,),
        ),
        "drafts": _dicts(conn, "SELECT * FROM drafts WHERE person_id = ?", (person_id,)),
        "conversations": _dicts(
            conn,
            "SELECT name, state, updated_at FROM conversations"
            " WHERE json_extract(key, '$[1]') = ?",
            (telegram_id,),
        )
        if telegram_id is not None
        else [],
        "audit_actions_by_you": _dicts(
            conn,
            "SELECT id, at, actor_role, action, object_type, object_id FROM audit"
            " WHERE actor_id = ? ORDER BY id",
            (person_id,),
        ),
    }


def erase(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    """Clear the person's personal fields and rows; the person id stays, pointing to nothing."""
    telegram_id = _telegram_id(conn, person_id)
    blanks = ", ".join(f"{field} = NULL" for field in ERASED_FIELDS)
    conn.execute(
        f"UPDATE people SET {blanks}, erased_at = ?,"
        " role = CASE WHEN role = 'pengurus' THEN role ELSE 'warga' END WHERE id = ?",
        (iso(now), person_id),
    )
    conn.execute("DELETE FROM membership_applications WHERE person_id = ?", (person_id,))
    conn.execute(
        "UPDATE membership_revocations SET reason = NULL WHERE person_id = ?", (person_id,)
    )
    conn.execute(
        "UPDATE board_promotions SET status = 'cancelled', decided_at = ?"
        " WHERE person_id = ? AND status = 'pending'",
        (iso(now), person_id),
    )
    conn.execute("DELETE FROM drafts WHERE person_id = ?", (person_id,))
    if telegram_id is not None:
        conn.execute(
            "DELETE FROM conversations WHERE json_extract(key, '$[1]') = ?", (telegram_id,)
        )
        conn.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (telegram_id,))
    polls.withdraw_unqualified(conn, person_id)  # no longer a member, no RW


def merge(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    """Fold account `drop` into `keep`: fields keep lacks, rows, the higher role, Telegram id."""
    kept = conn.execute("SELECT * FROM people WHERE id = ?", (keep,)).fetchone()
    dropped = conn.execute("SELECT * FROM people WHERE id = ?", (drop,)).fetchone()
    rank = {"warga": 0, "anggota": 1, "pengurus": 2}
    role = max(kept["role"], dropped["role"], key=rank.__getitem__)
    fields = {
        name: kept[name] if kept[name] is not None else dropped[name]
        for name in ("full_name", "rt", "rw", "gender", "display_name", "client_language")
    }
    moved_telegram = kept["telegram_id"] is None and dropped["telegram_id"] is not None
    blanks = ", ".join(f"{field} = NULL" for field in ERASED_FIELDS)
    conn.execute(
        f"UPDATE people SET {blanks}, role = 'warga', merged_into = ?,"
        " erased_at = COALESCE(erased_at, last_seen_at, created_at) WHERE id = ?",
        (keep, drop),
    )
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(
        f"UPDATE people SET {assignments}, role = ?,"
        " telegram_id = COALESCE(telegram_id, ?) WHERE id = ?",
        (
            *fields.values(),
            role,
            dropped["telegram_id"] if moved_telegram else None,
            keep,
        ),
    )
    # a second pending application is dropped; the rest move
    if conn.execute(
        "SELECT 1 FROM membership_applications WHERE person_id = ? AND status = 'pending'",
        (keep,),
    ).fetchone():
        conn.execute(
            "UPDATE membership_applications SET status = 'rejected', reason = 'merged'"
            " WHERE person_id = ? AND status = 'pending'",
            (drop,),
        )
    for table, column in (
        ("membership_applications", "person_id"),
        ("membership_applications", "decided_by"),
        ("membership_revocations", "person_id"),
        ("membership_revocations", "revoked_by"),
        ("board_promotions", "proposed_by"),
        ("board_promotions", "decided_by"),
        ("people", "registered_by"),
    ):
        conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (keep, drop))
    conn.execute(
        "UPDATE board_promotions SET status = 'cancelled'"
        " WHERE person_id = ? AND status = 'pending'",
        (drop,),
    )
    conn.execute("UPDATE board_promotions SET person_id = ? WHERE person_id = ?", (keep, drop))
    conn.execute(
        "INSERT OR IGNORE INTO drafts SELECT ?, flow, step, data, updated_at FROM drafts"
        " WHERE person_id = ?",
        (keep, drop),
    )
    conn.execute("DELETE FROM drafts WHERE person_id = ?", (drop,))
    # the merged person's role and RW are now `keep`'s: off the open polls they no longer fit
    polls.withdraw_unqualified(conn, keep)


def inactive_since(conn: sqlite3.Connection, cutoff: datetime) -> list[int]:
    """People not erased, not on the board, with no activity since cutoff. Their last
    contact is kept to the day: someone seen on the cutoff's day is kept."""
    rows = conn.execute(
        "SELECT id FROM people WHERE erased_at IS NULL AND role != 'pengurus'"
        " AND COALESCE(last_seen_at, created_at) < ? ORDER BY id",
        (day_iso(cutoff),),
    ).fetchall()
    return [r[0] for r in rows]


def record_erasure(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    actor_id: int | None,
    actor_role: str,
    reason: str,
    now: datetime,
) -> None:
    """The audit row of an erasure: codes only (who asked: the person, the board, the system)."""
    audit.record(
        conn,
        now=now,
        actor_id=actor_id,
        actor_role=actor_role,
        action="person.erased",
        object_type="person",
        object_id=person_id,
        after={"reason": reason},
    )
