"""Proposals (usulan warga), their endorsements, status trail and progress notes."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.proposal_status import (
    PROGRESS_OPEN,
    REVIEW_QUEUE,
    Actor,
    InvalidTransition,
    Status,
    check,
)
from storage import audit, moderation
from storage.people import Role
from storage.rows import dumps, from_iso, iso, loads

FIELDS = ("lingkungan", "sosial", "ekonomi")
# Hiding goes through the moderation seam (storage/moderation.py): a proposal's object id
# is its reference, a progress note's is "<reference>/<number within the proposal>".
PROPOSAL_TYPE = "proposal"
PROGRESS_TYPE = "proposal_progress"
CHANNELS = ("telegram", "tatap_muka", "kotak_saran", "telepon", "sms")
# Endorsing ends when a proposal was turned down or is done.
ENDORSABLE = tuple(s.value for s in Status if s not in (Status.REJECTED, Status.COMPLETED))


class NotFound(Exception):
    """No such proposal (or progress note): a stale or forged reference."""


class NotMember(Exception):
    """Only verified members may endorse."""


class OwnProposal(Exception):
    """A proposer cannot endorse their own proposal."""


class NotEndorsable(Exception):
    """The proposal is hidden, rejected or completed: endorsing has ended."""


class NotOpenForProgress(Exception):
    """Progress is posted only while a proposal is funded or in progress."""


@dataclass(frozen=True)
class Proposal:
    id: int
    reference: str
    proposer_id: int | None
    proposer_erased: bool
    proposer_name: str | None  # the name shown when show_name (typed or the verified name)
    proposer_rt: int | None
    proposer_rw: int | None
    show_name: bool
    filed_by: int | None
    channel: str
    field: str
    title: str
    description: str
    rt: int | None
    rw: int | None
    latitude: float | None
    longitude: float | None
    estimated_cost: int | None
    photos: tuple[str, ...]
    status: Status
    board_cost: int | None
    planned_period: str | None
    supported_at: datetime | None
    hidden_reason: str | None
    hidden_at: datetime | None
    created_at: datetime
    updated_at: datetime
    endorsements: int

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None


@dataclass(frozen=True)
class Event:
    at: datetime
    from_status: Status | None
    to_status: Status
    reason: str | None


@dataclass(frozen=True)
class Progress:
    id: int
    proposal_id: int
    number: int  # 1 for the proposal's first note: "USL-2026-0001/1" to the moderation seam
    at: datetime
    percent: int
    note: str
    photo: str | None
    hidden_reason: str | None

    @property
    def hidden(self) -> bool:
        return self.hidden_reason is not None


@dataclass(frozen=True)
class Endorsed:
    """The outcome of an endorsement press."""

    proposal: Proposal
    changed: bool  # False when the member had already endorsed (or had not, for a withdrawal)
    reached_threshold: bool  # True exactly once: the press that first reached the threshold


SELECT = (
    "SELECT p.*, (SELECT COUNT(*) FROM proposal_endorsements e WHERE e.proposal_id = p.id)"
    " AS endorsements, pp.full_name AS proposer_full_name, pp.rt AS proposer_rt,"
    " pp.rw AS proposer_rw, m.reason AS hidden_reason, m.created_at AS hidden_at"
    " FROM proposals p LEFT JOIN people pp ON pp.id = p.proposer_id"
    f" LEFT JOIN moderation m ON m.object_type = '{PROPOSAL_TYPE}' AND m.object_id = p.reference"
)
# A WHERE condition: the proposal is not hidden by the board.
VISIBLE = (
    f"NOT EXISTS (SELECT 1 FROM moderation hm WHERE hm.object_type = '{PROPOSAL_TYPE}'"
    " AND hm.object_id = p.reference)"
)


def from_row(row: sqlite3.Row) -> Proposal:
    return Proposal(
        id=row["id"],
        reference=row["reference"],
        proposer_id=row["proposer_id"],
        proposer_erased=bool(row["proposer_erased"]),
        proposer_name=row["proposer_name"] or row["proposer_full_name"],
        proposer_rt=row["proposer_rt"],
        proposer_rw=row["proposer_rw"],
        show_name=bool(row["show_name"]),
        filed_by=row["filed_by"],
        channel=row["channel"],
        field=row["field"],
        title=row["title"],
        description=row["description"],
        rt=row["rt"],
        rw=row["rw"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        estimated_cost=row["estimated_cost"],
        photos=tuple(loads(row["photos"]) or ()),
        status=Status(row["status"]),
        board_cost=row["board_cost"],
        planned_period=row["planned_period"],
        supported_at=from_iso(row["supported_at"]),
        hidden_reason=row["hidden_reason"],
        hidden_at=from_iso(row["hidden_at"]),
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        updated_at=from_iso(row["updated_at"]),  # type: ignore[arg-type]
        endorsements=row["endorsements"],
    )


def _role_of(conn: sqlite3.Connection, person_id: int) -> Role | None:
    row = conn.execute("SELECT role FROM people WHERE id = ?", (person_id,)).fetchone()
    return None if row is None else Role(row[0])


# ---- reading ----------------------------------------------------------------------------------
def get(conn: sqlite3.Connection, proposal_id: int) -> Proposal | None:
    row = conn.execute(f"{SELECT} WHERE p.id = ?", (proposal_id,)).fetchone()
    return None if row is None else from_row(row)


def by_reference(conn: sqlite3.Connection, reference: str) -> Proposal | None:
    """The proposal with this reference (USL-2026-0001; case-insensitive), or None."""
    row = conn.execute(f"{SELECT} WHERE p.reference = ?", (reference.strip().upper(),)).fetchone()
    return None if row is None else from_row(row)


def events(conn: sqlite3.Connection, proposal_id: int) -> list[Event]:
    """The status trail, oldest first."""
    rows = conn.execute(
        "SELECT * FROM proposal_events WHERE proposal_id = ? ORDER BY id", (proposal_id,)
    ).fetchall()
    return [
        Event(
            at=from_iso(r["at"]),  # type: ignore[arg-type]
            from_status=Status(r["from_status"]) if r["from_status"] else None,
            to_status=Status(r["to_status"]),
            reason=r["reason"],
        )
        for r in rows
    ]


def progress(conn: sqlite3.Connection, proposal_id: int) -> list[Progress]:
    """Progress notes, oldest first, numbered from 1, with what the board hid."""
    found = conn.execute("SELECT reference FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
    if found is None:
        return []
    rows = conn.execute(
        "SELECT * FROM proposal_progress WHERE proposal_id = ? ORDER BY id", (proposal_id,)
    ).fetchall()
    keys = [progress_key(found[0], n) for n in range(1, len(rows) + 1)]
    hidden = moderation.hidden(conn, PROGRESS_TYPE, keys)
    return [
        _progress(row, number, hidden.get(progress_key(found[0], number)))
        for number, row in enumerate(rows, start=1)
    ]


def progress_key(reference: str, number: int) -> str:
    """A progress note's object id for the moderation seam: "USL-2026-0001/2"."""
    return f"{reference}/{number}"


