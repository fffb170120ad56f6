"""Closing a poll early: who may (a board member, re-checked at every step and again by
storage in the closing transaction), the one-time token of the chooser, the published reason."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import confirm, flows
from bot.access import BoardConversation, answer, board_only, private_only, reply
from bot.context import BKMContext
from handlers.polls.results import announce
from handlers.polls.view import offer_open_polls, poll_id_from
from rules.validate import Invalid, text_length
from storage import polls
from storage.flows import steps as flow_rows
from storage.polls import Poll

CLOSE_FLOW = "poll_close"


class Step(IntEnum):
    REASON = 1


@board_only
@private_only("admin")
async def choose_to_close(update: Update, context: BKMContext) -> None:
    """adm:poll_close: the open polls, one button each."""
    await offer_open_polls(
        update,
        context,
        context.tr._("Which poll do you want to close early?"),
        "pol:x:",
        confirm.POLL_CLOSE,
    )


@board_only
@private_only("admin")
async def close_begin(update: Update, context: BKMContext) -> int | None:
    poll_id = poll_id_from(update)
    poll = await context.db.read(polls.get, poll_id) if poll_id is not None else None
    if poll is None or not poll.is_open:
        await answer(update, context, context.tr._("This poll is already closed."), alert=True)
        return flows.END
    try:  # the chooser's one-time token; the typed reason closes only the draft's poll
        await confirm.consume(update, context, confirm.POLL_CLOSE, poll.id)
    except confirm.Refused:
        return None  # a step of this flow that was waiting keeps waiting
    await answer(update, context)
    await flows.save_step(update, context, CLOSE_FLOW, Step.REASON, {"poll_id": poll.id})
    await reply(
        update,
        context,
        context.tr._(
            "Closing poll {ref} early. Why? The reason is published with the results."
        ).format(ref=poll.reference),
    )
    return Step.REASON


async def close_reason(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    draft = await flows.load(context, CLOSE_FLOW)
    if draft is None or flows.is_idle(context, draft):
        await flows.end_flow(update, context, CLOSE_FLOW, keep=False)
        await reply(update, context, context.tr._("That took too long. Start again from /admin."))
        return flows.END
    try:
        reason = text_length(update.message.text or "", 3, 300)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    poll_id = int(draft.data["poll_id"])
    board_id = context.person.id
    key = flows.conversation_key_of(update)

    def close_and_end(conn: Any) -> Poll | None:
        closed = polls.close(
            conn, poll_id, now=context.clock.now(), board_id=board_id, reason=reason
        )
        flow_rows.end(conn, person_id=board_id, flow=CLOSE_FLOW, conversation_key=key, keep=False)
        return closed

    closed = await context.db.write(close_and_end)
    if closed is None:
        await reply(update, context, context.tr._("This poll is already closed."))
        return flows.END
    await reply(
        update,
        context,
        context.tr._(
            "Poll {ref} is closed. The results are being sent to everyone invited."
        ).format(ref=closed.reference),
    )
    await announce(context.application, closed.id)
    return flows.END


async def close_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, CLOSE_FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. The poll stays open."))
    return flows.END


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CallbackQueryHandler(choose_to_close, pattern=r"^adm:poll_close$"),
        BoardConversation(
            name=CLOSE_FLOW,
            persistent=True,
            entry_points=[CallbackQueryHandler(close_begin, pattern=r"^pol:x:")],
            states={Step.REASON: [MessageHandler(filters.TEXT & ~filters.COMMAND, close_reason)]},
            fallbacks=[CommandHandler(["batal", "cancel"], close_cancel)],
            allow_reentry=True,
        ),
    ]
