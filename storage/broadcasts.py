"""Broadcasts composed with /siaran, their audiences and schedules; the digest months."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage import audit, deliveries, schedules, subscriptions
from storage.deliveries import Rendering
from storage.rows import from_iso, iso
from storage.schedules import Schedule

KIND = "broadcast"  # the schedules kind of a /siaran firing
AUDIENCES = ("all", "members", "rw", "topic")


@dataclass(frozen=True)
class Broadcast:
    id: int
    author_id: int | None
    text: str
    media_kind: str | None
    media_id: str | None
    audience: str
    rw: int | None
    topic: str
    recurrence: str | None
    at_time: str | None
    due_at: datetime | None
    status: str
    fired: int
    missed: int
    created_at: datetime

    @property
    def ref(self) -> str:
        return f"SRN-{self.id:04d}"

    def rendering(self) -> Rendering:
        """The same for every recipient: exactly what the author composed."""
        return Rendering(
            text=self.text,
            photo_id=self.media_id if self.media_kind == "photo" else None,
            document_id=self.media_id if self.media_kind == "document" else None,
        )


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        author_id=row["author_id"],
        text=row["text"],
        media_kind=row["media_kind"],
        media_id=row["media_id"],
        audience=row["audience"],
        rw=row["rw"],
        topic=row["topic"],
        recurrence=row["recurrence"],
        at_time=row["at_time"],
        due_at=from_iso(row["due_at"]),
        status=row["status"],
        fired=row["fired"],
        missed=row["missed"],
        created_at=from_iso(row["created_at"]),  # type: ignore[arg-type]
    )


# ---- audiences -----------------------------------------------------------------------------
def audience_ids(conn: sqlite3.Connection, audience: str, rw: int | None) -> list[int]:
    """People in an audience (before subscriptions): everyone, members, one RW; 'topic' is
    everyone, narrowed to the topic's subscribers when the deliveries are made."""
    args: tuple[object, ...]
    if audience in ("all", "topic"):
        sql, args = "SELECT id FROM people WHERE telegram_id IS NOT NULL", ()
    elif audience == "members":
        sql, args = (
            "SELECT id FROM people WHERE telegram_id IS NOT NULL"
            " AND role IN ('anggota', 'pengurus')",
            (),
        )
    elif audience == "rw":
        sql, args = "SELECT id FROM people WHERE telegram_id IS NOT NULL AND rw = ?", (rw,)
    else:
        raise ValueError(f"unknown audience {audience!r}")
    return [r[0] for r in conn.execute(sql + " ORDER BY id", args)]


def audience_size(conn: sqlite3.Connection, audience: str, rw: int | None, topic: str) -> int:
    """How many would receive it now (subscriptions applied; daily-digest people included)."""
    found = subscriptions.recipients(
        conn, audience_ids(conn, audience, rw), topic=topic, hold_until=lambda _: datetime.max
    )
    return len(found)


# ---- composing -----------------------------------------------------------------------------
def create(
    conn: sqlite3.Connection,
    *,
    author_id: int,
    text: str,
    media_kind: str | None,
    media_id: str | None,
    audience: str,
    rw: int | None,
    topic: str,
    recurrence: str | None,
    at_time: str | None,
    due_at: datetime | None,
    now: datetime,
) -> Broadcast:
    row = conn.execute(
        "INSERT INTO broadcasts (author_id, text, media_kind, media_id, audience, rw, topic,"
        " recurrence, at_time, due_at, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            author_id, text, media_kind, media_id, audience, rw, topic, recurrence, at_time,
            iso(due_at) if due_at else None, "scheduled" if due_at else "sent", iso(now),
        ),
    ).fetchone()  # fmt: skip
    broadcast = _broadcast(row)
    audit.record(
        conn,
        now=now,
        actor_id=author_id,
        actor_role="pengurus",
        action="broadcast.scheduled" if due_at else "broadcast.sent",
        object_type="broadcast",
        object_id=broadcast.id,
        after={"audience": audience, "rw": rw, "topic": topic, "recurrence": recurrence},
    )
    return broadcast


