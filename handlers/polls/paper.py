"""In-person ballots: a board member records paper ballots from a rembug.

Secret poll: first who voted (the roll), then the ballots from the pile, one per line; the
two lists are never paired, and go to the roll and to random slots of the box, apart.
Open poll: one line per voter, person number and options. Audited as a count only.
"""

from __future__ import annotations

import random
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import flows
from bot.access import BoardConversation, answer, board_only, private_only, reply
from bot.context import BKMContext
from bot.keyboards import keyboard
from handlers.polls.view import offer_open_polls, poll_id_from
from rules import paper
from rules.tally import marks_of
from rules.validate import Invalid
from storage import polls
from storage.flows import steps as flow_rows

FLOW = "poll_paper"


class Step(IntEnum):
    VOTERS = 1
    BALLOTS = 2
    CONFIRM = 3


@board_only
@private_only("admin")
async def choose_poll(update: Update, context: BKMContext) -> None:
    """adm:poll_paper: the open polls, one button each."""
    await offer_open_polls(
        update, context, context.tr._("For which poll do you record paper ballots?"), "pol:p:"
    )


@board_only
@private_only("admin")
async def begin(update: Update, context: BKMContext) -> int:
    poll_id = poll_id_from(update)
    poll = await context.db.read(polls.get, poll_id) if poll_id is not None else None
    tr = context.tr
    if poll is None or not poll.is_open:
        await answer(update, context, tr._("This poll is already closed."), alert=True)
        return flows.END
    await answer(update, context)
    data = {"poll_id": poll.id}
    if poll.secret:
        await flows.save_step(update, context, FLOW, Step.VOTERS, data)
        await reply(
            update,
            context,
            tr._(
                "Paper ballots for secret poll {ref}.\nFirst, who voted on paper: write their "
                "person numbers, for example 12, 15, 17. The ballots come next, separately."
            ).format(ref=poll.reference),
        )
        return Step.VOTERS
    await flows.save_step(update, context, FLOW, Step.BALLOTS, data)
    await reply(
        update,
        context,
        tr._(
            "Paper ballots for open poll {ref}.\nWrite one voter per line: person number, a "
            "colon, the options marked. For example:\n12: 1\n15: 2"
        ).format(ref=poll.reference),
    )
    return Step.BALLOTS


async def _state(update: Update, context: BKMContext) -> tuple[dict[str, Any], polls.Poll] | None:
    draft = await flows.load(context, FLOW)
    poll = await context.db.read(polls.get, int(draft.data["poll_id"])) if draft else None
    if draft is None or flows.is_idle(context, draft) or poll is None or not poll.is_open:
        await flows.end_flow(update, context, FLOW, keep=False)
        await reply(update, context, context.tr._("That took too long. Start again from /admin."))
        return None
    return dict(draft.data), poll


async def _check_voters(context: BKMContext, poll: polls.Poll, voters: list[int]) -> str | None:
    """Why these people cannot be recorded, or None."""

    def check(conn: Any) -> tuple[list[int], list[int]]:
        outside = [p for p in voters if not polls.is_eligible(conn, poll.id, p)]
        voted = [p for p in voters if polls.has_voted(conn, poll.id, p)]
        return outside, voted

    outside, voted = await context.db.read(check)
    tr = context.tr
    if outside:
        return tr._("Not on the list of this poll: {numbers}. Nothing was recorded.").format(
            numbers=", ".join(map(str, outside))
        )
    if voted:
        return tr._("Already voted in this poll: {numbers}. Nothing was recorded.").format(
            numbers=", ".join(map(str, voted))
        )
    return None