def _progress(r: sqlite3.Row, number: int, hidden_reason: str | None) -> Progress:
    return Progress(
        id=r["id"],
        proposal_id=r["proposal_id"],
        number=number,
        at=from_iso(r["at"]),  # type: ignore[arg-type]
        percent=r["percent"],
        note=r["note"],
        photo=r["photo"],
        hidden_reason=hidden_reason,
    )


def get_progress(conn: sqlite3.Connection, progress_id: int) -> Progress | None:
    row = conn.execute(
        "SELECT proposal_id FROM proposal_progress WHERE id = ?", (progress_id,)
    ).fetchone()
    if row is None:
        return None
    return next(n for n in progress(conn, row[0]) if n.id == progress_id)


# ---- the moderation seam: what the board typed or pressed → the object id ---------------------
_NOTE_KEY = re.compile(r"^\s*(USL-\d{4}-\d{4,})\s*/\s*(\d{1,6})\s*$", re.IGNORECASE)


def find_proposal(conn: sqlite3.Connection, reference: str) -> str | None:
    """ "usl-2026-0001" → "USL-2026-0001" when that proposal exists."""
    found = by_reference(conn, reference)
    return None if found is None else found.reference


def owners(conn: sqlite3.Connection, object_id: str) -> list[int]:
    """Who is told when the board hides this proposal: the proposer (none when it was filed
    on behalf or the proposer was erased)."""
    row = conn.execute(
        "SELECT proposer_id FROM proposals WHERE reference = ?", (object_id,)
    ).fetchone()
    return [row[0]] if row is not None and row[0] is not None else []


def hideable(conn: sqlite3.Connection, key: str) -> tuple[str, str] | None:
    """(object type, object id) of a proposal ("USL-2026-0001") or progress note
    ("USL-2026-0001/2") that exists and is not hidden yet; None otherwise."""
    object_type = PROGRESS_TYPE if "/" in key else PROPOSAL_TYPE
    found = (find_progress if "/" in key else find_proposal)(conn, key)
    if found is None or moderation.hidden(conn, object_type, [found]):
        return None
    return object_type, found


