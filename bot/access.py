"""Reusable guards: board-only actions and flows that must continue in a private chat.

Board authority is checked at every step: `board_only` (a command or a button) and
`BoardConversation` (every callback of a board flow: entry points, states, fallbacks) read
the person's role from the database when the update arrives; storage checks it again in
the action's own transaction (`storage.audit.NotBoard`), which both guards catch.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ConversationHandler

from bot import ptb_conversations
from bot.context import BKMContext
from storage import people
from storage.audit import NotBoard
from storage.flows import drafts
from storage.flows import steps as flow_rows

R = TypeVar("R")
Callback = Callable[[Update, BKMContext], Coroutine[Any, Any, Any]]

log = logging.getLogger(__name__)
# Presses answered while their update is being processed (callback query ids), in bot_data:
# the error handler gets a context of its own, and the update processor answers, when an
# update's processing ends, a press nobody answered (`answer_leftover`), then forgets it.
ANSWERED_KEY = "answered_queries"
ANSWERED_REMEMBERED = 10_000


def _answered(bot_data: dict[Any, Any]) -> set[str]:
    answered: set[str] = bot_data.setdefault(ANSWERED_KEY, set())
    if len(answered) > ANSWERED_REMEMBERED:  # only updates processed outside the processor
        answered.clear()
    return answered


async def answer(
    update: Update, context: BKMContext, text: str | None = None, *, alert: bool = False
) -> None:
    """Answer a button press once (Telegram refuses a second answer to the same press)."""
    query = update.callback_query
    if query is None or context.answered:
        return
    answered = _answered(context.bot_data)
    if query.id in answered:  # answered by a handler before the error handler ran
        return
    context.answered = True
    answered.add(query.id)
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        if not is_expired_query(exc):
            raise
        # a press Telegram no longer takes an answer for (it waited too long behind others,
        # or is forged): not the bot's fault, so not an error and no alert; the handler goes on
        log.info("update %s: the press could not be answered any more", update.update_id)


def is_expired_query(error: object) -> bool:
    """Telegram's answer to a callback query answered too late, or with an unknown id."""
    message = str(error).lower()
    return isinstance(error, BadRequest) and (
        "query is too old" in message or "query id is invalid" in message
    )


async def answer_leftover(
    application: Application[Any, Any, Any, Any, Any, Any], update: object
) -> None:
    """When an update's processing ends: answer (empty) a press that nothing answered —
    dropped by the flood limit, stopped as a redelivery, failed, or forgotten — so the
    person's button stops spinning. Every press gets exactly one answer."""
    if not isinstance(update, Update) or update.callback_query is None:
        return
    query = update.callback_query
    answered = _answered(application.bot_data)
    if query.id in answered:
        answered.discard(query.id)
        return
    try:
        await query.answer()
    except TelegramError as exc:
        log.warning("could not answer the press of update %s: %s", update.update_id, exc)


async def reply(update: Update, context: BKMContext, text: str, **kwargs: Any) -> None:
    """Answer where the update came from: a message, or the message a button was on."""
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_message(chat.id, text, **kwargs)
    if context.asking is not None and update.effective_user is not None:
        # the update saved a step of a flow: what it says last is that step's question
        questions = context.bot_data.setdefault(QUESTIONS_KEY, {})
        key = (context.asking, chat.id, update.effective_user.id)
        questions.pop(key, None)
        questions[key] = (text, kwargs)
        if len(questions) > QUESTIONS_REMEMBERED:
            del questions[next(iter(questions))]


# The question each flow last asked a person in a chat, kept in memory (not across a
# restart), so a message the step cannot use is answered with the step's question again.
QUESTIONS_KEY = "flow_questions"
QUESTIONS_REMEMBERED = 10_000


async def ask_again(update: Update, context: BKMContext, flow: str) -> bool:
    """Send again the question `flow` last asked this person here; False if none is known."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return False
    found = context.bot_data.get(QUESTIONS_KEY, {}).get((flow, chat.id, user.id))
    if found is None:
        return False
    text, kwargs = found
    await context.bot.send_message(chat.id, text, **kwargs)
    return True


async def refuse_not_board(update: Update, context: BKMContext) -> None:
    """The polite answer to a non-board person; it says nothing about what is behind it."""
    text = context.tr._("Sorry, this is only for the BKM board.")
    if update.callback_query is not None:
        await answer(update, context, text, alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)


async def is_board_now(context: BKMContext) -> bool:
    """Whether the person is on the board now: their role read from the database at this
    step (the person recorded for the update is refreshed with it)."""
    if not context.has_person:
        return False
    current = await context.db.read(people.by_id, context.person.id)
    if current is None:
        return False
    context.person = current
    return current.is_board


async def tell_no_longer_board(update: Update, context: BKMContext) -> None:
    """A board step by someone who is no longer on the board: nothing was done; say so."""
    await reply(
        update,
        context,
        context.tr._(
            "You are no longer a member of the BKM board, so this was not done. "
            "The board task you had open has been ended."
        ),
    )


def board_only(callback: Callback) -> Callback:
    """Run the callback only for board members, for commands and button presses alike.

    The role is read at this step; a board action stored after a demotion that raced with
    it fails in storage (`NotBoard`) and is answered here too."""

    @functools.wraps(callback)
    async def guarded(update: Update, context: BKMContext) -> Any:
        if not await is_board_now(context):
            await refuse_not_board(update, context)
            return ConversationHandler.END
        try:
            return await callback(update, context)
        except NotBoard:
            await tell_no_longer_board(update, context)
            return ConversationHandler.END

    return guarded


StepTest = Callable[[BKMContext], Awaitable[bool]]


def draft_flag(flow: str, key: str) -> StepTest:
    """A `board_step` test: the person's draft of `flow` has `key` set (e.g. on behalf)."""

    async def test(context: BKMContext) -> bool:
        if not context.has_person:
            return False
        draft = await context.db.read(drafts.get, context.person.id, flow)
        return draft is not None and bool(draft.data.get(key))

    return test