async def take_voters(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    state = await _state(update, context)
    if state is None:
        return flows.END
    data, poll = state
    try:
        voters = paper.person_numbers(update.message.text or "")
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    problem = await _check_voters(context, poll, voters)
    if problem:
        await reply(update, context, problem)
        return None
    data["voters"] = sorted(voters)
    await flows.save_step(update, context, FLOW, Step.BALLOTS, data)
    await reply(
        update,
        context,
        context.tr.ngettext(
            "{n} voter. Now the ballot from the box: write the option number(s) marked on it, "
            "on one line.",
            "{n} voters. Now the {n} ballots from the box, in any order: one ballot per line, "
            "the option number(s) marked on it.",
            len(voters),
        ).format(n=len(voters)),
    )
    return Step.BALLOTS


async def take_ballots(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    state = await _state(update, context)
    if state is None:
        return flows.END
    data, poll = state
    tr = context.tr
    text = update.message.text or ""
    try:
        if poll.secret:
            ballots = paper.secret_ballots(text, len(poll.options), poll.max_choices)
            if len(ballots) != len(data["voters"]):
                await reply(
                    update,
                    context,
                    tr._(
                        "{ballots} ballots for {voters} voters: the numbers must match. "
                        "Write the ballots again."
                    ).format(ballots=len(ballots), voters=len(data["voters"])),
                )
                return None
            random.SystemRandom().shuffle(ballots)  # the draft keeps no typing order either
            data["ballots"] = [marks_of(b) for b in ballots]
        else:
            pairs = paper.open_ballots(text, len(poll.options), poll.max_choices)
            problem = await _check_voters(context, poll, [p for p, _ in pairs])
            if problem:
                await reply(update, context, problem)
                return None
            data["voters"] = [p for p, _ in pairs]
            data["ballots"] = [marks_of(b) for _, b in pairs]
    except Invalid as exc:
        await reply(update, context, exc.text(tr))
        return None
    await flows.save_step(update, context, FLOW, Step.CONFIRM, data)
    await reply(
        update,
        context,
        tr.ngettext(
            "Record {n} paper ballot in poll {ref}?",
            "Record {n} paper ballots in poll {ref}?",
            len(data["voters"]),
        ).format(n=len(data["voters"]), ref=poll.reference),
        reply_markup=keyboard([[(tr._("Save"), "pol:p:save"), (tr._("Cancel"), "pol:p:cancel")]]),
    )
    return Step.CONFIRM


async def save(update: Update, context: BKMContext) -> int | None:
    state = await _state(update, context)
    if state is None:
        return flows.END
    data, poll = state
    await answer(update, context)
    board_id = context.person.id
    key = flows.conversation_key_of(update)

    def record_and_end(conn: Any) -> int:
        n = polls.record_in_person(
            conn,
            poll_id=poll.id,
            board_id=board_id,
            voters=data["voters"],
            ballots=data["ballots"],
            now=context.clock.now(),
        )
        flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return n

    tr = context.tr
    try:
        n = await context.db.write(record_and_end)
    except polls.PollError:
        await flows.end_flow(update, context, FLOW, keep=False)
        await reply(
            update,
            context,
            tr._("Nothing was recorded: the poll closed, or someone on the list voted meanwhile."),
        )
        return flows.END
    await reply(
        update,
        context,
        tr.ngettext(
            "{n} paper ballot recorded in poll {ref}.",
            "{n} paper ballots recorded in poll {ref}.",
            n,
        ).format(n=n, ref=poll.reference),
    )
    return flows.END


async def cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. No paper ballot was recorded."))
    return flows.END


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    text = filters.TEXT & ~filters.COMMAND
    return [
        CallbackQueryHandler(choose_poll, pattern=r"^adm:poll_paper$"),
        BoardConversation(
            name=FLOW,
            persistent=True,
            entry_points=[CallbackQueryHandler(begin, pattern=r"^pol:p:\d+$")],
            states={
                Step.VOTERS: [MessageHandler(text, take_voters)],
                Step.BALLOTS: [MessageHandler(text, take_ballots)],
                Step.CONFIRM: [CallbackQueryHandler(save, pattern=r"^pol:p:save$")],
            },
            fallbacks=[
                CommandHandler(["batal", "cancel"], cancel),
                CallbackQueryHandler(cancel, pattern=r"^pol:p:cancel$"),
            ],
            allow_reentry=True,
        ),
    ]
