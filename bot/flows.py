"""Conversation steps whose promises hold: a step is committed before its question is sent.

A flow is a persistent ConversationHandler named after the flow. Each step saves the
person's answers (the draft) and the new state in one transaction; idle time is measured
from the draft's stored `updated_at`, so a timeout still holds after a restart.
"""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import ConversationHandler

from bot.context import BKMContext
from bot.persistence import conversation_key
from storage import drafts, flows
from storage.drafts import Draft

IDLE_TIMEOUT = timedelta(minutes=30)
END = ConversationHandler.END


def conversation_key_of(update: Update) -> str:
    """The key PTB's ConversationHandler uses for this update (chat id, user id)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    return conversation_key((chat.id, user.id))


async def save_step(
    update: Update, context: BKMContext, flow: str, state: IntEnum, data: dict[str, Any]
) -> IntEnum:
    """Commit the answers so far and the next state; return the state for PTB."""
    await context.db.write(
        flows.save_step,
        person_id=context.person.id,
        flow=flow,
        step=state.name,
        data=data,
        conversation_key=conversation_key_of(update),
        state=int(state),
        now=context.clock.now(),
    )
    return state


async def end_flow(update: Update, context: BKMContext, flow: str, *, keep: bool) -> int:
    """Leave the flow, keeping the draft to offer back or discarding it; returns END."""
    await context.db.write(
        flows.end,
        person_id=context.person.id,
        flow=flow,
        conversation_key=conversation_key_of(update),
        keep=keep,
    )
    return END


async def load(context: BKMContext, flow: str) -> Draft | None:
    return await context.db.read(drafts.get, context.person.id, flow)


def is_idle(context: BKMContext, draft: Draft) -> bool:
    return context.clock.now() - draft.updated_at > IDLE_TIMEOUT
