"""Membership applications: submitted by a resident, decided by a board member."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage import audit, polls
from storage.people import Person, Role, by_id
from storage.rows import iso


class AlreadyMember(Exception):
    """The person is already a member."""


class AlreadyPending(Exception):
    """The person already has an application waiting."""


class NotPending(Exception):
    """The application was already decided (or does not exist): a stale button."""


@dataclass(frozen=True)
class Application:
    id: int
    person_id: int
    full_name: str
    rt: int
    rw: int
    gender: str | None
    status: str
    reason: str | None


def _application(row: sqlite3.Row) -> Application:
    return Application(
        id=row["id"],
        person_id=row["person_id"],
        full_name=row["full_name"],
        rt=row["rt"],
        rw=row["rw"],
        gender=row["gender"],
        status=row["status"],
        reason=row["reason"],
    )


def submit(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    full_name: str,
    rt: int,
    rw: int,
    gender: str | None,
    now: datetime,
) -> Application:
    """File an application; refuses members and a second pending application."""
    person = by_id(conn, person_id)
    if person is not None and person.is_member:
        raise AlreadyMember
    try:
        row = conn.execute(
            "INSERT INTO membership_applications (person_id, full_name, rt, rw, gender,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (person_id, full_name, rt, rw, gender, iso(now)),
        ).fetchone()
    except sqlite3.IntegrityError:
        raise AlreadyPending from None
    application = _application(row)
    audit.record(
        conn,
        now=now,
        actor_id=person_id,
        actor_role=Role.RESIDENT.value,
        action="membership.applied",
        object_type="membership_application",
        object_id=application.id,
        after={"status": "pending", "rw": rw},
    )
    return application


def pending_for(conn: sqlite3.Connection, person_id: int) -> Application | None:
    row = conn.execute(
        "SELECT * FROM membership_applications WHERE person_id = ? AND status = 'pending'",
        (person_id,),
    ).fetchone()
    return None if row is None else _application(row)


def pending(conn: sqlite3.Connection, limit: int = 20) -> tuple[list[Application], int]:
    """The oldest waiting applications (up to limit) and how many wait in all."""
    total = conn.execute(
        "SELECT COUNT(*) FROM membership_applications WHERE status = 'pending'"
    ).fetchone()[0]
    rows = conn.execute(
        "SELECT * FROM membership_applications WHERE status = 'pending' ORDER BY id LIMIT ?",
        (limit,),
    ).fetchall()
    return [_application(r) for r in rows], total


def get(conn: sqlite3.Connection, application_id: int) -> Application | None:
    row = conn.execute(
        "SELECT * FROM membership_applications WHERE id = ?", (application_id,)
    ).fetchone()
    return None if row is None else _application(row)


def decide(
    conn: sqlite3.Connection,
    *,
    application_id: int,
    board_id: int,
    approve: bool,
    reason: str | None,
    now: datetime,
) -> tuple[Application, Person]:
    """Approve or reject a pending application; returns it and the applicant as they are now."""
    status = "approved" if approve else "rejected"
    row = conn.execute(
        "UPDATE membership_applications SET status = ?, reason = ?, decided_by = ?,"
        " decided_at = ? WHERE id = ? AND status = 'pending' RETURNING *",
        (status, reason, board_id, iso(now), application_id),
    ).fetchone()
    if row is None:
        raise NotPending
    application = _application(row)
    if approve:
        conn.execute(
            "UPDATE people SET full_name = ?, rt = ?, rw = ?, gender = ?,"
            " role = CASE WHEN role = 'warga' THEN 'anggota' ELSE role END WHERE id = ?",
            (
                application.full_name,
                application.rt,
                application.rw,
                application.gender,
                application.person_id,
            ),
        )
        # an approval sets the RW: a person who is a member already (an account merged in
        # since applying) leaves the open polls of a former RW
        polls.withdraw_unqualified(conn, application.person_id)
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action=f"membership.{status}",
        object_type="membership_application",
        object_id=application.id,
        before={"status": "pending"},
        after={"status": status},
    )
    applicant = by_id(conn, application.person_id)
    assert applicant is not None
    return application, applicant
