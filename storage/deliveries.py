"""The delivery queue: one row per message and chat, sent at most once.

A row is `queued`, marked `sending` in the database when its API call is about to start
(not while it waits for its turn) and `sent` (or `failed`, `unreachable`) after. Rows
found in `sending` at start become `uncertain`: they may or may not have reached the
person, so they are counted and offered for resending, never resent by themselves.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage import audit
from storage.rows import day_iso, dumps, from_iso, iso, loads

NOTIFICATION, BROADCAST = 0, 1
FINAL = ("sent", "failed", "unreachable", "uncertain", "cancelled")
# A discreet message (the board told of an anonymous report or its follow-up): its rows
# carry the day, never the time, and are deleted at any final status.
DISCREET = "discreet:"
_DISCREET_IDS = "SELECT id FROM outbox_messages WHERE kind LIKE 'discreet:%'"
# updated_at of a delivery row: the day for a discreet message, else the moment
_STAMP = (
    "CASE WHEN (SELECT m.kind FROM outbox_messages m WHERE m.id = deliveries.message_id)"
    " LIKE 'discreet:%' THEN :day ELSE :stamp END"
)


def discreet(kind: str) -> str:
    """The kind of a message that must not keep when it was sent."""
    return kind if kind.startswith(DISCREET) else DISCREET + kind


def _stamps(now: datetime) -> dict[str, str]:
    return {"day": day_iso(now), "stamp": iso(now)}


def purge_discreet(conn: sqlite3.Connection, message_ids: Iterable[int] | None = None) -> int:
    """Delete discreet deliveries at a final status, the renderings of discreet messages with
    none left, and those messages, except the newest message of all: deleting it would give
    its id to the next message (no AUTOINCREMENT) while the engine still knows the old one.
    It holds only its kind and day, and goes at the next purge after a newer message.
    `message_ids` limits the work to those messages (None: every discreet message)."""
    query = _DISCREET_IDS
    params: tuple[str, ...] = ()
    if message_ids is not None:
        query += " AND id IN (SELECT value FROM json_each(?))"
        params = (dumps(sorted(set(message_ids))),)
    found = [r[0] for r in conn.execute(query, params)]
    if not found:
        return 0
    ids = dumps(found)
    final = ", ".join(f"'{status}'" for status in FINAL)
    gone = conn.execute(
        f"DELETE FROM deliveries WHERE status IN ({final})"
        " AND message_id IN (SELECT value FROM json_each(?))",
        (ids,),
    ).rowcount
    empty = (
        "SELECT value FROM json_each(?) WHERE NOT EXISTS"
        " (SELECT 1 FROM deliveries d WHERE d.message_id = value)"
    )
    conn.execute(f"DELETE FROM outbox_renderings WHERE message_id IN ({empty})", (ids,))
    conn.execute(
        f"DELETE FROM outbox_messages WHERE id IN ({empty})"
        " AND id < (SELECT MAX(id) FROM outbox_messages)",
        (ids,),
    )
    return gone


@dataclass(frozen=True)
class Rendering:
    """The message in one language: HTML text, buttons, a photo or a document."""

    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
    photo: bytes | None = None
    photo_id: str | None = None
    document_id: str | None = None


@dataclass(frozen=True)
class Recipient:
    person_id: int | None
    chat_id: int
    language: str
    not_before: datetime | None = None  # held until the person's daily digest time


@dataclass(frozen=True)
class Ready:
    id: int
    message_id: int
    chat_id: int
    language: str
    attempts: int
    held: bool = False  # held for the person's daily digest: sent together with the others


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str  # sent | failed | unreachable | uncertain | queued (try again)
    chat_id: int = 0
    error: str | None = None
    retry: bool = False  # a 429: put back without counting the attempt


@dataclass(frozen=True)
class Figures:
    message_id: int
    kind: str
    topic: str | None
    author_id: int | None
    broadcast_id: int | None
    status: str
    total: int
    sent: int
    unreachable: int
    failed: int
    uncertain: int
    cancelled: int
    waiting: int  # queued or sending (held for a daily digest included)
    held: int  # queued for a later daily digest
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime

    @property
    def seconds(self) -> int:
        if self.started_at is None or self.finished_at is None:
            return 0
        return max(0, round((self.finished_at - self.started_at).total_seconds()))


def enqueue(
    conn: sqlite3.Connection,
    *,
    kind: str,
    topic: str | None,
    author_id: int | None,
    renderings: Mapping[str, Rendering],
    recipients: Iterable[Recipient],
    now: datetime,
    broadcast_id: int | None = None,
) -> tuple[int, int]:
    """Store a message and one delivery per chat; returns (message id, deliveries queued).

    A chat that answered 403 and has not written to the bot since (writing clears the mark,
    storage.people.seen) is recorded `unreachable` at once, so the figures account for
    everyone. A discreet kind (`discreet()`) stores the day instead of the moment.
    """
    hidden = kind.startswith(DISCREET)
    stamp = day_iso(now) if hidden else iso(now)
    message_id = conn.execute(
        "INSERT INTO outbox_messages (kind, topic, author_id, broadcast_id, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        (kind, topic, author_id, broadcast_id, stamp),
    ).fetchone()[0]
    wanted = list(recipients)
    used = {r.language for r in wanted}
    for language, rendering in renderings.items():
        if language != "*" and language not in used:
            continue
        conn.execute(
            "INSERT INTO outbox_renderings (message_id, language, text, buttons,"
            " photo, photo_id, document_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                message_id,
                language,
                rendering.text,
                dumps([[list(button) for button in row] for row in rendering.buttons]),
                rendering.photo,
                rendering.photo_id,
                rendering.document_id,
            ),
        )
    priority = NOTIFICATION if topic is None else BROADCAST
    conn.executemany(
        "INSERT INTO deliveries (message_id, chat_id, person_id, language, priority, status,"
        " not_before, updated_at) SELECT ?, ?, ?, ?, ?,"
        " CASE WHEN EXISTS (SELECT 1 FROM unreachable_chats u WHERE u.chat_id = ?)"
        " THEN 'unreachable' ELSE 'queued' END, ?, ?"
        " ON CONFLICT (message_id, chat_id) DO NOTHING",
        [
            (
                message_id,
                r.chat_id,
                r.person_id,
                r.language if r.language in renderings else "*",
                priority,
                r.chat_id,
                iso(r.not_before) if r.not_before else None,
                stamp,
            )
            for r in wanted
        ],
    )
    queued = conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE message_id = ? AND status = 'queued'",
        (message_id,),
    ).fetchone()[0]
    if not wanted:
        conn.execute(
            "UPDATE outbox_messages SET status = 'done', finished_at = ? WHERE id = ?",
            (stamp, message_id),
        )
    # this one if it is done already, and the one before it (the newest until now, kept
    # only for that: ids are max + 1, so it is message_id - 1): index lookups, no scan
    purge_discreet(conn, (message_id - 1, message_id))
    return message_id, queued


def rendering(conn: sqlite3.Connection, message_id: int, language: str) -> Rendering | None:
    row = conn.execute(
        "SELECT * FROM outbox_renderings WHERE message_id = ? AND language IN (?, '*')"
        " ORDER BY language = '*' LIMIT 1",
        (message_id, language),
    ).fetchone()
    if row is None:
        return None
    return Rendering(
        text=row["text"],
        buttons=tuple(tuple((str(b[0]), str(b[1])) for b in r) for r in loads(row["buttons"])),
        photo=row["photo"],
        photo_id=row["photo_id"],
        document_id=row["document_id"],
    )


def remember_photo(conn: sqlite3.Connection, message_id: int, language: str, file_id: str) -> None:
    """After the first upload, later recipients get the photo by its Telegram file_id."""
    conn.execute(
        "UPDATE outbox_renderings SET photo_id = ? WHERE message_id = ? AND language = ?"
        " AND photo_id IS NULL",
        (file_id, message_id, language),
    )


def recover(conn: sqlite3.Connection, now: datetime) -> int:
    """At start: rows left `sending` by a stopped process become `uncertain`."""
    rows = conn.execute(
        f"UPDATE deliveries SET status = 'uncertain', updated_at = {_STAMP},"
        " error = 'interrupted while sending' WHERE status = 'sending' RETURNING message_id",
        _stamps(now),
    ).fetchall()
    for message_id in {r[0] for r in rows}:
        conn.execute(
            "UPDATE outbox_messages SET reported_at = NULL WHERE id = ? AND author_id IS NOT NULL",
            (message_id,),
        )
    purge_discreet(conn)
    return len(rows)


def ready(conn: sqlite3.Connection, now: datetime, limit: int) -> list[Ready]:
    """Queued deliveries that may go now: notifications first, then oldest first."""
    rows = conn.execute(
        "SELECT id, message_id, chat_id, language, attempts, not_before IS NOT NULL"
        " FROM deliveries"
        " WHERE status = 'queued' AND (not_before IS NULL OR not_before <= ?)"
        " ORDER BY priority, id LIMIT ?",
        (iso(now), limit),
    ).fetchall()
    return [Ready(row[0], row[1], row[2], row[3], row[4], held=bool(row[5])) for row in rows]


def notifications_due(conn: sqlite3.Connection, now: datetime) -> int:
    """Notifications still to send now (or at Telegram): what a graceful stop waits for."""
    row = conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE priority = 0 AND (status = 'sending' OR"
        " (status = 'queued' AND (not_before IS NULL OR not_before <= ?)))",
        (iso(now),),
    ).fetchone()
    return int(row[0])


def unsent(conn: sqlite3.Connection, message_id: int, now: datetime) -> int:
    """A message's deliveries still to send now (or at Telegram)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE message_id = ? AND (status = 'sending' OR"
        " (status = 'queued' AND (not_before IS NULL OR not_before <= ?)))",
        (message_id, iso(now)),
    ).fetchone()
    return int(row[0])


