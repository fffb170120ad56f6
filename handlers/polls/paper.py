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
from telegram.ext import BaseHandler

from bot import flows
from bot.access import answer, board_only, private_only, reply
from bot.buttons import on
from bot.context import BKMContext
from bot.flowrunner import Ask, Cancel, Flow, Lapse, Turn, press, text
from bot.i18n import N_
from bot.keyboards import keyboard
from handlers.polls import buttons
from handlers.polls.buttons import Paper
from handlers.polls.view import offer_open_polls
from rules import paper
from rules.tally import marks_of
from storage import polls
from storage.flows import steps as flow_rows

FLOW = "poll_paper"
LAPSED = N_("That took too long. Start again from /admin.")


class Step(IntEnum):
    VOTERS = 1
    BALLOTS = 2
    CONFIRM = 3


@board_only
@private_only("admin")
async def choose_poll(update: Update, context: BKMContext) -> None:
    """adm:poll_paper: the open polls, one button each."""
    await offer_open_polls(
        update,
        context,
        context.tr._("For which poll do you record paper ballots?"),
        lambda poll, _token: Paper(poll).data,
    )


@board_only
@private_only("admin")
async def begin(update: Update, context: BKMContext) -> int:
    """A poll chosen: a secret poll asks first who voted, an open poll the ballots."""
    poll = await context.db.read(polls.get, Paper.pressed(update).poll)
    if poll is None or not poll.is_open:
        await answer(update, context, context.tr._("This poll is already closed."), alert=True)
        return flows.END
    step = Step.VOTERS if poll.secret else Step.BALLOTS
    return await PAPER.go(update, context, step, {"poll_id": poll.id})


# ---- questions ------
async def _poll(context: BKMContext, data: dict[str, Any]) -> polls.Poll:
    poll = await context.db.read(polls.get, int(data["poll_id"]))
    assert poll is not None  # polls are never deleted
    return poll


async def ask_voters(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    poll = await _poll(context, data)
    await reply(
        update,
        context,
        context.tr._(
            "Paper ballots for secret poll {ref}.\nFirst, who voted on paper: write their "
            "person numbers, for example 12, 15, 17. The ballots come next, separately."
        ).format(ref=poll.reference),
    )


async def ask_ballots(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    if "voters" in data:  # a secret poll: the roll is taken, now the box
        n = len(data["voters"])
        await reply(
            update,
            context,
            tr.ngettext(
                "{n} voter. Now the ballot from the box: write the option number(s) marked on "
                "it, on one line.",
                "{n} voters. Now the {n} ballots from the box, in any order: one ballot per "
                "line, the option number(s) marked on it.",
                n,
            ).format(n=n),
        )
        return
    poll = await _poll(context, data)
    await reply(
        update,
        context,
        tr._(
            "Paper ballots for open poll {ref}.\nWrite one voter per line: person number, a "
            "colon, the options marked. For example:\n12: 1\n15: 2"
        ).format(ref=poll.reference),
    )


async def ask_confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    poll = await _poll(context, data)
    n = len(data["voters"])
    await reply(
        update,
        context,
        tr.ngettext(
            "Record {n} paper ballot in poll {ref}?",
            "Record {n} paper ballots in poll {ref}?",
            n,
        ).format(n=n, ref=poll.reference),
        reply_markup=keyboard(
            [
                [
                    (tr._("Save"), buttons.SAVE_PAPER.data),
                    (tr._("Cancel"), buttons.CANCEL_PAPER.data),
                ]
            ]
        ),
    )


# ---- answers ------
async def _open_poll(turn: Turn[Step]) -> polls.Poll | None:
    """The draft's poll while it is open; else the flow ends as a lapsed one does."""
    poll = await turn.context.db.read(polls.get, int(turn.data["poll_id"]))
    if poll is None or not poll.is_open:
        await PAPER.end(turn.update, turn.context)
        await reply(turn.update, turn.context, turn.tr._(LAPSED))
        return None
    return poll


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


async def take_voters(turn: Turn[Step]) -> Step | int | None:
    """A secret poll's roll: who voted on paper (never paired with a ballot)."""
    poll = await _open_poll(turn)
    if poll is None:
        return flows.END
    voters = paper.person_numbers(turn.value)  # or Invalid: its reason is said, step stays
    problem = await _check_voters(turn.context, poll, voters)
    if problem:
        await reply(turn.update, turn.context, problem)
        return None
    turn.data["voters"] = sorted(voters)
    return Step.BALLOTS


async def take_ballots(turn: Turn[Step]) -> Step | int | None:
    poll = await _open_poll(turn)
    if poll is None:
        return flows.END
    if poll.secret:
        return await _secret_ballots(turn, poll)
    return await _open_ballots(turn, poll)


async def _secret_ballots(turn: Turn[Step], poll: polls.Poll) -> Step | None:
    """The box: as many ballots as voters on the roll, kept in no typing order."""
    data = turn.data
    ballots = paper.secret_ballots(turn.value, len(poll.options), poll.max_choices)
    if len(ballots) != len(data["voters"]):
        await reply(
            turn.update,
            turn.context,
            turn.tr._(
                "{ballots} ballots for {voters} voters: the numbers must match. "
                "Write the ballots again."
            ).format(ballots=len(ballots), voters=len(data["voters"])),
        )
        return None
    random.SystemRandom().shuffle(ballots)  # the draft keeps no typing order either
    data["ballots"] = [marks_of(b) for b in ballots]
    return Step.CONFIRM


async def _open_ballots(turn: Turn[Step], poll: polls.Poll) -> Step | None:
    """An open poll: one line per voter, person number and options."""
    pairs = paper.open_ballots(turn.value, len(poll.options), poll.max_choices)
    problem = await _check_voters(turn.context, poll, [p for p, _ in pairs])
    if problem:
        await reply(turn.update, turn.context, problem)
        return None
    turn.data["voters"] = [p for p, _ in pairs]
    turn.data["ballots"] = [marks_of(b) for _, b in pairs]
    return Step.CONFIRM


async def save(turn: Turn[Step]) -> int:
    """Save: the roll and the box written apart, with the end of the draft, in one
    transaction."""
    update, context, data = turn.update, turn.context, turn.data
    poll = await _open_poll(turn)
    if poll is None:
        return flows.END
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
        await PAPER.end(update, context)
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


PAPER: Flow[Step] = Flow(
    FLOW,
    [
        Ask(Step.VOTERS, ask_voters, [text(take_voters)]),
        Ask(Step.BALLOTS, ask_ballots, [text(take_ballots)]),
        Ask(Step.CONFIRM, ask_confirm, [press(buttons.SAVE_PAPER, save)]),
    ],
    entry=[on(Paper, begin)],
    cancel=Cancel(N_("Cancelled. No paper ballot was recorded."), pattern=buttons.CANCEL_PAPER),
    lapse=Lapse(LAPSED, keep=False),
    board=True,
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [on(buttons.PAPER, choose_poll), PAPER.handler()]
