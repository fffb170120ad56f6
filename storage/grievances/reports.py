"""Grievances (pengaduan): the report, its evidence and messages, filing and reading.

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
from datetime import datetime
from typing import Any

from rules.grievance_status import Facts, Status
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


# A report's public summary is hidden through the moderation seam (storage/moderation.py):
# object type "grievance", object id = the public reference ("LPR-2026-0001").
MODERATION_TYPE = "grievance"
# Every read of a report selects these: the row and the moderation reason, if hidden.
COLUMNS = (
    "g.*, (SELECT m.reason FROM moderation m WHERE m.object_type = 'grievance'"
    " AND m.object_id = g.ref) AS hidden_reason"
)


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
    anonymous = data["identity"] == "anonim"
    if anonymous:
        reporter_id = None
        now = to_the_hour(now) if filed_by is None else now
    if anonymous and secret is None:
        raise ValueError("an anonymous report needs its secret")
    if not anonymous:
        secret = None
    exclude = [int(p) for p in data.get("exclude") or []]
    grievance = _insert(
        conn,
        data=data,
        reporter_id=reporter_id,
        secret=secret,
        public=bool(data.get("public")) and not exclude,
        channel=channel,
        filed_by=filed_by,
        now=now,
        local_year=local_year,
        response_due=response_due,
        resolve_due=resolve_due,
    )
    for kind, file_id in (data.get("evidence") or [])[:MAX_EVIDENCE]:
        _add_evidence(conn, grievance.id, kind, file_id, now)
    for person_id in exclude:
        conn.execute(
            "INSERT OR IGNORE INTO grievance_exclusions (grievance_id, person_id) VALUES (?, ?)",
            (grievance.id, person_id),
        )
    _audit_filed(conn, grievance, data, reporter_id, filed_by, len(exclude), now)
    armed = _schedule_deadline(conn, grievance.id, "response", response_due, reminders)
    armed += _schedule_deadline(conn, grievance.id, "resolve", resolve_due, reminders)
    return Filed(grievance, secret.code if secret else None, armed)


def _insert(
    conn: sqlite3.Connection,
    *,
    data: dict[str, Any],
    reporter_id: int | None,
    secret: Secret | None,
    public: bool,
    channel: str,
    filed_by: int | None,
    now: datetime,
    local_year: int,
    response_due: datetime,
    resolve_due: datetime,
) -> Grievance:
    """The report's row, with the next reference of its year."""
    identity = data["identity"]
    seq, ref = _next_ref(conn, local_year)
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
            None if identity == "anonim" else data.get("reporter_name"),
            secret.salt if secret else None,
            secret.digest if secret else None,
            1 if public else 0,
            channel,
            filed_by,
            iso(now),
            iso(response_due),
            iso(resolve_due),
        ),
    ).fetchone()
    grievance = get(conn, row["id"])
    assert grievance is not None
    return grievance


def _audit_filed(
    conn: sqlite3.Connection,
    grievance: Grievance,
    data: dict[str, Any],
    reporter_id: int | None,
    filed_by: int | None,
    excluded: int,
    now: datetime,
) -> None:
    """The filing's audit row: by the board member filing it, else by the reporter (no one
    for an anonymous report)."""
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
            "identity": grievance.identity,
            "channel": grievance.channel,
            "evidence": len(data.get("evidence") or []),
            "excluded": excluded,
        },
    )


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
    row = conn.execute(
        f"SELECT {COLUMNS} FROM grievances g WHERE g.id = ?", (grievance_id,)
    ).fetchone()
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
        f"SELECT {COLUMNS} FROM grievances g WHERE g.reporter_id = ? ORDER BY g.id DESC LIMIT ?",
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
        f"SELECT {COLUMNS} FROM grievances g WHERE {clause}"
        " ORDER BY g.created_at, g.id LIMIT ? OFFSET ?",
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


def any_filed(conn: sqlite3.Connection) -> bool:
    """Whether any report exists (the demo seeds only an empty database)."""
    return conn.execute("SELECT 1 FROM grievances LIMIT 1").fetchone() is not None