def claim(conn: sqlite3.Connection, ids: Sequence[int], now: datetime) -> list[int]:
    """Mark deliveries `sending`, just before their API calls start; returns those that were
    still queued (the others were cancelled meanwhile and are not sent)."""
    claimed = conn.execute(
        f"UPDATE deliveries SET status = 'sending', attempts = attempts + 1, updated_at = {_STAMP}"
        " WHERE status = 'queued' AND id IN (SELECT value FROM json_each(:ids))"
        " RETURNING id, message_id",
        {**_stamps(now), "ids": dumps(list(ids))},
    ).fetchall()
    conn.execute(
        "UPDATE outbox_messages SET started_at = CASE WHEN kind LIKE 'discreet:%' THEN :day"
        " ELSE :stamp END WHERE started_at IS NULL AND id IN (SELECT value FROM json_each(:ids))",
        {**_stamps(now), "ids": dumps(sorted({r[1] for r in claimed}))},
    )
    return [r[0] for r in claimed]


def finish(conn: sqlite3.Connection, outcomes: Sequence[Outcome], now: datetime) -> list[int]:
    """Record what the API said; returns the message ids touched. Discreet deliveries at a
    final status are deleted in the same transaction."""
    stamps = _stamps(now)
    touched: set[int] = set()
    for outcome in outcomes:
        values = {**stamps, "id": outcome.delivery_id, "error": outcome.error}
        if outcome.status == "queued":
            row = conn.execute(
                f"UPDATE deliveries SET status = 'queued', error = :error, updated_at = {_STAMP},"
                " attempts = attempts - :back WHERE id = :id AND status = 'sending'"
                " RETURNING message_id",
                {**values, "back": 1 if outcome.retry else 0},
            ).fetchone()
        else:  # still `queued` when it failed before its call (e.g. no rendering)
            row = conn.execute(
                f"UPDATE deliveries SET status = :status, error = :error, updated_at = {_STAMP}"
                " WHERE id = :id AND status IN ('sending', 'queued') RETURNING message_id",
                {**values, "status": outcome.status},
            ).fetchone()
        if row is not None:
            touched.add(row[0])
        if outcome.status == "unreachable" and outcome.chat_id:
            # the day only: the mark lasts until the person writes again (storage.people.seen)
            conn.execute(
                "INSERT INTO unreachable_chats (chat_id, since, reason) VALUES (?, ?, ?)"
                " ON CONFLICT (chat_id) DO UPDATE SET since = excluded.since,"
                " reason = excluded.reason",
                (outcome.chat_id, stamps["day"], outcome.error or "forbidden"),
            )
            others = conn.execute(
                f"UPDATE deliveries SET status = 'unreachable', error = :error,"
                f" updated_at = {_STAMP} WHERE chat_id = :chat AND status = 'queued'"
                " RETURNING message_id",
                {**values, "chat": outcome.chat_id},
            ).fetchall()
            touched.update(r[0] for r in others)
    purge_discreet(conn, touched)
    return sorted(touched)


