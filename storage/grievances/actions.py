"""What is done to a report: the board's status changes, replies, level and public summary;
the reporter's additions, reopening and rating; deadlines and retention claimed through the
schedules seam. Each function runs inside the caller's transaction with its audit row."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rules.grievance_status import Action, Refused, Status, transition
from storage import audit, schedules
from storage.grievances.reports import (
    ERASE_EVIDENCE,
    LEVELS,
    MAX_EVIDENCE,
    MODERATION_TYPE,
    OVERDUE,
    REMIND,
    Grievance,
    NotFound,
    TooMany,
    _add_evidence,
    _schedule_deadline,
    excluded,
    for_board,
    get,
    to_the_hour,
)
from storage.people import Role
from storage.rows import from_iso, iso
from storage.schedules import Schedule


# ---- the board's actions ------------------------------------------------------------------
@dataclass(frozen=True)
class Changed:
    before: Grievance
    after: Grievance
    excluded: list[int]
    schedules: list[Schedule]


def _note(
    conn: sqlite3.Connection,
    grievance_id: int,
    *,
    author: str,
    board_id: int | None,
    text: str,
    now: datetime,
    status: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO grievance_messages (grievance_id, author, board_id, status, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (grievance_id, author, board_id, status, text, iso(now)),
    )


def _first_response(conn: sqlite3.Connection, grievance: Grievance, now: datetime) -> None:
    """Record the first response; the response deadline's reminder and flag are cancelled."""
    if grievance.first_response_at is not None:
        return
    conn.execute(
        "UPDATE grievances SET first_response_at = ? WHERE id = ? AND first_response_at IS NULL",
        (iso(now), grievance.id),
    )
    for kind in (REMIND, OVERDUE):
        schedules.cancel(conn, kind, f"{grievance.id}:response")


def _cancel_resolve(conn: sqlite3.Connection, grievance: Grievance) -> None:
    key = f"{grievance.id}:resolve" + (
        f":{grievance.reopen_count}" if grievance.reopen_count else ""
    )
    for kind in (REMIND, OVERDUE):
        schedules.cancel(conn, kind, key)


def act(
    conn: sqlite3.Connection,
    *,
    grievance_id: int,
    board_id: int,
    action: Action,
    text: str,
    assignee_id: int | None,
    now: datetime,
    keep_evidence: timedelta | None = None,
) -> Changed:
    """A board member changes the status (with a reason); Refused or NotFound otherwise.

    Closing a report schedules the erasure of its evidence after `keep_evidence`
    (BKM_RETENTION_EVIDENCE_DAYS); reopening it cancels that."""
    before = for_board(conn, grievance_id, board_id)
    shut_out = excluded(conn, grievance_id)
    if assignee_id is not None:
        row = conn.execute("SELECT role FROM people WHERE id = ?", (assignee_id,)).fetchone()
        if row is None or row[0] != Role.BOARD.value or assignee_id in shut_out:
            raise Refused("bad_assignee")
    target = transition(before.facts, action, now=now, text=text, assignee_id=assignee_id)
    sets = ["status = ?"]
    params: list[Any] = [target.value]
    if action is Action.PROCESS:
        sets.append("assignee_id = ?")
        params.append(assignee_id or before.assignee_id)
    if action is Action.RESOLVE:
        sets += ["answer = ?", "resolved_at = ?"]
        params += [text, iso(now)]
    if action is Action.REJECT:
        sets += ["reject_reason = ?", "closed_at = ?"]
        params += [text, iso(now)]
    row = conn.execute(
        f"UPDATE grievances SET {', '.join(sets)} WHERE id = ? AND status = ? RETURNING *",
        [*params, grievance_id, before.status.value],
    ).fetchone()
    if row is None:
        raise Refused("wrong_status")
    _first_response(conn, before, now)
    armed: list[Schedule] = []
    if target in (Status.RESOLVED, Status.REJECTED):
        _cancel_resolve(conn, before)
        if keep_evidence is not None:
            armed.append(
                schedules.put(
                    conn,
                    kind=ERASE_EVIDENCE,
                    object_id=grievance_id,
                    due_at=now + keep_evidence,
                    payload={"grievance_id": grievance_id},
                )
            )
    _note(conn, grievance_id, author="status", board_id=board_id, text=text, now=now,
          status=target.value)  # fmt: skip
    after_values: dict[str, Any] = {"status": target.value}
    if action is Action.PROCESS:
        after_values["assignee_id"] = assignee_id or before.assignee_id
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action=f"grievance.{action.value}",
        object_type="grievance",
        object_id=grievance_id,
        before={"status": before.status.value, "assignee_id": before.assignee_id},
        after=after_values,
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, shut_out, armed)


