"""A flow step: the draft and the conversation state written in one transaction."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage import conversations, drafts


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