def stop(conn: sqlite3.Connection, message_id: int, now: datetime, reason: str) -> int:
    """Telegram refused the content (400): cancel what has not gone yet."""
    cancelled = conn.execute(
        f"UPDATE deliveries SET status = 'cancelled', error = :reason, updated_at = {_STAMP}"
        " WHERE message_id = :id AND status = 'queued'",
        {**_stamps(now), "reason": reason, "id": message_id},
    ).rowcount
    conn.execute("UPDATE outbox_messages SET status = 'stopped' WHERE id = ?", (message_id,))
    purge_discreet(conn, [message_id])
    return cancelled


def _figures(conn: sqlite3.Connection, message_id: int, now: datetime) -> Figures | None:
    message = conn.execute("SELECT * FROM outbox_messages WHERE id = ?", (message_id,)).fetchone()
    if message is None:
        return None
    counts = dict.fromkeys(("queued", "sending", *FINAL), 0)
    for status, n in conn.execute(
        "SELECT status, COUNT(*) FROM deliveries WHERE message_id = ? GROUP BY status",
        (message_id,),
    ):
        counts[status] = n
    held = conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE message_id = ? AND status = 'queued'"
        " AND not_before > ?",
        (message_id, iso(now)),
    ).fetchone()[0]
    return Figures(
        message_id=message_id,
        kind=message["kind"],
        topic=message["topic"],
        author_id=message["author_id"],
        broadcast_id=message["broadcast_id"],
        status=message["status"],
        total=sum(counts.values()),
        sent=counts["sent"],
        unreachable=counts["unreachable"],
        failed=counts["failed"],
        uncertain=counts["uncertain"],
        cancelled=counts["cancelled"],
        waiting=counts["queued"] + counts["sending"],
        held=held,
        started_at=from_iso(message["started_at"]),
        finished_at=from_iso(message["finished_at"]),
        created_at=from_iso(message["created_at"]),  # type: ignore[arg-type]
    )