def board_reply(
    conn: sqlite3.Connection, *, grievance_id: int, board_id: int, text: str, now: datetime
) -> Changed:
    """A board member writes to the reporter; the first one is the first response."""
    before = for_board(conn, grievance_id, board_id)
    _note(conn, grievance_id, author="board", board_id=board_id, text=text, now=now)
    _first_response(conn, before, now)
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="grievance.replied",
        object_type="grievance",
        object_id=grievance_id,
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, excluded(conn, grievance_id), [])


def next_level(grievance: Grievance) -> str | None:
    index = LEVELS.index(grievance.level)
    return LEVELS[index + 1] if index + 1 < len(LEVELS) else None


def raise_level(
    conn: sqlite3.Connection, *, grievance_id: int, board_id: int, to: str, now: datetime
) -> Changed:
    """One level up (kelurahan → kota → provinsi → nasional); `to` must be the next level,
    so a second press of the same confirmation does nothing."""
    before = for_board(conn, grievance_id, board_id)
    level = next_level(before)
    if level is None or level != to or not before.status.is_open:
        raise Refused("wrong_level")
    conn.execute("UPDATE grievances SET level = ? WHERE id = ?", (level, grievance_id))
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="grievance.level_raised",
        object_type="grievance",
        object_id=grievance_id,
        before={"level": before.level},
        after={"level": level},
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, excluded(conn, grievance_id), [])


# ---- the moderation seam: hiding a public summary (storage/moderation.py does the hide) --------
def find_public(conn: sqlite3.Connection, reference: str) -> str | None:
    """ "lpr-2026-0001" → "LPR-2026-0001" when that report is listed publicly and its summary
    is not hidden yet; None otherwise (nothing else of a report is public to hide)."""
    row = conn.execute(
        "SELECT ref FROM grievances g WHERE g.ref = ? AND g.public = 1 AND NOT EXISTS"
        " (SELECT 1 FROM moderation m WHERE m.object_type = ? AND m.object_id = g.ref)",
        (reference.strip().upper(), MODERATION_TYPE),
    ).fetchone()
    return None if row is None else str(row[0])


def owners(conn: sqlite3.Connection, reference: str) -> list[int]:
    """Who is told that the summary was hidden: the reporter of a named report (never anyone
    for an anonymous one, which has no reporter; nobody once the reporter was erased)."""
    row = conn.execute(
        "SELECT reporter_id FROM grievances WHERE ref = ? AND identity != 'anonim'"
        " AND reporter_erased = 0",
        (reference,),
    ).fetchone()
    return [row[0]] if row is not None and row[0] is not None else []


# ---- the reporter's actions ---------------------------------------------------------------
def _reporter_actor(grievance: Grievance) -> int | None:
    return None if grievance.anonymous else grievance.reporter_id


def _reporter_now(grievance: Grievance, now: datetime) -> datetime:
    return to_the_hour(now) if grievance.anonymous else now


def reporter_add(
    conn: sqlite3.Connection,
    *,
    grievance_id: int,
    text: str | None,
    item: tuple[str, str] | None,
    now: datetime,
) -> Changed:
    """The reporter adds information or one piece of evidence while the report is open."""
    before = get(conn, grievance_id)
    if before is None:
        raise NotFound
    if not before.status.is_open:
        raise Refused("wrong_status")
    now = _reporter_now(before, now)
    if text:
        _note(conn, grievance_id, author="reporter", board_id=None, text=text, now=now)
    if item is not None:
        count = conn.execute(
            "SELECT COUNT(*) FROM grievance_evidence WHERE grievance_id = ?", (grievance_id,)
        ).fetchone()[0]
        if count >= MAX_EVIDENCE:
            raise TooMany
        _add_evidence(conn, grievance_id, item[0], item[1], now)
    audit.record(
        conn,
        now=now,
        actor_id=_reporter_actor(before),
        actor_role=Role.RESIDENT.value,
        action="grievance.reporter_added",
        object_type="grievance",
        object_id=grievance_id,
        after={"evidence": item[0] if item else None, "text": bool(text)},
    )
    return Changed(before, before, excluded(conn, grievance_id), [])


