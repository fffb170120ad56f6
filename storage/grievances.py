"""Grievances (pengaduan): reports, evidence, the conversation with the board, deadlines.

Anonymous reports store no person: `reporter_id` is NULL (a CHECK enforces it), their
audit rows have `actor_id` NULL, the follow-up code is kept as a salted scrypt hash only,
and the times of the anonymous reporter's own actions are stored to the hour, so they
cannot be matched against `people.last_seen_at`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.grievance_status import Action, Facts, Refused, Status, transition
from storage import audit, schedules
from storage.people import Role
from storage.rows import from_iso, iso
from storage.schedules import Schedule

CATEGORIES = ("infrastruktur", "keuangan", "pelayanan", "perilaku", "lainnya")
IDENTITIES = ("terbuka", "rahasia", "anonim")
CHANNELS = ("telegram", "in_person", "phone", "box")
LEVELS = ("kelurahan", "kota", "provinsi", "nasional")
EVIDENCE_KINDS = ("photo", "voice", "audio", "video", "document")
MAX_EVIDENCE = 5

REMIND = "grievance.remind"
OVERDUE = "grievance.overdue"
WIPE = "grievance.wipe_counts"
ERASE_EVIDENCE = "grievance.erase_evidence"

# scrypt: ~16 MiB and a few tens of ms per check; enough to make guessing codes costly.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a phone
CODE_LENGTH = 10


class NotFound(Exception):
    """No such report, or the viewer may not see it: a stale or forged button."""


class TooMany(Exception):
    """The evidence limit is reached."""


@dataclass(frozen=True)
class Grievance:
    id: int
    ref: str
    category: str
    description: str
    amount: int | None
    expected: str | None
    rt: int | None
    rw: int | None
    latitude: float | None
    longitude: float | None
    identity: str
    reporter_id: int | None
    reporter_erased: bool
    reporter_name: str | None
    public: bool
    hidden_reason: str | None
    channel: str
    filed_by: int | None
    status: Status
    assignee_id: int | None
    answer: str | None
    reject_reason: str | None
    level: str
    created_at: datetime
    first_response_at: datetime | None
    response_due_at: datetime
    resolve_due_at: datetime
    response_late: bool
    resolve_late: bool
    resolved_at: datetime | None
    confirmed: bool | None
    rating: int | None
    reopen_count: int
    reopen_reason: str | None

    @property
    def anonymous(self) -> bool:
        return self.identity == "anonim"

    @property
    def late(self) -> bool:
        return self.response_late or self.resolve_late

    @property
    def facts(self) -> Facts:
        return Facts(
            status=self.status,
            assignee_id=self.assignee_id,
            resolved_at=self.resolved_at,
            reopen_count=self.reopen_count,
            confirmed=bool(self.confirmed),
        )


@dataclass(frozen=True)
class Evidence:
    id: int
    grievance_id: int
    kind: str
    file_id: str | None


@dataclass(frozen=True)
class Message:
    id: int
    author: str
    board_id: int | None
    status: str | None
    text: str
    created_at: datetime


def _grievance(row: sqlite3.Row) -> Grievance:
    return Grievance(
        id=row["id"],
        ref=row["ref"],
        category=row["category"],
        description=row["description"],
        amount=row["amount"],
        expected=row["expected"],
        rt=row["rt"],
        rw=row["rw"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        identity=row["identity"],
        reporter_id=row["reporter_id"],
        reporter_erased=bool(row["reporter_erased"]),
        reporter_name=row["reporter_name"],
        public=bool(row["public"]),
        hidden_reason=row["hidden_reason"],
        channel=row["channel"],
        filed_by=row["filed_by"],
        status=Status(row["status"]),
        assignee_id=row["assignee_id"],
        answer=row["answer"],
        reject_reason=row["reject_reason"],
        level=row["level"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
        first_response_at=from_iso(row["first_response_at"]),
        response_due_at=from_iso(row["response_due_at"]),  # type: ignore[arg-type]
        resolve_due_at=from_iso(row["resolve_due_at"]),  # type: ignore[arg-type]
        response_late=bool(row["response_late"]),
        resolve_late=bool(row["resolve_late"]),
        resolved_at=from_iso(row["resolved_at"]),
        confirmed=None if row["confirmed"] is None else bool(row["confirmed"]),
        rating=row["rating"],
        reopen_count=row["reopen_count"],
        reopen_reason=row["reopen_reason"],
    )


def to_the_hour(moment: datetime) -> datetime:
    """Anonymous reporters' own actions are stored to the hour (no timing correlation)."""
    return moment.replace(minute=0, second=0, microsecond=0)


