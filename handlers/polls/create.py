"""/buatpolling (/newpoll): a board member builds a poll step by step, previews, publishes."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import flows
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.flowrunner import TEXT, Ask, Cancel, Flow, Turn, press, text, unusable
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from bot.scheduling import arm
from handlers.polls import buttons
from handlers.polls.buttons import Audience, Ballot, Card, Choices, Shown
from handlers.polls.view import audience_text, rules_text
from rules.pollform import OPTION_MAX, parse_options, parse_quorum, parse_rw
from rules.tally import MAX_OPTIONS
from rules.validate import text_length
from rules.when import parse_future
from storage import polls
from storage.flows import steps as flow_rows

FLOW = "poll_create"
QUESTION_MAX = 255
MINIMUM_AHEAD = timedelta(minutes=10)
# Typed text where a button is expected: say so and show the step's buttons again
BUTTONS = [unusable(TEXT, N_("Please choose one of the buttons."), ask_again=True)]


class Step(IntEnum):
    QUESTION = 1
    OPTIONS = 2
    AUDIENCE = 3
    RW = 4
    BALLOT = 5
    CHOICES = 6
    CLOSING = 7
    RESULTS = 8
    QUORUM = 9
    PREVIEW = 10


# ---- questions ------
async def ask_question(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    question = context.tr._("New poll. What is the question? (at most {n} characters)")
    await reply(update, context, question.format(n=QUESTION_MAX))


async def ask_options(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    question = context.tr._(
        "Write the options, one per line (2 to {n}, each at most {m} characters)."
    )
    await reply(update, context, question.format(n=MAX_OPTIONS, m=OPTION_MAX))


async def ask_audience(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Who may vote?"),
        reply_markup=column(
            [
                (tr._("All residents"), Audience("residents").data),
                (tr._("Members"), Audience("members").data),
                (tr._("Members of one RW"), Audience("rw").data),
            ]
        ),
    )


async def ask_rw(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("Which RW? Write its number, for example 5."))


async def ask_ballot(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Secret or open ballot?\nSecret: nobody, the board included, can see who "
            "chose what; a vote cannot be changed.\nOpen: each vote is recorded with "
            "the voter and may be changed until closing."
        ),
        reply_markup=column(
            [
                (tr._("Secret ballot"), Ballot("secret").data),
                (tr._("Open ballot"), Ballot("open").data),
            ]
        ),
    )


async def ask_choices(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    n = len(data["options"])
    choices = [(tr._("One option"), Choices(1).data)] + [
        (tr._("Up to {k} options").format(k=k), Choices(k).data) for k in range(2, n + 1)
    ]
    await reply(
        update,
        context,
        tr._("How many options may each voter choose?"),
        reply_markup=column(choices),
    )


async def ask_closing(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "When does voting close? Write a date and time, like 30/11 20:00 or "
            "30 November 2026 20:00, or a duration, like 3 hari or 12 jam."
        ),
    )


async def ask_results(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Show results while voting, or only after closing?"),
        reply_markup=column(
            [
                (tr._("While voting (live)"), Shown("live").data),
                (tr._("After closing"), Shown("after").data),
            ]
        ),
    )


async def ask_quorum(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._(
            "Quorum: the minimum turnout, in percent, for the result to count "
            "(for example 50). Or choose no quorum."
        ),
        reply_markup=column([(tr._("No quorum"), buttons.NO_QUORUM.data)]),
    )


async def ask_preview(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        preview(tr, data, context),
        reply_markup=keyboard(
            [
                [(tr._("Publish"), buttons.PUBLISH.data)],
                [
                    (tr._("Start over"), buttons.RESTART.data),
                    (tr._("Cancel"), buttons.CANCEL.data),
                ],
            ]
        ),
    )


def preview(tr: Translator, data: dict[str, Any], context: BKMContext) -> str:
    closes = datetime.fromisoformat(data["closes_at"])
    lines = [tr._("<b>Preview of the poll</b>"), html.escape(data["question"]), ""]
    lines += [f"{i}. {html.escape(o)}" for i, o in enumerate(data["options"], start=1)]
    lines += [
        "",
        tr._("Who may vote: {audience}").format(audience=audience_text(tr, data)),
        rules_text(
            tr,
            secret=data["ballot"] == "secret",
            max_choices=data["max_choices"],
            live=data["results"] == "live",
        ),
        tr._("Closes: {when}").format(when=tr.datetime(closes)),
        tr._("Quorum: {quorum}%").format(quorum=data["quorum"])
        if data.get("quorum")
        else tr._("No quorum"),
        "",
        tr._("When you publish, the list of who may vote is fixed and the invitation is sent."),
    ]
    return "\n".join(lines)


# ---- entry ------
@board_only
@private_only("admin")
async def begin(update: Update, context: BKMContext) -> int:
    """/buatpolling: start, or offer to resume, a poll draft."""
    await answer(update, context)
    draft = await flows.load(context, FLOW)
    if draft is not None and draft.data:
        tr = context.tr
        await reply(
            update,
            context,
            tr._("You have an unfinished poll. Continue where you stopped?"),
            reply_markup=keyboard(
                [
                    [
                        (tr._("Continue"), buttons.RESUME.data),
                        (tr._("Start over"), buttons.RESTART.data),
                    ]
                ]
            ),
        )
        return flows.END
    return await CREATE.go(update, context, Step.QUESTION, {})


@board_only
async def resume(update: Update, context: BKMContext) -> int:
    """Continue: the draft at the step it was saved at (a new poll when there is none)."""
    resumed = await CREATE.resume(update, context)
    if resumed is None:
        return await CREATE.go(update, context, Step.QUESTION, {})
    return resumed


@board_only
async def restart(update: Update, context: BKMContext) -> int:
    return await CREATE.go(update, context, Step.QUESTION, {})


# ---- answers ------
async def take_question(turn: Turn[Step]) -> Step:
    turn.data["question"] = text_length(turn.value, 5, QUESTION_MAX)  # or Invalid: said, stays
    return Step.OPTIONS


async def take_options(turn: Turn[Step]) -> Step:
    turn.data["options"] = parse_options(turn.value)
    return Step.AUDIENCE


async def take_audience(turn: Turn[Step]) -> Step:
    code = Audience.pressed(turn.update).code
    turn.data["audience"] = code
    turn.data.pop("rw", None)
    return Step.RW if code == "rw" else Step.BALLOT


async def take_rw(turn: Turn[Step]) -> Step | None:
    rw = parse_rw(turn.value)
    if not await turn.context.db.read(polls.audience_ids, "rw", rw):
        await reply(
            turn.update,
            turn.context,
            turn.tr._(
                "RW {rw} has no verified members yet, so nobody could vote. Write another RW, "
                "or /batal to start over."
            ).format(rw=f"{rw:02d}"),
        )
        return None
    turn.data["rw"] = rw
    return Step.BALLOT


async def take_ballot(turn: Turn[Step]) -> Step:
    turn.data["ballot"] = Ballot.pressed(turn.update).kind
    return Step.CHOICES


async def take_choices(turn: Turn[Step]) -> Step | None:
    count = Choices.pressed(turn.update).count
    if not 1 <= count <= len(turn.data.get("options", [])):
        await stale_button(turn.update, turn.context)
        return None
    turn.data["max_choices"] = count
    return Step.CLOSING


async def take_closing(turn: Turn[Step]) -> Step:
    context, data = turn.context, turn.data
    closes = parse_future(turn.value, context.clock.now(), context.settings.timezone)
    data["closes_at"] = closes.isoformat()
    if data["ballot"] == "secret":
        data["results"] = "after"  # live counts would reveal secret votes by their timing
        return Step.QUORUM
    return Step.RESULTS


async def take_results(turn: Turn[Step]) -> Step | None:
    if turn.data.get("ballot") != "open":
        await stale_button(turn.update, turn.context)
        return None
    turn.data["results"] = Shown.pressed(turn.update).when
    return Step.QUORUM


async def take_no_quorum(turn: Turn[Step]) -> Step:
    turn.data["quorum"] = None
    return Step.PREVIEW


async def take_quorum(turn: Turn[Step]) -> Step:
    turn.data["quorum"] = parse_quorum(turn.value)
    return Step.PREVIEW


async def publish(turn: Turn[Step]) -> Step | int:
    """Publish: fix the eligible list, give the reference, schedule, invite."""
    update, context, data = turn.update, turn.context, turn.data
    now = context.clock.now()
    closes = datetime.fromisoformat(data["closes_at"])
    if closes < now + MINIMUM_AHEAD:
        await answer(update, context)
        await reply(
            update,
            context,
            context.tr._("The closing time is now too close. Choose it again."),
        )
        return Step.CLOSING
    await answer(update, context)
    published = await _store(turn, closes)
    for schedule in published.schedules:
        arm(context.application, schedule)
    poll = published.poll
    link = f"https://t.me/{context.bot.username}?start=pol_{poll.reference}"
    await reply(
        update,
        context,
        context.tr.ngettext(
            "Published: poll {ref}. {n} person may vote.\nLink to the poll: {link}",
            "Published: poll {ref}. {n} people may vote.\nLink to the poll: {link}",
            len(published.eligible),
        ).format(ref=poll.reference, n=context.tr.number(len(published.eligible)), link=link),
    )
    await invite(context, published)
    return flows.END


async def _store(turn: Turn[Step], closes: datetime) -> polls.Published:
    """The poll published and the draft ended, in one transaction."""
    data, now = turn.data, turn.context.clock.now()
    board_id = turn.context.person.id
    key = flows.conversation_key_of(turn.update)

    def publish_and_end(conn: Any) -> polls.Published:
        published = polls.publish(
            conn,
            board_id=board_id,
            question=data["question"],
            options=data["options"],
            audience=data["audience"],
            audience_rw=data.get("rw"),
            ballot=data["ballot"],
            max_choices=data["max_choices"],
            results=data["results"],
            quorum=data.get("quorum"),
            closes_at=closes,
            now=now,
        )
        flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return published

    return await turn.context.db.write(publish_and_end)


async def invite(context: BKMContext, published: polls.Published) -> None:
    poll = published.poll

    def render(tr: Translator) -> Outgoing:
        text = tr._(
            "<b>New poll {ref}</b>\n{question}\n\nYou may vote until {when}. "
            "Press the button to see the options."
        ).format(
            ref=poll.reference,
            question=html.escape(poll.question),
            when=tr.datetime(poll.closes_at),
        )
        return Outgoing(text, buttons=(((tr._("Vote"), Card(poll.id).data),),))

    await outbox.broadcast(
        context.application,
        published.eligible,
        render,
        topic="polling",
        author_id=context.person.id,
    )


CREATE: Flow[Step] = Flow(
    FLOW,
    [
        Ask(Step.QUESTION, ask_question, [text(take_question)]),
        Ask(Step.OPTIONS, ask_options, [text(take_options)]),
        Ask(Step.AUDIENCE, ask_audience, [press(Audience, take_audience)], BUTTONS),
        Ask(Step.RW, ask_rw, [text(take_rw)]),
        Ask(Step.BALLOT, ask_ballot, [press(Ballot, take_ballot)], BUTTONS),
        Ask(Step.CHOICES, ask_choices, [press(Choices, take_choices)], BUTTONS),
        Ask(Step.CLOSING, ask_closing, [text(take_closing)]),
        Ask(Step.RESULTS, ask_results, [press(Shown, take_results)], BUTTONS),
        Ask(
            Step.QUORUM,
            ask_quorum,
            [press(buttons.NO_QUORUM, take_no_quorum), text(take_quorum)],
        ),
        Ask(
            Step.PREVIEW,
            ask_preview,
            # Start over (pol:n:restart) is an entry point, taken at any step
            [press(buttons.PUBLISH, publish)],
            BUTTONS,
        ),
    ],
    entry=[
        CommandHandler(["buatpolling", "newpoll"], begin),
        on(buttons.NEW, begin),
        on(buttons.RESUME, resume),
        on(buttons.RESTART, restart),
    ],
    cancel=Cancel(N_("Cancelled. The poll was not published."), pattern=buttons.CANCEL),
    board=True,
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [CREATE.handler()]