def reporter_reopen(
    conn: sqlite3.Connection,
    *,
    grievance_id: int,
    reason: str,
    now: datetime,
    resolve_due: datetime,
    reminders: dict[str, datetime | None],
) -> Changed:
    """ "Not fixed": back to diproses with the same assignee, once, within 7 days; flagged."""
    before = get(conn, grievance_id)
    if before is None:
        raise NotFound
    stamp = _reporter_now(before, now)
    transition(before.facts, Action.REOPEN, now=now, text=reason)
    conn.execute(
        "UPDATE grievances SET status = 'diproses', reopen_count = reopen_count + 1,"
        " reopen_reason = ?, resolved_at = NULL, answer = NULL, resolve_late = 0,"
        " resolve_due_at = ?, confirmed = 0 WHERE id = ?",
        (reason, iso(resolve_due), grievance_id),
    )
    _note(conn, grievance_id, author="reporter", board_id=None, text=reason, now=stamp,
          status=Status.IN_PROGRESS.value)  # fmt: skip
    schedules.cancel(conn, ERASE_EVIDENCE, grievance_id)
    armed = _schedule_deadline(
        conn, grievance_id, "resolve", resolve_due, reminders, before.reopen_count + 1
    )
    audit.record(
        conn,
        now=stamp,
        actor_id=_reporter_actor(before),
        actor_role=Role.RESIDENT.value,
        action="grievance.reopened",
        object_type="grievance",
        object_id=grievance_id,
        before={"status": before.status.value},
        after={"status": Status.IN_PROGRESS.value, "reopened": before.reopen_count + 1},
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, excluded(conn, grievance_id), armed)


def reporter_confirm(
    conn: sqlite3.Connection, *, grievance_id: int, rating: int, now: datetime
) -> Changed:
    """ "Fixed", with a rating of the answer 1–5: the report is closed for good."""
    before = get(conn, grievance_id)
    if before is None:
        raise NotFound
    if before.status is not Status.RESOLVED or before.confirmed:
        raise Refused("wrong_status")
    if not 1 <= rating <= 5:
        raise Refused("bad_rating")
    stamp = _reporter_now(before, now)
    conn.execute(
        "UPDATE grievances SET confirmed = 1, rating = ?, closed_at = ? WHERE id = ?",
        (rating, iso(stamp), grievance_id),
    )
    audit.record(
        conn,
        now=stamp,
        actor_id=_reporter_actor(before),
        actor_role=Role.RESIDENT.value,
        action="grievance.confirmed",
        object_type="grievance",
        object_id=grievance_id,
        after={"rating": rating},
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, excluded(conn, grievance_id), [])


def claim_erase_evidence(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> int:
    """Retention: a report closed long enough loses its evidence's file ids (kept: the count)."""
    grievance = get(conn, int(schedule.payload["grievance_id"]))
    if grievance is None or grievance.status.is_open:
        return 0
    erased = conn.execute(
        "UPDATE grievance_evidence SET file_id = NULL WHERE grievance_id = ?"
        " AND file_id IS NOT NULL",
        (grievance.id,),
    ).rowcount
    if erased:
        audit.record(
            conn,
            now=now,
            actor_id=None,
            actor_role="system",
            action="grievance.evidence_erased",
            object_type="grievance",
            object_id=grievance.id,
            after={"evidence": erased},
        )
    return erased


# ---- deadlines (claimed by the schedules seam) ----------------------------------------------
@dataclass(frozen=True)
class Due:
    kind: str  # REMIND or OVERDUE
    deadline: str  # "response" or "resolve"
    grievance: Grievance
    excluded: list[int]


def claim_deadline(conn: sqlite3.Connection, schedule: Schedule, now: datetime) -> Due | None:
    """Inside the claiming transaction: is the deadline still unmet? Flag it when it passed."""
    grievance = get(conn, int(schedule.payload["grievance_id"]))
    if grievance is None:
        return None
    deadline = schedule.payload["deadline"]
    due_at = from_iso(schedule.payload["due_at"])
    if deadline == "response":
        unmet = grievance.first_response_at is None and grievance.status.is_open
    else:
        unmet = grievance.status.is_open
    if not unmet:
        return None
    if schedule.kind == REMIND:
        # a reminder that fires after its deadline (the bot was down) says nothing
        return None if due_at is None or now >= due_at else Due(REMIND, deadline, grievance, [])
    column = "response_late" if deadline == "response" else "resolve_late"
    row = conn.execute(
        f"UPDATE grievances SET {column} = 1 WHERE id = ? AND {column} = 0 RETURNING *",
        (grievance.id,),
    ).fetchone()
    if row is None:
        return None
    audit.record(
        conn,
        now=now,
        actor_id=None,
        actor_role="system",
        action="grievance.overdue",
        object_type="grievance",
        object_id=grievance.id,
        after={"deadline": deadline, "late": True},
    )
    late = get(conn, grievance.id)
    assert late is not None
    return Due(OVERDUE, deadline, late, excluded(conn, grievance.id))