def figures(conn: sqlite3.Connection, message_id: int, now: datetime) -> Figures | None:
    return _figures(conn, message_id, now)


def settle(conn: sqlite3.Connection, message_ids: Iterable[int], now: datetime) -> list[Figures]:
    """Messages with nothing left to send now: mark them finished; return those whose author
    has not had a report yet (marked reported in this transaction)."""
    reports = []
    for message_id in message_ids:
        found = _figures(conn, message_id, now)
        if found is None or found.waiting - found.held > 0:
            continue
        stamp = day_iso(now) if found.kind.startswith(DISCREET) else iso(now)
        row = conn.execute(
            "UPDATE outbox_messages SET finished_at = ?,"
            " status = CASE status WHEN 'active' THEN 'done' ELSE status END"
            " WHERE id = ? RETURNING author_id, reported_at",
            (stamp, message_id),
        ).fetchone()
        if row["author_id"] is not None and row["reported_at"] is None:
            conn.execute(
                "UPDATE outbox_messages SET reported_at = ? WHERE id = ?", (stamp, message_id)
            )
            reports.append(_figures(conn, message_id, now))
    return [r for r in reports if r is not None]


def unsettled(conn: sqlite3.Connection) -> list[int]:
    """Messages still open (for the check at start)."""
    rows = conn.execute(
        "SELECT id FROM outbox_messages WHERE finished_at IS NULL OR"
        " (author_id IS NOT NULL AND reported_at IS NULL)"
    ).fetchall()
    return [r[0] for r in rows]