class BoardConversation(ConversationHandler[BKMContext]):
    """A board flow. Build every board ConversationHandler with this class: each callback of
    its entry points, states and fallbacks first reads the person's role from the database;
    when they are not on the board (or storage refuses the action with `NotBoard`), the
    conversation ends, its draft is discarded, and they are told nothing was done."""

    def __init__(self, *, board_step: StepTest | None = None, **kwargs: Any) -> None:
        """`board_step`, for a flow that residents use too (a board member filing on a
        resident's behalf): whether the person's current draft is a board one; then its
        steps and fallbacks are checked (its board entry points carry `board_only`)."""
        super().__init__(**kwargs)
        self.board_step = board_step
        entries = {id(handler) for handler in self.entry_points}
        seen: set[int] = set()
        every = [
            *self.entry_points,
            *(handler for handlers in self.states.values() for handler in handlers),
            *self.fallbacks,
        ]
        for handler in every:
            if id(handler) not in seen:  # a handler object may serve several states
                seen.add(id(handler))
                handler.callback = self._checked(handler.callback, entry=id(handler) in entries)

    def _checked(self, callback: Callback, *, entry: bool) -> Callback:
        @functools.wraps(callback)
        async def checked(update: Update, context: BKMContext) -> Any:
            if not isinstance(update, Update):
                return await callback(update, context)
            if self.board_step is None:
                needs_board = True
            else:
                needs_board = not entry and await self.board_step(context)
            if needs_board and not await is_board_now(context):
                return await self._refuse(update, context, refused=False)
            try:
                return await callback(update, context)
            except NotBoard:
                return await self._refuse(update, context, refused=True)

        checked.board_checked = True  # type: ignore[attr-defined]
        return checked

    def _waiting(self, update: Update) -> bool:
        """Whether this person's conversation of this flow is at a step (PTB's memory)."""
        return ptb_conversations.is_waiting(self, update)

    async def _refuse(self, update: Update, context: BKMContext, *, refused: bool) -> int:
        waiting = self._waiting(update)
        ended: list[str] = []
        if context.has_person and self.name:
            user = update.effective_user
            ended = await context.db.write(
                flow_rows.end_all,
                person_id=context.person.id,
                telegram_id=None if user is None else user.id,
                names=[self.name],
            )
        if refused or waiting or ended:
            await tell_no_longer_board(update, context)
        else:
            await refuse_not_board(update, context)
        return ConversationHandler.END


def board_conversations(
    application: Application[Any, Any, Any, Any, Any, Any],
) -> list[BoardConversation]:
    return [
        handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, BoardConversation)
    ]


def board_flow_names(application: Application[Any, Any, Any, Any, Any, Any]) -> list[str]:
    """The names of every board-only flow (conversation and draft names alike). Flows that
    residents use too (`board_step`: /lapor, /usul) are not listed: a demoted person's own
    report or proposal is theirs to finish; one filed on behalf ends at its next step."""
    return [c.name for c in board_conversations(application) if c.name and c.board_step is None]


def forget_board_flows(
    application: Application[Any, Any, Any, Any, Any, Any], telegram_id: int | None
) -> None:
    """End, in PTB's memory, every board conversation of this Telegram user, in every chat
    (their stored states and drafts are removed by storage, in the demotion's transaction).
    Keys are (chat id, user id)."""
    if telegram_id is None:
        return
    for conversation in board_conversations(application):
        if conversation.board_step is not None:
            continue  # a resident flow too: its step check ends an on-behalf draft
        for key in ptb_conversations.waiting_keys(conversation):
            if key and key[-1] == telegram_id:
                ptb_conversations.forget(conversation, key)


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
# repeated-errors alert, see handlers.start.on_error).
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


async def stale_button(update: Update, context: BKMContext) -> None:
    """A button from an old message, or forged callback data: say so, do nothing."""
    query = update.callback_query
    if query is not None:
        await answer(update, context, context.tr._("This button is no longer valid."), alert=True)
