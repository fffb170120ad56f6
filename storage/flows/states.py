"""Rows behind the PTB persistence: conversation states and small per-user data."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from storage.rows import dumps, iso, loads


def load_states(conn: sqlite3.Connection, name: str) -> dict[str, tuple[Any, str]]:
    """{key: (state, updated_at)} for one ConversationHandler name."""
    rows = conn.execute(
        "SELECT key, state, updated_at FROM conversations WHERE name = ?", (name,)
    ).fetchall()
    return {r["key"]: (loads(r["state"]), r["updated_at"]) for r in rows}


def set_state(conn: sqlite3.Connection, name: str, key: str, state: Any, now: datetime) -> None:
    """Store a state; None ends the conversation and removes the row."""
    if state is None:
        clear_state(conn, name, key)
        return
    conn.execute(
        "INSERT INTO conversations (name, key, state, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state,"
        " updated_at = excluded.updated_at",
        (name, key, dumps(state), iso(now)),
    )


def clear_state(conn: sqlite3.Connection, name: str, key: str) -> None:
    """End a conversation: no state row means no conversation."""
    conn.execute("DELETE FROM conversations WHERE name = ? AND key = ?", (name, key))


def load_user_data(conn: sqlite3.Connection) -> dict[int, dict[str, Any]]:
    return {
        r["user_id"]: loads(r["data"])
        for r in conn.execute("SELECT user_id, data FROM ptb_user_data")
    }


def set_user_data(conn: sqlite3.Connection, user_id: int, data: dict[str, Any] | None) -> None:
    if not data:
        conn.execute("DELETE FROM ptb_user_data WHERE user_id = ?", (user_id,))
        return
    conn.execute(
        "INSERT INTO ptb_user_data (user_id, data) VALUES (?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET data = excluded.data",
        (user_id, dumps(data)),
    )
