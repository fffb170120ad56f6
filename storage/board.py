"""The membership lifecycle the board runs: revoke, move, promote (two people), demote."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from storage import audit, polls
from storage.flows import steps as flows
from storage.people import Person, Role, _person, by_id
from storage.rows import iso

PAGE = 10


class NotFound(Exception):
    """No such person (or no longer a member): a stale button or a wrong number."""


class LastBoardMember(Exception):
    """The board would be left without anyone."""


class ConfigAdmin(Exception):
    """BKM_ADMINS are board members by configuration; the chat cannot demote them."""


class IsBoard(Exception):
    """A board member's membership is not revoked directly: demote them first."""


class SamePerson(Exception):
    """A board member cannot confirm their own proposal, nor merge an account with itself."""


class AlreadyPending(Exception):
    """A promotion of this person already waits for confirmation."""


@dataclass(frozen=True)
class Promotion:
    id: int
    person_id: int
    proposed_by: int
    status: str


def members(
    conn: sqlite3.Connection, query: str = "", offset: int = 0
) -> tuple[list[Person], int]:
    """Members and board members (name containing `query`), a page of them and the total."""
    where = "role IN ('anggota', 'pengurus') AND erased_at IS NULL"
    params: list[object] = []
    if query:
        where += " AND (full_name LIKE ? ESCAPE '\\' OR display_name LIKE ? ESCAPE '\\')"
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [like, like]
    total = conn.execute(f"SELECT COUNT(*) FROM people WHERE {where}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT * FROM people WHERE {where} ORDER BY full_name COLLATE NOCASE, id"
        " LIMIT ? OFFSET ?",
        (*params, PAGE, offset),
    ).fetchall()
    return [_person(r) for r in rows], total


def _member(conn: sqlite3.Connection, person_id: int) -> Person:
    person = by_id(conn, person_id)
    if person is None or not person.is_member:
        raise NotFound
    return person


def revoke(
    conn: sqlite3.Connection, *, person_id: int, board_id: int, reason: str, now: datetime
) -> Person:
    """End a membership (a board member is first demoted); the reason is kept, not audited.
    The person leaves the list of every open members' poll they have not voted in."""
    person = _member(conn, person_id)
    if person.is_board:
        raise IsBoard
    conn.execute("UPDATE people SET role = 'warga' WHERE id = ?", (person_id,))
    polls.withdraw_unqualified(conn, person_id)
    conn.execute(
        "INSERT INTO membership_revocations (person_id, reason, revoked_by, created_at)"
        " VALUES (?, ?, ?, ?)",
        (person_id, reason, board_id, iso(now)),
    )
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="membership.revoked",
        object_type="person",
        object_id=person_id,
        before={"role": person.role.value},
        after={"role": Role.RESIDENT.value},
    )
    return by_id(conn, person_id)  # type: ignore[return-value]


def move(
    conn: sqlite3.Connection, *, person_id: int, board_id: int, rt: int, rw: int, now: datetime
) -> Person:
    """Move a member to another RT/RW; they leave the list of every open poll of their former
    RW they have not voted in."""
    person = _member(conn, person_id)
    conn.execute("UPDATE people SET rt = ?, rw = ? WHERE id = ?", (rt, rw, person_id))
    polls.withdraw_unqualified(conn, person_id)
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="member.moved",
        object_type="person",
        object_id=person_id,
        before={"rw": person.rw},
        after={"rw": rw},
    )
    return by_id(conn, person_id)  # type: ignore[return-value]


def propose_promotion(
    conn: sqlite3.Connection, *, person_id: int, board_id: int, now: datetime
) -> Promotion:
    """A board member proposes a member for the board; nothing changes until confirmed."""
    person = _member(conn, person_id)
    if person.is_board:
        raise NotFound
    try:
        row = conn.execute(
            "INSERT INTO board_promotions (person_id, proposed_by, created_at) VALUES (?, ?, ?)"
            " RETURNING *",
            (person_id, board_id, iso(now)),
        ).fetchone()
    except sqlite3.IntegrityError:
        raise AlreadyPending from None
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="board.promotion_proposed",
        object_type="person",
        object_id=person_id,
        after={"promotion": row["id"], "status": "pending"},
    )
    return Promotion(row["id"], row["person_id"], row["proposed_by"], row["status"])


