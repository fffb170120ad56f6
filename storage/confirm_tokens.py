"""One-time confirmation tokens for destructive presses (bot/confirm.py is the only caller).

A token is issued by the step that shows the confirm button and consumed by the press, in
the same transaction as the destructive write: consumed means marked used where the person,
the action and the object match, it has not expired and was not used. No row: refuse.
Where the destructive step is a typed reason (revoke, the rejections, close early) the press
that asks for the reason consumes it, and the reason then acts only on the object that
press saved in the flow's draft.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.rows import iso


class NotConfirmed(Exception):
    """The press carried no valid token: forged, replayed, expired or someone else's."""


def issue(
    conn: sqlite3.Connection,
    *,
    token: str,
    person_id: int,
    action: str,
    object_id: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a new token (and forget every expired one: it could not be used anyway)."""
    conn.execute("DELETE FROM confirm_tokens WHERE expires_at <= ?", (iso(now),))
    conn.execute(
        "INSERT INTO confirm_tokens (token, person_id, action, object_id, expires_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (token, person_id, action, object_id, iso(expires_at)),
    )


def require(
    conn: sqlite3.Connection,
    *,
    token: str,
    person_id: int,
    action: str,
    object_id: str,
    now: datetime,
) -> None:
    """Mark the token used if it was issued to this person for this action and object, is
    not expired and not used yet; else raise NotConfirmed (the caller's transaction then
    rolls back)."""
    cursor = conn.execute(
        "UPDATE confirm_tokens SET used_at = ? WHERE token = ? AND person_id = ? AND action = ?"
        " AND object_id = ? AND expires_at > ? AND used_at IS NULL",
        (iso(now), token, person_id, action, object_id, iso(now)),
    )
    if cursor.rowcount != 1:
        raise NotConfirmed
