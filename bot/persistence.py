"""A PTB BasePersistence on the bot's own database.

It keeps ConversationHandler states across restarts (per-user data is not stored). Writes go
straight to the database (no batching), and flows also write their state together with
their draft, before they reply (bot.flows) — so after kill -9 a person resumes at the step
they last saw confirmed, whether or not PTB's periodic update ran.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.flows import states as conversations

if TYPE_CHECKING:
    from bot.services import Services

# BasePersistence's conversation types, which PTB keeps private (telegram.ext._utils.types);
# mypy checks these methods against BasePersistence, so a change in PTB shows there.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]


def conversation_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


class SQLitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, services: Services, update_interval: float = 60) -> None:
        super().__init__(
            # No handler keeps anything in context.user_data (flows keep drafts in their own
            # tables). Storing it would make PTB load every row at start, keep a dict for
            # every person who ever wrote, and write one transaction per person who wrote in
            # the last minute, every minute (measured: tests/perf/scale.py).
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.services = services

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        await self.services.ready()
        return await self.services.db.read(conversations.load_user_data)

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        await self.services.ready()
        rows = await self.services.db.read(conversations.load_states, name)
        return {tuple(json.loads(key)): state for key, (state, _at) in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self.services.db.write(
            conversations.set_state,
            name,
            conversation_key(key),
            new_state,
            self.services.clock.now(),
        )

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self.services.db.write(conversations.set_user_data, user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Chat data is not stored."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Bot data is not stored (it holds the services)."""

    async def update_callback_data(self, data: Any) -> None:
        """Arbitrary callback data is not used."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not stored."""

    async def drop_user_data(self, user_id: int) -> None:
        await self.services.db.write(conversations.set_user_data, user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: the database is written on every change."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Chat data is not stored."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Bot data is not stored."""

    async def flush(self) -> None:
        """Nothing is buffered."""