def confirm_promotion(
    conn: sqlite3.Connection, *, promotion_id: int, board_id: int, now: datetime
) -> Person:
    """A second, different board member confirms: the person joins the board."""
    row = conn.execute(
        "SELECT * FROM board_promotions WHERE id = ? AND status = 'pending'", (promotion_id,)
    ).fetchone()
    if row is None:
        raise NotFound
    if row["proposed_by"] == board_id:
        raise SamePerson
    person = _member(conn, row["person_id"])
    conn.execute(
        "UPDATE board_promotions SET status = 'confirmed', decided_by = ?, decided_at = ?"
        " WHERE id = ?",
        (board_id, iso(now), promotion_id),
    )
    conn.execute("UPDATE people SET role = 'pengurus' WHERE id = ?", (person.id,))
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="board.promoted",
        object_type="person",
        object_id=person.id,
        before={"role": person.role.value},
        after={"role": Role.BOARD.value, "promotion": promotion_id},
    )
    return by_id(conn, person.id)  # type: ignore[return-value]


def demote(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    board_id: int,
    config_admins: frozenset[int],
    now: datetime,
    board_flows: Collection[str] = (),
) -> Person:
    """Take a person off the board (they stay a member); never the last one, never BKM_ADMINS.

    Their open board flows (`board_flows`: conversation and draft names) end in the same
    transaction, drafts discarded: nothing they were preparing as board can be finished."""
    person = by_id(conn, person_id)
    if person is None or not person.is_board:
        raise NotFound
    if person.telegram_id is not None and person.telegram_id in config_admins:
        raise ConfigAdmin
    board = conn.execute("SELECT COUNT(*) FROM people WHERE role = 'pengurus'").fetchone()[0]
    if board <= 1:
        raise LastBoardMember
    # Audited before the change: the board check reads the actor's role (they may demote
    # themselves) in this transaction.
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="board.demoted",
        object_type="person",
        object_id=person_id,
        before={"role": Role.BOARD.value},
        after={"role": Role.MEMBER.value},
    )
    conn.execute("UPDATE people SET role = 'anggota' WHERE id = ?", (person_id,))
    flows.end_all(conn, person_id=person_id, telegram_id=person.telegram_id, names=board_flows)
    return by_id(conn, person_id)  # type: ignore[return-value]


def record_merge(
    conn: sqlite3.Connection, *, keep: int, drop: int, board_id: int, now: datetime
) -> None:
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="person.merged",
        object_type="person",
        object_id=keep,
        after={"merged": drop},
    )


def check_mergeable(conn: sqlite3.Connection, keep: int, drop: int) -> tuple[Person, Person]:
    if keep == drop:
        raise SamePerson
    a, b = by_id(conn, keep), by_id(conn, drop)
    if a is None or b is None:
        raise NotFound
    if conn.execute(
        "SELECT 1 FROM people WHERE id IN (?, ?) AND (erased_at IS NOT NULL)", (keep, drop)
    ).fetchone():
        raise NotFound
    return a, b


def participation(conn: sqlite3.Connection) -> tuple[list[tuple[int, int]], list[tuple[str, int]]]:
    """Members per RW and per gender (people not erased); no names."""
    by_rw = conn.execute(
        "SELECT rw, COUNT(*) FROM people WHERE role IN ('anggota', 'pengurus')"
        " AND erased_at IS NULL AND rw IS NOT NULL GROUP BY rw ORDER BY rw"
    ).fetchall()
    by_gender = conn.execute(
        "SELECT COALESCE(gender, 'unspecified'), COUNT(*) FROM people"
        " WHERE role IN ('anggota', 'pengurus') AND erased_at IS NULL GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [(r[0], r[1]) for r in by_rw], [(r[0], r[1]) for r in by_gender]
