"""Sample people for `bkm-bot shell --demo`: a kelurahan with a board, members and residents."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage import audit
from storage.rows import iso

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
