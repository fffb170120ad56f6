"""People: the internal person id, roles, language, registration in person."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage import audit
from storage.rows import day_iso


class Role(StrEnum):
    RESIDENT = "warga"
    MEMBER = "anggota"
    BOARD = "pengurus"

    @property
    def rank(self) -> int:
        return {"warga": 0, "anggota": 1, "pengurus": 2}[self.value]

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


GENDERS = ("female", "male", "unspecified")


@dataclass(frozen=True)
class Person:
    id: int
    telegram_id: int | None
    display_name: str | None
    full_name: str | None
    rt: int | None
    rw: int | None
    gender: str | None
    language: str
    client_language: str | None
    role: Role
    registered_by: int | None
    menu_key: str | None
    erased: bool = False  # personal data erased (/hapusdata, retention, merged away)

    @property
    def is_board(self) -> bool:
        return self.role is Role.BOARD

    @property
    def is_member(self) -> bool:
        return self.role.at_least(Role.MEMBER)


def _person(row: sqlite3.Row) -> Person:
    return Person(
        id=row["id"],
        telegram_id=row["telegram_id"],
        display_name=row["display_name"],
        full_name=row["full_name"],
        rt=row["rt"],
        rw=row["rw"],
        gender=row["gender"],
        language=row["language"],
        client_language=row["client_language"],
        role=Role(row["role"]),
        registered_by=row["registered_by"],
        menu_key=row["menu_key"],
        erased="erased_at" in row.keys() and row["erased_at"] is not None,  # noqa: SIM118
    )


def seen(
    conn: sqlite3.Connection,
    *,
    telegram_id: int,
    display_name: str | None,
    client_language: str | None,
    language: str,
    now: datetime,
) -> Person:
    """Record that a Telegram user wrote to the bot; create them on first contact.

    `language` is used only when the person is new. `created_at` and `last_seen_at` are kept
    to the day (an anonymous reporter is one of everyone active that day, never matched by
    the minute). Writing to the bot also clears an "unreachable" mark on their chat.
    """
    row = conn.execute(
        "INSERT INTO people (telegram_id, display_name, client_language, language,"
        " created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (telegram_id) DO UPDATE SET display_name = excluded.display_name,"
        " client_language = excluded.client_language, last_seen_at = excluded.last_seen_at"
        " RETURNING *",
        (telegram_id, display_name, client_language, language, day_iso(now), day_iso(now)),
    ).fetchone()
    reachable_again(conn, telegram_id)
    return _person(row)


def reachable_again(conn: sqlite3.Connection, telegram_id: int) -> None:
    """The person wrote to the bot: their chat is reachable again (see storage.deliveries)."""
    conn.execute("DELETE FROM unreachable_chats WHERE chat_id = ?", (telegram_id,))


def by_telegram_id_marked(
    conn: sqlite3.Connection, telegram_id: int
) -> tuple[Person | None, bool]:
    """The person, and whether their chat is marked unreachable (one read)."""
    row = conn.execute(
        "SELECT p.*, EXISTS (SELECT 1 FROM unreachable_chats u WHERE u.chat_id = p.telegram_id)"
        " AS unreachable FROM people p WHERE p.telegram_id = ?",
        (telegram_id,),
    ).fetchone()
    return (None, False) if row is None else (_person(row), bool(row["unreachable"]))


def by_id(conn: sqlite3.Connection, person_id: int) -> Person | None:
    row = conn.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else _person(row)


def by_telegram_id(conn: sqlite3.Connection, telegram_id: int) -> Person | None:
    row = conn.execute("SELECT * FROM people WHERE telegram_id = ?", (telegram_id,)).fetchone()
    return None if row is None else _person(row)


def set_language(conn: sqlite3.Connection, person_id: int, language: str) -> Person:
    """Store the person's chosen language (not audited: it is their own preference)."""
    row = conn.execute(
        "UPDATE people SET language = ? WHERE id = ? RETURNING *", (language, person_id)
    ).fetchone()
    return _person(row)


def set_menu_key(conn: sqlite3.Connection, person_id: int, menu_key: str | None) -> None:
    conn.execute("UPDATE people SET menu_key = ? WHERE id = ?", (menu_key, person_id))


def ensure_board(conn: sqlite3.Connection, telegram_ids: frozenset[int], now: datetime) -> int:
    """Make every configured admin a board member (added if missing, never demoted here).

    Returns how many people were created or promoted.
    """
    changed = 0
    for telegram_id in sorted(telegram_ids):
        row = conn.execute(
            "SELECT id, role FROM people WHERE telegram_id = ?", (telegram_id,)
        ).fetchone()
        if row is None:
            person_id = conn.execute(
                "INSERT INTO people (telegram_id, role, language, created_at)"
                " VALUES (?, 'pengurus', 'id', ?) RETURNING id",
                (telegram_id, day_iso(now)),
            ).fetchone()[0]
            before = None
        elif row["role"] != Role.BOARD:
            person_id, before = row["id"], {"role": row["role"]}
            conn.execute("UPDATE people SET role = 'pengurus' WHERE id = ?", (person_id,))
        else:
            continue
        changed += 1
        audit.record(
            conn,
            now=now,
            actor_id=None,
            actor_role="system",
            action="board.granted_by_config",
            object_type="person",
            object_id=person_id,
            before=before,
            after={"role": Role.BOARD.value},
        )
    return changed


def register_in_person(
    conn: sqlite3.Connection,
    *,
    board_id: int,
    full_name: str,
    rt: int,
    rw: int,
    gender: str | None,
    now: datetime,
) -> Person:
    """A board member registers a resident who has no Telegram account, as a member."""
    row = conn.execute(
        "INSERT INTO people (full_name, rt, rw, gender, role, registered_by, language,"
        " created_at) VALUES (?, ?, ?, ?, 'anggota', ?, 'id', ?) RETURNING *",
        (full_name, rt, rw, gender, board_id, day_iso(now)),
    ).fetchone()
    person = _person(row)
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="member.registered_in_person",
        object_type="person",
        object_id=person.id,
        after={"role": Role.MEMBER.value, "rw": rw},
    )
    return person


def board_chat_ids(conn: sqlite3.Connection) -> list[tuple[int, str]]:
    """(telegram id, language) of every board member who can be reached on Telegram."""
    rows = conn.execute(
        "SELECT telegram_id, language FROM people"
        " WHERE role = 'pengurus' AND telegram_id IS NOT NULL ORDER BY id"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def board_members(conn: sqlite3.Connection) -> list[Person]:
    """Every board member, reachable on Telegram or not, oldest first."""
    rows = conn.execute("SELECT * FROM people WHERE role = 'pengurus' ORDER BY id").fetchall()
    return [_person(row) for row in rows]


def count_by_role(conn: sqlite3.Connection) -> dict[Role, int]:
    counts = {role: 0 for role in Role}
    for role, n in conn.execute("SELECT role, COUNT(*) FROM people GROUP BY role"):
        counts[Role(role)] = n
    return counts


def participation_by_rw(conn: sqlite3.Connection) -> list[tuple[int | None, int, int]]:
    """(rw, residents, members) per RW; residents without a known RW are counted under None."""
    rows = conn.execute(
        "SELECT rw, COUNT(*), SUM(role IN ('anggota', 'pengurus')) FROM people"
        " GROUP BY rw ORDER BY rw IS NULL, rw"
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]
