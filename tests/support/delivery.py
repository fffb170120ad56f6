"""Helpers for the delivery tests: residents known to Telegram and the database, what each got."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.transport.fake_api import FakeBotAPI
from storage import migrate, people
from storage.db import connect_sync


def seed(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, ids: list[int], **fields: Any
) -> dict[int, int]:
    """Residents who pressed /start (known to Telegram and the database): telegram -> person."""
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        found = {}
        for telegram_id in ids:
            person = people.seen(
                conn,
                telegram_id=telegram_id,
                display_name=f"Warga {telegram_id}",
                client_language=fields.get("language", "id"),
                language=fields.get("language", "id"),
                now=clock.now(),
            )
            if "rw" in fields or "role" in fields:
                conn.execute(
                    "UPDATE people SET rw = ?, role = ? WHERE id = ?",
                    (fields.get("rw"), fields.get("role", "warga"), person.id),
                )
            found[telegram_id] = person.id
            api.known_chats[telegram_id] = {
                "id": telegram_id,
                "type": "private",
                "first_name": "W",
            }
    finally:
        conn.close()
    return found


def sent_to(api: FakeBotAPI, marker: str) -> Counter[int]:
    """How many accepted messages containing `marker` each chat received."""
    return Counter(
        call.chat_id
        for call in api.calls
        if call.method.startswith("send") and call.error is None and marker in call.text
        if call.chat_id is not None
    )