# ---- the secret code ----------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normalise_code(code).encode(), salt=salt, **_SCRYPT)


_DUMMY_SALT = b"\x00" * 16


@dataclass(frozen=True)
class Secret:
    """An anonymous report's code (shown once) and what is stored of it."""

    code: str
    salt: bytes
    digest: bytes


def new_secret() -> Secret:
    """A fresh code with its salted hash; slow on purpose (run it outside the database lock)."""
    code = new_code()
    salt = secrets.token_bytes(16)
    return Secret(code, salt, hash_code(code, salt))


@dataclass(frozen=True)
class CodeCheck:
    grievance_id: int | None
    salt: bytes
    digest: bytes


def code_check(conn: sqlite3.Connection, ref: str) -> CodeCheck:
    """What checking a code needs; a dummy for a missing reference, so that the slow hash
    runs either way and neither the answer nor its timing says whether the number exists."""
    row = conn.execute(
        "SELECT id, code_salt, code_hash FROM grievances WHERE ref = ? AND identity = 'anonim'",
        (ref.upper(),),
    ).fetchone()
    if row is None:
        return CodeCheck(None, _DUMMY_SALT, b"\x01" * 32)
    return CodeCheck(row["id"], row["code_salt"], row["code_hash"])


def code_matches(check: CodeCheck, code: str) -> int | None:
    """The report id when the code is right (no database: run it in a worker thread)."""
    candidate = hash_code(code, check.salt)
    if check.grievance_id is None or not hmac.compare_digest(candidate, check.digest):
        return None
    return check.grievance_id


# ---- filing -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filed:
    grievance: Grievance
    code: str | None  # the anonymous reporter's secret code, shown once
    schedules: list[Schedule]


def _next_ref(conn: sqlite3.Connection, year: int) -> tuple[int, str]:
    seq = conn.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM grievances WHERE year = ?", (year,)
    ).fetchone()[0]
    return seq, f"LPR-{year}-{seq:04d}"


