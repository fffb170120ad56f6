"""Conversations saved mid-way by earlier code, written as that code wrote them, for the
upgrade tests (a flow converted to the flow runner resumes them)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.config import Settings
from tests.support.polls import raw_rows


def write_saved_step(
    settings: Settings,
    flow: str,
    state: int | str,
    step: str,
    data: str | dict[str, Any],
    telegram_id: int,
    at: str,
) -> None:
    """The conversation state (JSON int, key "[chat, user]") and the draft (step name; JSON
    answers, compact and sorted, with the update that saved it: given as that text, or as a
    dict written so)."""
    if not isinstance(data, str):
        data = json.dumps(data, separators=(",", ":"), sort_keys=True)
    conn = sqlite3.connect(settings.database)
    try:
        [(person,)] = conn.execute("SELECT id FROM people WHERE telegram_id = ?", (telegram_id,))
        with conn:
            conn.execute(
                "INSERT INTO conversations (name, key, state, updated_at) VALUES (?, ?, ?, ?)",
                (flow, f"[{telegram_id},{telegram_id}]", str(state), at),
            )
            conn.execute(
                "INSERT INTO drafts (person_id, flow, step, data, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (person, flow, step, data, at),
            )
    finally:
        conn.close()


def nothing_waiting(settings: Settings) -> bool:
    """No draft and no conversation state is left."""
    return raw_rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)] and raw_rows(
        settings.database, "SELECT COUNT(*) FROM conversations"
    ) == [(0,)]