def find_progress(conn: sqlite3.Connection, key: str) -> str | None:
    """ "USL-2026-0001/2" → itself when that proposal has a second progress note."""
    match = _NOTE_KEY.match(key)
    if match is None:
        return None
    reference, number = match.group(1).upper(), int(match.group(2))
    row = conn.execute(
        "SELECT COUNT(*) FROM proposal_progress n JOIN proposals p ON p.id = n.proposal_id"
        " WHERE p.reference = ?",
        (reference,),
    ).fetchone()
    return progress_key(reference, number) if 1 <= number <= row[0] else None


@dataclass(frozen=True)
class Detail:
    """Everything the detail view shows about one proposal."""

    proposal: Proposal
    events: list[Event]
    progress: list[Progress]


def detail(conn: sqlite3.Connection, proposal_id: int) -> Detail | None:
    found = get(conn, proposal_id)
    if found is None:
        return None
    return Detail(found, events(conn, proposal_id), progress(conn, proposal_id))


def list_public(
    conn: sqlite3.Connection,
    *,
    field: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 5,
) -> tuple[list[Proposal], int]:
    """Public proposals, newest first, optionally of one field and/or status; and the total."""
    where, params = ["1 = 1"], []
    if field:
        where.append("p.field = ?")
        params.append(field)
    if status:
        where.append("p.status = ?")
        params.append(status)
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM proposals p WHERE {clause}", params).fetchone()[0]
    rows = conn.execute(
        f"{SELECT} WHERE {clause} ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [from_row(r) for r in rows], total


def list_mine(
    conn: sqlite3.Connection, person_id: int, *, offset: int = 0, limit: int = 5
) -> tuple[list[Proposal], int]:
    """The person's own proposals, newest first, and how many there are."""
    total = conn.execute(
        "SELECT COUNT(*) FROM proposals WHERE proposer_id = ?", (person_id,)
    ).fetchone()[0]
    rows = conn.execute(
        f"{SELECT} WHERE p.proposer_id = ? ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?",
        (person_id, limit, offset),
    ).fetchall()
    return [from_row(r) for r in rows], total


def review_queue(
    conn: sqlite3.Connection, *, threshold: int, offset: int = 0, limit: int = 5
) -> tuple[list[Proposal], int]:
    """baru and terverifikasi, not hidden: "didukung warga" first, then the oldest."""
    statuses = tuple(s.value for s in REVIEW_QUEUE)
    marks = ",".join("?" * len(statuses))
    clause = f"p.status IN ({marks}) AND {VISIBLE}"
    total = conn.execute(f"SELECT COUNT(*) FROM proposals p WHERE {clause}", statuses).fetchone()[
        0
    ]
    rows = conn.execute(
        f"SELECT * FROM ({SELECT} WHERE {clause}) ORDER BY endorsements >= ? DESC,"
        " created_at, id LIMIT ? OFFSET ?",
        (*statuses, threshold, limit, offset),
    ).fetchall()
    return [from_row(r) for r in rows], total


_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    _WORD.findall(
        "dan di ke dari yang untuk dengan atau pada ini itu agar bagi oleh"
        " the and of for to in a an on at with rt rw"
    )
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2 and w not in _STOPWORDS}


def similar(conn: sqlite3.Connection, title: str, limit: int = 3) -> list[Proposal]:
    """Open, visible proposals whose titles share words with this one, most overlap first."""
    wanted = _words(title)
    if not wanted:
        return []
    marks = ",".join("?" * len(ENDORSABLE))
    rows = conn.execute(
        f"SELECT p.id, p.title FROM proposals p WHERE {VISIBLE} AND p.status IN ({marks})",
        ENDORSABLE,
    ).fetchall()
    scored = []
    for row in rows:
        words = _words(row["title"])
        overlap = len(wanted & words)
        if overlap:
            scored.append((-overlap, -overlap / len(wanted | words), -row["id"], row["id"]))
    scored.sort()
    found = [get(conn, item[3]) for item in scored[:limit]]
    return [p for p in found if p is not None]


def endorsers(conn: sqlite3.Connection, proposal_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT person_id FROM proposal_endorsements WHERE proposal_id = ? ORDER BY created_at",
        (proposal_id,),
    ).fetchall()
    return [r[0] for r in rows]


def has_endorsed(conn: sqlite3.Connection, proposal_id: int, person_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM proposal_endorsements WHERE proposal_id = ? AND person_id = ?",
        (proposal_id, person_id),
    ).fetchone()
    return row is not None