def create(
    conn: sqlite3.Connection,
    *,
    data: dict[str, Any],
    reporter_id: int | None,
    filed_by: int | None,
    channel: str,
    now: datetime,
    local_year: int,
    response_due: datetime,
    resolve_due: datetime,
    reminders: dict[str, datetime | None],
    secret: Secret | None = None,
) -> Filed:
    """File a report from a finished draft; its deadlines are scheduled in the same transaction.

    `data` holds the draft's answers (category, description, amount, expected, rt, rw,
    latitude, longitude, evidence [[kind, file_id]], identity, exclude [person ids], public).
    """
    identity = data["identity"]
    anonymous = identity == "anonim"
    if anonymous:
        reporter_id = None
        now = to_the_hour(now) if filed_by is None else now
    if anonymous and secret is None:
        raise ValueError("an anonymous report needs its secret")
    if not anonymous:
        secret = None
    seq, ref = _next_ref(conn, local_year)
    exclude = [int(p) for p in data.get("exclude") or []]
    row = conn.execute(
        "INSERT INTO grievances (ref, year, seq, category, description, amount, expected, rt, rw,"
        " latitude, longitude, identity, reporter_id, reporter_name, code_salt, code_hash, public,"
        " channel, filed_by, created_at, response_due_at, resolve_due_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            ref,
            local_year,
            seq,
            data["category"],
            data["description"],
            data.get("amount"),
            data.get("expected"),
            data.get("rt"),
            data.get("rw"),
            data.get("latitude"),
            data.get("longitude"),
            identity,
            reporter_id,
            None if anonymous else data.get("reporter_name"),
            secret.salt if secret else None,
            secret.digest if secret else None,
            1 if data.get("public") and not exclude else 0,
            channel,
            filed_by,
            iso(now),
            iso(response_due),
            iso(resolve_due),
        ),
    ).fetchone()
    grievance = _grievance(row)
    for kind, file_id in (data.get("evidence") or [])[:MAX_EVIDENCE]:
        _add_evidence(conn, grievance.id, kind, file_id, now)
    for person_id in exclude:
        conn.execute(
            "INSERT OR IGNORE INTO grievance_exclusions (grievance_id, person_id) VALUES (?, ?)",
            (grievance.id, person_id),
        )
    audit.record(
        conn,
        now=now,
        actor_id=filed_by if filed_by is not None else reporter_id,
        actor_role=Role.BOARD.value if filed_by is not None else Role.RESIDENT.value,
        action="grievance.filed",
        object_type="grievance",
        object_id=grievance.id,
        after={
            "status": grievance.status.value,
            "category": grievance.category,
            "identity": identity,
            "channel": channel,
            "evidence": len(data.get("evidence") or []),
            "excluded": len(exclude),
        },
    )
    armed = _schedule_deadline(conn, grievance.id, "response", response_due, reminders)
    armed += _schedule_deadline(conn, grievance.id, "resolve", resolve_due, reminders)
    return Filed(grievance, secret.code if secret else None, armed)


def _schedule_deadline(
    conn: sqlite3.Connection,
    grievance_id: int,
    deadline: str,
    due: datetime,
    reminders: dict[str, datetime | None],
    round_: int = 0,
) -> list[Schedule]:
    key = f"{grievance_id}:{deadline}" + (f":{round_}" if round_ else "")
    payload = {"grievance_id": grievance_id, "deadline": deadline, "due_at": iso(due)}
    made = [schedules.put(conn, kind=OVERDUE, object_id=key, due_at=due, payload=payload)]
    remind_at = reminders.get(deadline)
    if remind_at is not None:
        made.append(
            schedules.put(conn, kind=REMIND, object_id=key, due_at=remind_at, payload=payload)
        )
    return made


def _add_evidence(
    conn: sqlite3.Connection, grievance_id: int, kind: str, file_id: str, now: datetime
) -> None:
    if kind not in EVIDENCE_KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}")
    conn.execute(
        "INSERT INTO grievance_evidence (grievance_id, kind, file_id, added_at)"
        " VALUES (?, ?, ?, ?)",
        (grievance_id, kind, file_id, iso(now)),
    )


# ---- reading ------------------------------------------------------------------------------
def get(conn: sqlite3.Connection, grievance_id: int) -> Grievance | None:
    row = conn.execute("SELECT * FROM grievances WHERE id = ?", (grievance_id,)).fetchone()
    return None if row is None else _grievance(row)


def excluded(conn: sqlite3.Connection, grievance_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT person_id FROM grievance_exclusions WHERE grievance_id = ? ORDER BY person_id",
        (grievance_id,),
    ).fetchall()
    return [r[0] for r in rows]


def for_board(conn: sqlite3.Connection, grievance_id: int, viewer_id: int) -> Grievance:
    """The report as a board member may see it; NotFound if absent or they are excluded."""
    grievance = get(conn, grievance_id)
    if grievance is None or viewer_id in excluded(conn, grievance_id):
        raise NotFound
    return grievance


def for_reporter(conn: sqlite3.Connection, person_id: int, limit: int = 20) -> list[Grievance]:
    """A person's own named reports, newest first."""
    rows = conn.execute(
        "SELECT * FROM grievances WHERE reporter_id = ? ORDER BY id DESC LIMIT ?",
        (person_id, limit),
    ).fetchall()
    return [_grievance(r) for r in rows]


