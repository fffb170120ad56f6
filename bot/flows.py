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
from telegram.ext import ApplicationHandlerStop, ConversationHandler

from bot import ptb_conversations
from bot.context import BKMContext
from bot.logs import current_update
from bot.persistence import conversation_key
from storage.flows import drafts
from storage.flows import states as conversations
from storage.flows import steps as flows
from storage.flows.drafts import Draft

IDLE_TIMEOUT = timedelta(minutes=30)
END = ConversationHandler.END
# The update a step was saved for, kept in its draft. After kill -9, Telegram delivers the
# updates whose offset was not yet confirmed again; one that is not newer than the step's
# own (within a window: update ids restart at a random value after a week without updates)
# was already handled, and is dropped rather than taken as the answer to the NEXT question.
UPDATE_KEY = "_update"
REDELIVERY_WINDOW = 10_000


def conversation_key_of(update: Update) -> str:
    """The key PTB's ConversationHandler uses for this update (chat id, user id)."""
    chat = update.effective_chat
    user = update.effective_user
    assert chat is not None and user is not None
    return conversation_key((chat.id, user.id))


async def save_step(
    update: Update, context: BKMContext, flow: str, state: IntEnum, data: dict[str, Any]
) -> IntEnum:
    """Commit the answers so far and the next state; return the state for PTB.

    One current flow per person and chat: every other conversation of theirs that was left
    waiting (for text, a file, a press) ends here, in memory and on disk in the same
    transaction, its draft kept to offer back. All flows share handler group 0, so a flow
    left waiting would otherwise take the next message meant for this one."""
    key = conversation_key_of(update)
    others = end_other_conversations(update, context, flow)
    context.asking = flow  # bot.access.reply remembers the question that follows

    def save(conn: Any) -> None:
        for name in others:
            conversations.clear_state(conn, name, key)
        flows.save_step(
            conn,
            person_id=context.person.id,
            flow=flow,
            step=state.name,
            data={**data, UPDATE_KEY: update.update_id},
            conversation_key=key,
            state=int(state),
            now=context.clock.now(),
        )

    await context.db.write(save)
    return state


async def take_over(update: Update, context: BKMContext, flow: str) -> None:
    """For a conversation that saves no steps (kept in memory only, e.g. an anonymous
    follow-up): end the person's other waiting flows as `save_step` does. Writes only when
    a stored conversation of theirs was waiting (then it deletes that row)."""
    others = end_other_conversations(update, context, flow)
    context.asking = flow
    if not others:
        return
    key = conversation_key_of(update)

    def clear(conn: Any) -> None:
        for name in others:
            conversations.clear_state(conn, name, key)

    await context.db.write(clear)


def end_other_conversations(update: Update, context: BKMContext, flow: str) -> list[str]:
    """End, in PTB's memory, every conversation of this person and chat except `flow`; returns
    the names of the persistent ones ended (their stored state goes too, by the caller)."""
    ended: list[str] = []
    for group in context.application.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler) or handler.name == flow:
                continue
            key = ptb_conversations.key_of(handler, update)
            if ptb_conversations.forget(handler, key) and handler.persistent and handler.name:
                ended.append(handler.name)
    return ended


def waiting_flow(update: Update, context: BKMContext) -> str | None:
    """The name of the conversation this person has waiting in this chat, if any (one at a
    time: `save_step` ends the others)."""
    for group in context.application.handlers.values():
        for handler in group:
            if not isinstance(handler, ConversationHandler) or not handler.name:
                continue
            if ptb_conversations.is_waiting(handler, update):
                return handler.name
    return None


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


def redelivered(draft: Draft, update_id: int | None) -> bool:
    """Whether `update_id` was handled already: its step (or a later one) was saved."""
    saved_for = draft.data.get(UPDATE_KEY)
    if update_id is None or not isinstance(saved_for, int):
        return False
    return saved_for - REDELIVERY_WINDOW < update_id <= saved_for


async def load(context: BKMContext, flow: str) -> Draft | None:
    """The person's draft of `flow`; an update delivered again after a crash stops here."""
    draft = await context.db.read(drafts.get, context.person.id, flow)
    if draft is not None and redelivered(draft, current_update.get()):
        raise ApplicationHandlerStop
    return draft


def is_idle(context: BKMContext, draft: Draft) -> bool:
    return context.clock.now() - draft.updated_at > IDLE_TIMEOUT