# ---- writing ----------------------------------------------------------------------------------
def create(
    conn: sqlite3.Connection,
    *,
    proposer_id: int | None,
    field: str,
    title: str,
    description: str,
    rt: int | None,
    rw: int | None,
    latitude: float | None,
    longitude: float | None,
    estimated_cost: int | None,
    photos: Sequence[str],
    show_name: bool,
    now: datetime,
    year: int,
    channel: str = "telegram",
    filed_by: int | None = None,
    proposer_name: str | None = None,
) -> Proposal:
    """Save a new proposal as baru with the next USL-<year>-NNNN reference, audited."""
    if field not in FIELDS or channel not in CHANNELS:
        raise ValueError("unknown field or channel")
    seq = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM proposals WHERE year = ?", (year,)
    ).fetchone()[0]
    reference = f"USL-{year}-{seq:04d}"
    proposal_id = conn.execute(
        "INSERT INTO proposals (year, seq, reference, proposer_id, proposer_name, show_name,"
        " filed_by, channel, field, title, description, rt, rw, latitude, longitude,"
        " estimated_cost, photos, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            year,
            seq,
            reference,
            proposer_id,
            proposer_name,
            int(show_name),
            filed_by,
            channel,
            field,
            title,
            description,
            rt,
            rw,
            latitude,
            longitude,
            estimated_cost,
            dumps(list(photos)),
            iso(now),
            iso(now),
        ),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO proposal_events (proposal_id, at, actor_id, from_status, to_status)"
        " VALUES (?, ?, ?, NULL, 'baru')",
        (proposal_id, iso(now), filed_by or proposer_id),
    )
    actor_id = filed_by or proposer_id
    role = _role_of(conn, actor_id) if actor_id is not None else None
    audit.record(
        conn,
        now=now,
        actor_id=actor_id,
        actor_role=role.value if role else "system",
        action="proposal.submitted",
        object_type="proposal",
        object_id=reference,
        after={"status": Status.NEW.value, "field": field, "channel": channel},
    )
    created = get(conn, proposal_id)
    assert created is not None
    return created


def endorse(
    conn: sqlite3.Connection, *, proposal_id: int, person_id: int, threshold: int, now: datetime
) -> Endorsed:
    """One endorsement per member per proposal (the primary key enforces it)."""
    proposal = get(conn, proposal_id)
    if proposal is None:
        raise NotFound
    role = _role_of(conn, person_id)
    if role is None or not role.at_least(Role.MEMBER):
        raise NotMember
    if proposal.proposer_id == person_id:
        raise OwnProposal
    if proposal.hidden or proposal.status.value not in ENDORSABLE:
        raise NotEndorsable
    inserted = conn.execute(
        "INSERT INTO proposal_endorsements (proposal_id, person_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        (proposal_id, person_id, iso(now)),
    ).fetchone()
    if inserted is None:
        return Endorsed(proposal, changed=False, reached_threshold=False)
    count = proposal.endorsements + 1
    audit.record(
        conn,
        now=now,
        actor_id=person_id,
        actor_role=role.value,
        action="proposal.endorsed",
        object_type="proposal",
        object_id=proposal.reference,
        after={"endorsements": count},
    )
    reached = False
    if count >= threshold and proposal.supported_at is None:
        conn.execute(
            "UPDATE proposals SET supported_at = ? WHERE id = ? AND supported_at IS NULL",
            (iso(now), proposal_id),
        )
        audit.record(
            conn,
            now=now,
            actor_id=None,
            actor_role="system",
            action="proposal.supported",
            object_type="proposal",
            object_id=proposal.reference,
            after={"endorsements": count, "threshold": threshold},
        )
        reached = True
    updated = get(conn, proposal_id)
    assert updated is not None
    return Endorsed(updated, changed=True, reached_threshold=reached)


def withdraw(
    conn: sqlite3.Connection, *, proposal_id: int, person_id: int, now: datetime
) -> Endorsed:
    """Batal dukung: remove this member's endorsement, if there is one."""
    proposal = get(conn, proposal_id)
    if proposal is None:
        raise NotFound
    removed = conn.execute(
        "DELETE FROM proposal_endorsements WHERE proposal_id = ? AND person_id = ? RETURNING 1",
        (proposal_id, person_id),
    ).fetchone()
    if removed is None:
        return Endorsed(proposal, changed=False, reached_threshold=False)
    role = _role_of(conn, person_id)
    audit.record(
        conn,
        now=now,
        actor_id=person_id,
        actor_role=role.value if role else "warga",
        action="proposal.endorsement_withdrawn",
        object_type="proposal",
        object_id=proposal.reference,
        after={"endorsements": proposal.endorsements - 1},
    )
    updated = get(conn, proposal_id)
    assert updated is not None
    return Endorsed(updated, changed=True, reached_threshold=False)


