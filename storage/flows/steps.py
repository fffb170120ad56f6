"""A flow step: the draft and the conversation state written in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime
from typing import Any

from storage.flows import drafts
from storage.flows import states as conversations


def save_step(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    conversation_key: str,
    state: int,
    now: datetime,
) -> None:
    drafts.save(conn, person_id=person_id, flow=flow, step=step, data=data, now=now)
    conversations.set_state(conn, flow, conversation_key, state, now)


def end(
    conn: sqlite3.Connection, *, person_id: int, flow: str, conversation_key: str, keep: bool
) -> None:
    """Leave the flow; the draft is kept (to offer back later) or discarded."""
    if not keep:
        drafts.delete(conn, person_id, flow)
    conversations.clear_state(conn, flow, conversation_key)


def end_all(
    conn: sqlite3.Connection,
    *,
    person_id: int,
    telegram_id: int | None,
    names: Collection[str],
) -> list[str]:
    """End every flow named in `names` for this person, in every chat: drafts discarded,
    conversation states removed (keys are JSON `[chat id, user id]`). Returns the names of
    the flows that had a draft or a state."""
    ended: set[str] = set()
    for name in names:
        if drafts.delete(conn, person_id, name):
            ended.add(name)
        if telegram_id is None:
            continue
        gone = conn.execute(
            "DELETE FROM conversations WHERE name = ? AND json_valid(key)"
            " AND json_extract(key, '$[1]') = ?",
            (name, telegram_id),
        ).rowcount
        if gone:
            ended.add(name)
    return sorted(ended)
