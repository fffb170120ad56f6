"""The audit seam: one helper that appends a row inside the caller's transaction.

The rows form a hash chain: each row's `hash` is SHA-256 over the previous row's hash and
the row's own content (id included), so `verify` names the first row that was altered,
inserted or deleted. The chain proves nothing against someone who rewrites every hash from
the tampered row on; publishing the head (/transparansi shows it) is what anchors it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.rows import dumps, from_iso, iso, loads

GENESIS = "0" * 64
BOARD = "pengurus"  # the role code of the board (storage.people.Role.BOARD)
COLUMNS = (
    "id", "at", "actor_id", "actor_role", "action", "object_type", "object_id", "before", "after",
)  # fmt: skip


def chain_hash(prev: str, *content: object) -> str:
    """The hash of one row: SHA-256 of the previous hash and the row's columns, as stored."""
    body = json.dumps(list(content), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


class NotBoard(Exception):
    """A board action by someone who is not (or no longer) on the board: the whole
    transaction rolls back, nothing of the action is stored."""

    def __init__(self, actor_id: int) -> None:
        super().__init__(f"person {actor_id} is not a board member")
        self.actor_id = actor_id


def check_board(conn: sqlite3.Connection, actor_id: int) -> None:
    """Raise NotBoard unless the person is a board member now, in this transaction."""
    row = conn.execute("SELECT role FROM people WHERE id = ?", (actor_id,)).fetchone()
    if row is None or row[0] != BOARD:
        raise NotBoard(actor_id)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    actor_role: str
    action: str
    object_type: str
    object_id: str | None
    before: Any
    after: Any


def record(
    conn: sqlite3.Connection,
    *,
    now: datetime,
    actor_id: int | None,
    actor_role: str,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append an audit row in the current transaction.

    Name the actor by internal person id only; before/after hold codes and statuses,
    never names, Telegram ids or free text a resident typed.

    A board action (`actor_role` pengurus, a person as actor) is checked here, in the
    action's own transaction: an actor who is not on the board now raises `NotBoard`, so
    the whole action rolls back and no row claims a role the actor does not have.
    """
    if not conn.in_transaction:
        raise RuntimeError("audit.record must run inside the change's transaction")
    if actor_role == BOARD and actor_id is not None:
        check_board(conn, actor_id)
    # Inside BEGIN IMMEDIATE no other writer can append between this read and the insert.
    last = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    row_id = max(last[0] if last else 0, seq[0] if seq else 0) + 1
    prev = last[1] if last else GENESIS
    content = (
        row_id,
        iso(now),
        actor_id,
        actor_role,
        action,
        object_type,
        None if object_id is None else str(object_id),
        None if before is None else dumps(before),
        None if after is None else dumps(after),
    )
    conn.execute(
        "INSERT INTO audit (id, at, actor_id, actor_role, action, object_type, object_id,"
        " before, after, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*content, prev, chain_hash(prev, *content)),
    )


def latest(conn: sqlite3.Connection, limit: int = 50) -> list[AuditEntry]:
    """The newest audit rows first."""
    rows = conn.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [_entry(r) for r in rows]


def _entry(r: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        id=r["id"],
        at=from_iso(r["at"]),  # type: ignore[arg-type]
        actor_id=r["actor_id"],
        actor_role=r["actor_role"],
        action=r["action"],
        object_type=r["object_type"],
        object_id=r["object_id"],
        before=loads(r["before"]),
        after=loads(r["after"]),
    )


@dataclass(frozen=True)
class ChainReport:
    """The outcome of `verify`: rows checked, the head hash, and the first break if any."""

    rows: int
    head: str
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(conn: sqlite3.Connection) -> Iterator[sqlite3.Row]:
    cursor = conn.execute(f"SELECT {', '.join(COLUMNS)}, prev_hash, hash FROM audit ORDER BY id")
    while batch := cursor.fetchmany(500):
        yield from batch


def verify(conn: sqlite3.Connection) -> ChainReport:
    """Walk the chain from the first row; report the first row altered, inserted or deleted."""
    prev_id, prev_hash, before_prev = 0, GENESIS, GENESIS
    count = 0
    for row in _rows(conn):
        count += 1
        row_id = row["id"]
        content = [row[c] for c in COLUMNS]
        if row_id != prev_id + 1:
            missing = f"{prev_id + 1}" if row_id == prev_id + 2 else f"{prev_id + 1}–{row_id - 1}"
            return ChainReport(count, prev_hash, prev_id + 1, f"row(s) {missing} deleted")
        if row["prev_hash"] != prev_hash:
            if prev_id and row["prev_hash"] == before_prev:
                return ChainReport(count, prev_hash, prev_id, f"row {prev_id} inserted")
            return ChainReport(
                count,
                prev_hash,
                row_id,
                f"row {row_id} does not follow row {prev_id}"
                " (a row before it was inserted, deleted or rewritten)",
            )
        if row["hash"] is None:
            return ChainReport(count, prev_hash, row_id, f"row {row_id} inserted without a hash")
        if row["hash"] != chain_hash(prev_hash, *content):
            return ChainReport(count, prev_hash, row_id, f"row {row_id} altered")
        before_prev, prev_hash, prev_id = prev_hash, row["hash"], row_id
    seq = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit'").fetchone()
    if seq is not None and seq[0] > prev_id:
        missing = f"{prev_id + 1}" if seq[0] == prev_id + 1 else f"{prev_id + 1}–{seq[0]}"
        return ChainReport(count, prev_hash, prev_id + 1, f"row(s) {missing} deleted at the end")
    return ChainReport(count, prev_hash)


def head(conn: sqlite3.Connection) -> tuple[int, str]:
    """The newest row id and its hash (0 and the genesis hash when empty)."""
    row = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return (0, GENESIS) if row is None else (row[0], row[1])


def export_rows(conn: sqlite3.Connection) -> Iterator[tuple[object, ...]]:
    """Every row as stored, oldest first, for `bkm-bot export audit`."""
    for row in _rows(conn):
        yield tuple(row[c] for c in (*COLUMNS, "prev_hash", "hash"))


def public_actions(conn: sqlite3.Connection, limit: int = 10) -> list[AuditEntry]:
    """The newest board actions (actor role pengurus), for the public transparency page."""
    rows = conn.execute(
        "SELECT * FROM audit WHERE actor_role = 'pengurus' ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()
    return [_entry(r) for r in rows]
