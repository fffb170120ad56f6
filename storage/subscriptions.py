"""/langganan: which broadcast topics a person receives, /berhenti, and the daily-digest time.

No row means the default: every topic on, delivered immediately. Notifications ignore all
of this (design.md: a person's own business always reaches them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from storage.deliveries import Recipient
from storage.rows import dumps, iso

TOPICS = ("pengumuman", "polling", "anggaran", "laporan_bulanan")


@dataclass(frozen=True)
class Subscription:
    topics: frozenset[str]  # topics on
    stopped: bool  # /berhenti: no broadcasts at all
    digest_time: str | None  # 'HH:MM' local: broadcasts held until then, once a day

    def wants(self, topic: str) -> bool:
        return not self.stopped and topic in self.topics


def get(conn: sqlite3.Connection, person_id: int) -> Subscription:
    off = {r[0] for r in conn.execute(
        "SELECT topic FROM subscription_off WHERE person_id = ?", (person_id,)
    )}  # fmt: skip
    prefs = conn.execute(
        "SELECT stopped, digest_time FROM subscription_prefs WHERE person_id = ?", (person_id,)
    ).fetchone()
    return Subscription(
        topics=frozenset(t for t in TOPICS if t not in off),
        stopped=bool(prefs and prefs["stopped"]),
        digest_time=prefs["digest_time"] if prefs else None,
    )


def _prefs(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    conn.execute(
        "INSERT INTO subscription_prefs (person_id, updated_at) VALUES (?, ?)"
        " ON CONFLICT (person_id) DO UPDATE SET updated_at = excluded.updated_at",
        (person_id, iso(now)),
    )


def set_topic(
    conn: sqlite3.Connection, person_id: int, topic: str, on: bool, now: datetime
) -> Subscription:
    """Turn one topic on or off; turning one on also ends a /berhenti."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    if on:
        conn.execute(
            "DELETE FROM subscription_off WHERE person_id = ? AND topic = ?", (person_id, topic)
        )
        _prefs(conn, person_id, now)
        conn.execute("UPDATE subscription_prefs SET stopped = 0 WHERE person_id = ?", (person_id,))
    else:
        conn.execute(
            "INSERT OR IGNORE INTO subscription_off (person_id, topic) VALUES (?, ?)",
            (person_id, topic),
        )
    return get(conn, person_id)


def set_stopped(
    conn: sqlite3.Connection, person_id: int, stopped: bool, now: datetime
) -> Subscription:
    _prefs(conn, person_id, now)
    conn.execute(
        "UPDATE subscription_prefs SET stopped = ? WHERE person_id = ?", (int(stopped), person_id)
    )
    return get(conn, person_id)


def set_digest_time(
    conn: sqlite3.Connection, person_id: int, digest_time: str | None, now: datetime
) -> Subscription:
    """'HH:MM' to receive broadcasts once a day at that local time; None: immediately."""
    _prefs(conn, person_id, now)
    conn.execute(
        "UPDATE subscription_prefs SET digest_time = ? WHERE person_id = ?",
        (digest_time, person_id),
    )
    return get(conn, person_id)


def recipients(
    conn: sqlite3.Connection,
    person_ids: Iterable[int],
    *,
    topic: str | None,
    hold_until: Callable[[str], datetime],
) -> list[Recipient]:
    """The chats to send to. `topic=None` is a notification: everyone reachable on Telegram.
    A broadcast skips /berhenti and the topic's unsubscribers, and holds the message until
    the person's daily-digest time (`hold_until('HH:MM')`)."""
    rows = conn.execute(
        "SELECT p.id, p.telegram_id, p.language, s.stopped, s.digest_time,"
        " EXISTS (SELECT 1 FROM subscription_off o WHERE o.person_id = p.id AND o.topic = ?)"
        " AS off FROM people p LEFT JOIN subscription_prefs s ON s.person_id = p.id"
        " WHERE p.telegram_id IS NOT NULL AND p.id IN (SELECT value FROM json_each(?))"
        " ORDER BY p.id",
        (topic or "", dumps(sorted(set(person_ids)))),
    ).fetchall()
    found = []
    for row in rows:
        not_before = None
        if topic is not None:
            if row["stopped"] or row["off"]:
                continue
            if row["digest_time"]:
                not_before = hold_until(row["digest_time"])
        found.append(Recipient(row["id"], row["telegram_id"], row["language"], not_before))
    return found


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, object]:
    found = get(conn, person_id)
    return {
        "topics": sorted(found.topics),
        "all_broadcasts_stopped": found.stopped,
        "daily_digest_time": found.digest_time,
    }


def erase_person(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    """Preferences are personal: forget them (the person would start from the defaults)."""
    conn.execute("DELETE FROM subscription_off WHERE person_id = ?", (person_id,))
    conn.execute("DELETE FROM subscription_prefs WHERE person_id = ?", (person_id,))


def merge_people(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    """The kept account's choices win; the dropped account's rows go."""
    has_prefs = conn.execute(
        "SELECT 1 FROM subscription_prefs WHERE person_id = ?", (keep,)
    ).fetchone()
    if has_prefs is None:
        conn.execute(
            "UPDATE subscription_prefs SET person_id = ? WHERE person_id = ?", (keep, drop)
        )
        conn.execute(
            "UPDATE OR IGNORE subscription_off SET person_id = ? WHERE person_id = ?", (keep, drop)
        )
    conn.execute("DELETE FROM subscription_prefs WHERE person_id = ?", (drop,))
    conn.execute("DELETE FROM subscription_off WHERE person_id = ?", (drop,))
