"""The one place that reads python-telegram-bot's ConversationHandler memory.

PTB 22 offers no public way to ask whether a person is at a step of a conversation, nor to
end one from outside it. These three functions use its private `_get_key` and
`_conversations`; `tests/bot/test_flowrunner.py` fails if a PTB upgrade changes them.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

Key = tuple[int | str, ...]


def key_of(handler: ConversationHandler[Any], update: Update) -> Key | None:
    """The key the conversation keeps this update's person under ((chat id, user id) by
    default); None for an update it cannot key (no chat or user)."""
    try:
        return handler._get_key(update)
    except RuntimeError:
        return None


def waiting_keys(handler: ConversationHandler[Any]) -> list[Key]:
    """The keys of every person this conversation has at a step, in PTB's memory."""
    return list(handler._conversations)


def forget(handler: ConversationHandler[Any], key: Key | None) -> bool:
    """End, in PTB's memory, this key's conversation; whether it was at a step. With a
    persistent handler, PTB also removes its stored state at its next persistence update."""
    if key is None or key not in handler._conversations:
        return False
    handler._conversations.pop(key, None)
    return True


def is_waiting(handler: ConversationHandler[Any], update: Update) -> bool:
    """Whether this update's person is at a step of this conversation."""
    key = key_of(handler, update)
    return key is not None and key in handler._conversations
