"""Closing a poll early: who may (a board member, re-checked at every step and again by
storage in the closing transaction), the one-time token of the chooser, the published reason."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot import confirm, flows
from bot.access import answer, board_only, private_only, reply
from bot.buttons import on
from bot.context import BKMContext
from bot.flowrunner import Ask, Cancel, Flow, Lapse, Turn, text
from bot.i18n import N_
from handlers.polls import buttons
from handlers.polls.buttons import Close
from handlers.polls.results import announce
from handlers.polls.view import offer_open_polls
from rules.validate import text_length
from storage import polls
from storage.flows import steps as flow_rows
from storage.polls import Poll

CLOSE_FLOW = "poll_close"


class Step(IntEnum):
    REASON = 1


@board_only
@private_only("admin")
async def choose_to_close(update: Update, context: BKMContext) -> None:
    """adm:poll_close: the open polls, one button each (with the one-time token)."""
    await offer_open_polls(
        update,
        context,
        context.tr._("Which poll do you want to close early?"),
        lambda poll, token: Close(poll, token).data,
        confirm.POLL_CLOSE,
    )


@board_only
@private_only("admin")
async def close_begin(update: Update, context: BKMContext) -> int | None:
    """A poll chosen: its token is consumed, then the reason is asked."""
    poll = await context.db.read(polls.get, Close.pressed(update).poll)
    if poll is None or not poll.is_open:
        await answer(update, context, context.tr._("This poll is already closed."), alert=True)
        return flows.END
    try:  # the chooser's one-time token; the typed reason closes only the draft's poll
        await confirm.consume(update, context, confirm.POLL_CLOSE, poll.id)
    except confirm.Refused:
        return None  # a step of this flow that was waiting keeps waiting
    return await CLOSE.go(update, context, Step.REASON, {"poll_id": poll.id})


async def ask_reason(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    poll = await context.db.read(polls.get, int(data["poll_id"]))
    reference = poll.reference if poll is not None else ""
    await reply(
        update,
        context,
        context.tr._(
            "Closing poll {ref} early. Why? The reason is published with the results."
        ).format(ref=reference),
    )


async def close_reason(turn: Turn[Step]) -> int:
    """The reason typed: close in one transaction with the end of the draft, announce."""
    update, context = turn.update, turn.context
    reason = text_length(turn.value, 3, 300)  # or Invalid: its reason is said, the step stays
    poll_id = int(turn.data["poll_id"])
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


CLOSE: Flow[Step] = Flow(
    CLOSE_FLOW,
    [Ask(Step.REASON, ask_reason, [text(close_reason)])],
    entry=[on(Close, close_begin)],
    cancel=Cancel(N_("Cancelled. The poll stays open.")),
    lapse=Lapse(N_("That took too long. Start again from /admin."), keep=False),
    board=True,
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [on(buttons.CLOSE, choose_to_close), CLOSE.handler()]