def resend_uncertain(
    conn: sqlite3.Connection, message_id: int, *, actor_id: int, now: datetime
) -> int:
    """The author chose to send the uncertain deliveries again (some may get it twice)."""
    count = conn.execute(
        "UPDATE deliveries SET status = 'queued', error = NULL, updated_at = ?"
        " WHERE message_id = ? AND status = 'uncertain'",
        (iso(now), message_id),
    ).rowcount
    if count:
        conn.execute(
            "UPDATE outbox_messages SET reported_at = NULL, finished_at = NULL WHERE id = ?",
            (message_id,),
        )
        audit.record(
            conn,
            now=now,
            actor_id=actor_id,
            actor_role="pengurus",
            action="broadcast.resent_uncertain",
            object_type="outbox_message",
            object_id=message_id,
            after={"deliveries": count},
        )
    return count


def recent(conn: sqlite3.Connection, now: datetime, limit: int = 5) -> list[Figures]:
    """The newest broadcasts (messages on a topic), with their figures."""
    rows = conn.execute(
        "SELECT id FROM outbox_messages WHERE topic IS NOT NULL ORDER BY id DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [f for r in rows if (f := _figures(conn, r[0], now)) is not None]


def waiting_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Deliveries not yet settled, by status: queued, sending, uncertain (for /status)."""
    rows = conn.execute(
        "SELECT status, COUNT(*) FROM deliveries"
        " WHERE status IN ('queued', 'sending', 'uncertain') GROUP BY status"
    ).fetchall()
    found = {status: 0 for status in ("queued", "sending", "uncertain")}
    found.update({r[0]: r[1] for r in rows})
    return found


def statuses_for(conn: sqlite3.Connection, message_id: int) -> dict[int, str]:
    """chat id -> delivery status of one message (tests, diagnostics)."""
    rows = conn.execute(
        "SELECT chat_id, status FROM deliveries WHERE message_id = ?", (message_id,)
    ).fetchall()
    return {r[0]: r[1] for r in rows}


# ---- personal data -------------------------------------------------------------------------
def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, object]:
    counts = dict(
        conn.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE person_id = ? GROUP BY status",
            (person_id,),
        ).fetchall()
    )
    return {"messages_to_you": counts}


def erase_person(conn: sqlite3.Connection, person_id: int) -> None:
    """Forget the chat behind the deliveries (counts stay true); drop the unreachable mark."""
    conn.execute(
        "DELETE FROM unreachable_chats WHERE chat_id IN"
        " (SELECT telegram_id FROM people WHERE id = ? AND telegram_id IS NOT NULL)",
        (person_id,),
    )
    conn.execute(
        "UPDATE deliveries SET status = 'cancelled', error = 'erased' WHERE person_id = ?"
        " AND status = 'queued'",
        (person_id,),
    )
    conn.execute("UPDATE deliveries SET chat_id = -id WHERE person_id = ?", (person_id,))
    purge_discreet(conn)


def merge_people(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    conn.execute("UPDATE deliveries SET person_id = ? WHERE person_id = ?", (keep, drop))