def owned(conn: sqlite3.Connection, grievance_id: int, person_id: int) -> Grievance:
    grievance = get(conn, grievance_id)
    if grievance is None or grievance.reporter_id != person_id:
        raise NotFound
    return grievance


def evidence(conn: sqlite3.Connection, grievance_id: int) -> list[Evidence]:
    rows = conn.execute(
        "SELECT * FROM grievance_evidence WHERE grievance_id = ? ORDER BY id", (grievance_id,)
    ).fetchall()
    return [Evidence(r["id"], r["grievance_id"], r["kind"], r["file_id"]) for r in rows]


def messages(conn: sqlite3.Connection, grievance_id: int) -> list[Message]:
    rows = conn.execute(
        "SELECT * FROM grievance_messages WHERE grievance_id = ? ORDER BY id", (grievance_id,)
    ).fetchall()
    return [
        Message(
            r["id"],
            r["author"],
            r["board_id"],
            r["status"],
            r["text"],
            from_iso(r["created_at"]),  # type: ignore[arg-type]
        )
        for r in rows
    ]


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None  # a Status value, or "open"
    category: str | None = None
    overdue: bool = False


def queue(
    conn: sqlite3.Connection,
    viewer_id: int,
    flt: QueueFilter,
    *,
    limit: int = 10,
    offset: int = 0,
) -> tuple[list[Grievance], int]:
    """The board's queue, oldest first, without reports the viewer is excluded from."""
    where = [
        "NOT EXISTS (SELECT 1 FROM grievance_exclusions x"
        " WHERE x.grievance_id = g.id AND x.person_id = ?)"
    ]
    params: list[Any] = [viewer_id]
    if flt.status == "open" or flt.status is None:
        where.append("g.status IN ('diterima', 'diverifikasi', 'diproses')")
    else:
        where.append("g.status = ?")
        params.append(flt.status)
    if flt.category:
        where.append("g.category = ?")
        params.append(flt.category)
    if flt.overdue:
        where.append("(g.response_late = 1 OR g.resolve_late = 1)")
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM grievances g WHERE {clause}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT * FROM grievances g WHERE {clause} ORDER BY g.created_at, g.id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()
    return [_grievance(r) for r in rows], total


def names(conn: sqlite3.Connection, person_ids: list[int]) -> dict[int, str]:
    """Full (or Telegram display) names of people, for the board's eyes only."""
    found: dict[int, str] = {}
    for person_id in set(person_ids):
        row = conn.execute(
            "SELECT COALESCE(full_name, display_name) FROM people WHERE id = ?", (person_id,)
        ).fetchone()
        if row is not None and row[0]:
            found[person_id] = row[0]
    return found


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


def raise_level(
    conn: sqlite3.Connection, *, grievance_id: int, board_id: int, now: datetime
) -> Changed:
    before = for_board(conn, grievance_id, board_id)
    index = LEVELS.index(before.level)
    if index + 1 >= len(LEVELS) or not before.status.is_open:
        raise Refused("level_max" if before.status.is_open else "wrong_status")
    level = LEVELS[index + 1]
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


def hide_public(
    conn: sqlite3.Connection, *, grievance_id: int, board_id: int, reason: str, now: datetime
) -> Changed:
    """Hide a report's public summary; the reason stays with the report, the act is audited."""
    before = for_board(conn, grievance_id, board_id)
    if not before.public or before.hidden_reason is not None:
        raise Refused("not_public")
    conn.execute("UPDATE grievances SET hidden_reason = ? WHERE id = ?", (reason, grievance_id))
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role=Role.BOARD.value,
        action="grievance.public_hidden",
        object_type="grievance",
        object_id=grievance_id,
        before={"public": True},
        after={"public": False},
    )
    after = get(conn, grievance_id)
    assert after is not None
    return Changed(before, after, excluded(conn, grievance_id), [])


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
    return Due(OVERDUE, deadline, _grievance(row), excluded(conn, grievance.id))
