"""Personal data across features: every feature's `PersonalData`, then the foundation's.

/datasaya, /hapusdata, retention and account merging go through these three functions, so a
feature that registers its `PersonalData` is included without this code changing.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.features import PersonalData, Registry
from storage import board, personal

FOUNDATION = PersonalData("people", personal.export, personal.erase, personal.merge)


def parts(registry: Registry) -> list[PersonalData]:
    """The features' parts in registry order, the foundation's last (it clears the person)."""
    return [p for p in registry.personal_data if p.key != FOUNDATION.key] + [FOUNDATION]


def export_everything(
    conn: sqlite3.Connection, items: list[PersonalData], person_id: int
) -> dict[str, Any]:
    return {item.key: item.export(conn, person_id) for item in items}


def erase_everything(
    conn: sqlite3.Connection,
    items: list[PersonalData],
    person_id: int,
    now: datetime,
    *,
    actor_id: int | None,
    reason: str,
    actor_role: str | None = None,
) -> None:
    """One transaction: every feature erases its part, then the person; audited."""
    for item in items:
        item.erase(conn, person_id, now)
    role = actor_role or ("system" if actor_id is None else "warga")
    personal.record_erasure(
        conn, person_id=person_id, actor_id=actor_id, actor_role=role, reason=reason, now=now
    )


def merge_accounts(
    conn: sqlite3.Connection,
    items: list[PersonalData],
    *,
    keep: int,
    drop: int,
    board_id: int,
    now: datetime,
) -> None:
    """Fold `drop` into `keep` in every feature (never doubling a vote), then the people rows."""
    board.check_mergeable(conn, keep, drop)
    # Audited first: the board check reads the actor's role before the merge may change it.
    board.record_merge(conn, keep=keep, drop=drop, board_id=board_id, now=now)
    for item in items:
        if item.merge is not None:
            item.merge(conn, keep, drop)
