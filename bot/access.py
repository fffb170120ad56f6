"""Reusable guards: board-only actions and flows that must continue in a private chat."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from bot.context import BKMContext

R = TypeVar("R")
Callback = Callable[[Update, BKMContext], Awaitable[Any]]


async def answer(
    update: Update, context: BKMContext, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press once (Telegram refuses a second answer to the same press)."""
    if update.callback_query is None or context.answered:
        return
    context.answered = True
    await update.callback_query.answer(text, show_alert=alert)


async def reply(update: Update, context: BKMContext, text: str, **kwargs: Any) -> None:
    """Answer where the update came from: a message, or the message a button was on."""
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, **kwargs)


async def refuse_not_board(update: Update, context: BKMContext) -> None:
    """The polite answer to a non-board person; it says nothing about what is behind it."""
    text = context.tr._("Sorry, this is only for the BKM board.")
    if update.callback_query is not None:
        await answer(update, context, text, alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


def board_only(callback: Callback) -> Callback:
    """Run the callback only for board members, for commands and button presses alike."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BKMContext) -> Any:
        if not (context.has_person and context.person.is_board):
            await refuse_not_board(update, context)
            return ConversationHandler.END
        return await callback(update, context)

    return guarded


def private_only(start_payload: str) -> Callable[[Callback], Callback]:
    """In a group, answer with a button that continues the flow in a private chat."""

    def decorate(callback: Callback) -> Callback:
        @functools.wraps(callback)
        async def guarded(update: Update, context: BKMContext) -> Any:
            chat = update.effective_chat
            if chat is not None and chat.type != ChatType.PRIVATE:
                url = f"https://t.me/{context.bot.username}?start={start_payload}"
                button = InlineKeyboardButton(context.tr._("Continue in a private chat"), url=url)
                await reply(
                    update,
                    context,
                    context.tr._(
                        "This needs your personal data, so we continue in a private chat."
                    ),
                    reply_markup=InlineKeyboardMarkup([[button]]),
                )
                return ConversationHandler.END
            return await callback(update, context)

        return guarded

    return decorate


# Telegram's answers to an edit of a message that is old, deleted or already as asked. A
# press on an old button meets them routinely: not an error (never counted toward the board's
# repeated-errors alert, see handlers.core.on_error).
STALE_EDIT = (
    "message to edit not found",
    "message can't be edited",
    "message is not modified",
    "message_id_invalid",
)


def is_stale_edit(error: BaseException | None) -> bool:
    """Whether `error` is Telegram refusing to edit an old, vanished or unchanged message."""
    return isinstance(error, BadRequest) and any(
        text in error.message.lower() for text in STALE_EDIT
    )


async def remove_buttons(update: Update) -> bool:
    """Take the buttons off the pressed message; False when Telegram could not (an old or
    deleted message): the caller's own reply still goes out as a new message."""
    query = update.callback_query
    if query is None:
        return False
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if not is_stale_edit(exc):
            raise
        return False
    return True