def transition(
    conn: sqlite3.Connection,
    *,
    proposal_id: int,
    target: Status,
    actor_id: int,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    board_cost: int | None = None,
    planned_period: str | None = None,
    expected: Status | None = None,
) -> tuple[Proposal, Proposal]:
    """Move a proposal to target if the state machine allows it; (before, after), audited.

    `expected` is the status the actor saw: a button pressed on an older view fails.
    """
    before = get(conn, proposal_id)
    if before is None:
        raise NotFound
    if expected is not None and before.status is not expected:
        raise InvalidTransition(before.status, target)
    check(before.status, target, actor)
    if actor is Actor.PROPOSER and before.proposer_id != actor_id:
        raise InvalidTransition(before.status, target)
    sets = "status = ?, updated_at = ?"
    params: list[Any] = [target.value, iso(now)]
    if board_cost is not None or planned_period is not None:
        sets += ", board_cost = ?, planned_period = ?"
        params += [board_cost, planned_period]
    changed = conn.execute(
        f"UPDATE proposals SET {sets} WHERE id = ? AND status = ? RETURNING id",
        (*params, proposal_id, before.status.value),
    ).fetchone()
    if changed is None:
        raise InvalidTransition(before.status, target)
    conn.execute(
        "INSERT INTO proposal_events (proposal_id, at, actor_id, from_status, to_status, reason)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (proposal_id, iso(now), actor_id, before.status.value, target.value, reason),
    )
    after_codes: dict[str, Any] = {"status": target.value}
    if board_cost is not None:
        after_codes["board_cost"] = board_cost
    audit.record(
        conn,
        now=now,
        actor_id=actor_id,
        actor_role=Role.BOARD.value if actor is Actor.BOARD else "warga",
        action=f"proposal.{target.value}",
        object_type="proposal",
        object_id=before.reference,
        before={"status": before.status.value},
        after=after_codes,
    )
    after = get(conn, proposal_id)
    assert after is not None
    return before, after


def revise(
    conn: sqlite3.Connection,
    *,
    proposal_id: int,
    person_id: int,
    changes: dict[str, Any],
    now: datetime,
) -> Proposal:
    """The proposer edits a proposal in perlu_revisi; it goes back to baru, audited."""
    allowed = {
        "field",
        "title",
        "description",
        "rt",
        "rw",
        "latitude",
        "longitude",
        "estimated_cost",
        "show_name",
    }
    values = {k: v for k, v in changes.items() if k in allowed}
    if "photos" in changes:
        values["photos"] = dumps(list(changes["photos"]))
    if "show_name" in values:
        values["show_name"] = int(bool(values["show_name"]))
    if values:
        assignments = ", ".join(f"{column} = ?" for column in values)
        conn.execute(
            f"UPDATE proposals SET {assignments} WHERE id = ? AND proposer_id = ?",
            (*values.values(), proposal_id, person_id),
        )
    _, after = transition(
        conn,
        proposal_id=proposal_id,
        target=Status.NEW,
        actor_id=person_id,
        actor=Actor.PROPOSER,
        now=now,
        expected=Status.REVISION,
    )
    return after


def add_progress(
    conn: sqlite3.Connection,
    *,
    proposal_id: int,
    author_id: int,
    percent: int,
    note: str,
    photo: str | None,
    now: datetime,
) -> tuple[Proposal, Progress]:
    """A board member posts progress on a funded proposal; audited (percent only)."""
    proposal = get(conn, proposal_id)
    if proposal is None:
        raise NotFound
    if proposal.status not in PROGRESS_OPEN:
        raise NotOpenForProgress
    row = conn.execute(
        "INSERT INTO proposal_progress (proposal_id, at, author_id, percent, note, photo)"
        " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
        (proposal_id, iso(now), author_id, percent, note, photo),
    ).fetchone()
    audit.record(
        conn,
        now=now,
        actor_id=author_id,
        actor_role=Role.BOARD.value,
        action="proposal.progress",
        object_type="proposal",
        object_id=proposal.reference,
        after={"percent": percent, "photo": photo is not None},
    )
    posted = get_progress(conn, row["id"])
    assert posted is not None
    return proposal, posted
