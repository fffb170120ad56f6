"""Sample people for `bkm-bot shell --demo`: a kelurahan with a board, members and residents."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage import audit
from storage.rows import iso

# Tables that do not make a database "used": what the bot writes by itself at start (the
# configured admins' audit rows, schedules, operations state, digests and their outbox) and
# a person's passing conversation state. People are counted apart: the configured board
# admins are added at every start.
HOUSEKEEPING = frozenset(
    {
        "people",
        "audit",
        "schedules",
        "ops_state",
        "drafts",
        "conversations",
        "ptb_user_data",
        "digests",
        "outbox_messages",
        "outbox_renderings",
        "deliveries",
        "confirm_tokens",
        "unreachable_chats",
        "subscription_prefs",
        "subscription_off",
    }
)

# Telegram ids in the shell: 1 is the board member, 2–7 members, 8–10 residents.
DEMO_PEOPLE = [
    (1, "Bu Ratna", "Ratna Dewi Lestari", 1, 1, "female", "pengurus"),
    (2, "Pak Budi", "Budi Santoso", 2, 1, "male", "anggota"),
    (3, "Sri", "Sri Wahyuni", 4, 2, "female", "anggota"),
    (4, "Agus", "Agus Setiawan", 1, 3, "male", "anggota"),
    (5, "Dewi", "Dewi Kartika", 3, 3, "female", "anggota"),
    (6, "Joko", "Joko Prasetyo", 5, 4, "male", "anggota"),
    (7, "Wati", "Wati Rahayu", 2, 5, "female", "anggota"),
    (8, "Rudi", None, None, None, None, "warga"),
    (9, "Nur", None, None, None, None, "warga"),
    (10, "Eko", None, None, None, None, "warga"),
]


def in_use(conn: sqlite3.Connection, admins: frozenset[int]) -> str | None:
    """Why this database is not empty (a table's name), or None when the demo may go in.

    Empty: nobody but the configured board admins, and no row in any other table of the
    community's records (proposals, reports, polls, budget lines and entries, broadcasts,
    applications, ...; a table a new feature adds counts without being listed here)."""
    marks = ",".join("?" * len(admins))
    others = conn.execute(
        f"SELECT 1 FROM people WHERE telegram_id IS NULL OR telegram_id NOT IN ({marks}) LIMIT 1",
        tuple(sorted(admins)),
    ).fetchone()
    if others is not None:
        return "people"
    tables: list[str] = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            " ORDER BY name"
        )
    ]
    for table in tables:
        if table in HOUSEKEEPING:
            continue
        if conn.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None:
            return table
    return None


def seed_people(conn: sqlite3.Connection, now: datetime) -> None:
    """Insert the sample people (skips any Telegram id already present)."""
    for telegram_id, display, full, rt, rw, gender, role in DEMO_PEOPLE:
        row = conn.execute(
            "INSERT INTO people (telegram_id, display_name, full_name, rt, rw, gender, role,"
            " language, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'id', ?)"
            " ON CONFLICT (telegram_id) DO NOTHING RETURNING id",
            (telegram_id, display, full, rt, rw, gender, role, iso(now)),
        ).fetchone()
        if row is not None and role != "warga":
            audit.record(
                conn,
                now=now,
                actor_id=None,
                actor_role="system",
                action="demo.seeded",
                object_type="person",
                object_id=row[0],
                after={"role": role},
            )