def get(conn: sqlite3.Connection, broadcast_id: int) -> Broadcast | None:
    row = conn.execute("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,)).fetchone()
    return None if row is None else _broadcast(row)


def fire(
    conn: sqlite3.Connection,
    broadcast: Broadcast,
    now: datetime,
    hold_until: Callable[[str], datetime],
) -> tuple[int, int]:
    """Queue the broadcast's deliveries now (in the caller's transaction)."""
    recipients = subscriptions.recipients(
        conn,
        audience_ids(conn, broadcast.audience, broadcast.rw),
        topic=broadcast.topic,
        hold_until=hold_until,
    )
    message_id, queued = deliveries.enqueue(
        conn,
        kind=f"broadcast:{broadcast.topic}",
        topic=broadcast.topic,
        author_id=broadcast.author_id,
        renderings={"*": broadcast.rendering()},
        recipients=recipients,
        now=now,
        broadcast_id=broadcast.id,
    )
    conn.execute("UPDATE broadcasts SET fired = fired + 1 WHERE id = ?", (broadcast.id,))
    return message_id, queued


def reschedule(conn: sqlite3.Connection, broadcast: Broadcast, due_at: datetime | None) -> None:
    """After a firing: the next one of a recurrence, or done."""
    if due_at is None:
        conn.execute(
            "UPDATE broadcasts SET status = 'sent', due_at = NULL WHERE id = ?", (broadcast.id,)
        )
        return
    conn.execute("UPDATE broadcasts SET due_at = ? WHERE id = ?", (iso(due_at), broadcast.id))
    schedules.put(conn, kind=KIND, object_id=broadcast.id, due_at=due_at)


def missed(conn: sqlite3.Connection, broadcast: Broadcast, now: datetime) -> None:
    conn.execute("UPDATE broadcasts SET missed = missed + 1 WHERE id = ?", (broadcast.id,))
    audit.record(
        conn,
        now=now,
        actor_id=None,
        actor_role="system",
        action="broadcast.missed",
        object_type="broadcast",
        object_id=broadcast.id,
        after={"due_at": iso(broadcast.due_at) if broadcast.due_at else None},
    )


def cancel(conn: sqlite3.Connection, broadcast_id: int, *, actor_id: int, now: datetime) -> bool:
    row = conn.execute(
        "UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status = 'scheduled'"
        " RETURNING id",
        (broadcast_id,),
    ).fetchone()
    if row is None:
        return False
    schedules.cancel(conn, KIND, broadcast_id)
    audit.record(
        conn,
        now=now,
        actor_id=actor_id,
        actor_role="pengurus",
        action="broadcast.cancelled",
        object_type="broadcast",
        object_id=broadcast_id,
        before={"status": "scheduled"},
        after={"status": "cancelled"},
    )
    return True


def scheduled(conn: sqlite3.Connection, limit: int = 10) -> list[Broadcast]:
    rows = conn.execute(
        "SELECT * FROM broadcasts WHERE status = 'scheduled' ORDER BY due_at, id LIMIT ?",
        (limit,),
    ).fetchall()
    return [_broadcast(r) for r in rows]


# ---- schedules that must exist once ----------------------------------------------------------
def ensure_schedule(
    conn: sqlite3.Connection, kind: str, object_id: str, due_at: datetime, payload: dict[str, Any]
) -> Schedule | None:
    """Add the pending row unless one exists (a restart must not move an overdue one)."""
    exists = conn.execute(
        "SELECT 1 FROM schedules WHERE kind = ? AND object_id = ? AND status = 'pending'",
        (kind, object_id),
    ).fetchone()
    if exists:
        return None
    return schedules.put(conn, kind=kind, object_id=object_id, due_at=due_at, payload=payload)


def cancel_schedule(conn: sqlite3.Connection, kind: str, object_id: str) -> None:
    schedules.cancel(conn, kind, object_id)


# ---- the monthly digest ----------------------------------------------------------------------
def digest_due(conn: sqlite3.Connection, month: str, now: datetime) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO digests (month, created_at) VALUES (?, ?)", (month, iso(now))
    )


def digests_due(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT month FROM digests WHERE status = 'due'")]


def digest_claim_send(conn: sqlite3.Connection, month: str) -> bool:
    row = conn.execute("SELECT status FROM digests WHERE month = ?", (month,)).fetchone()
    return row is not None and row[0] == "due"


def digest_sent(conn: sqlite3.Connection, month: str, message_id: int | None) -> None:
    conn.execute(
        "UPDATE digests SET status = 'sent', message_id = ? WHERE month = ?", (message_id, month)
    )


def digest_missed(conn: sqlite3.Connection, month: str) -> None:
    conn.execute(
        "UPDATE digests SET status = 'missed' WHERE month = ? AND status = 'due'", (month,)
    )
