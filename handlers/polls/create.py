"""/buatpolling (/newpoll): a board member builds a poll step by step, previews, publishes."""

from __future__ import annotations

import html
from datetime import datetime, timedelta
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
from bot.access import BoardConversation, answer, board_only, private_only, reply, stale_button
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from bot.scheduling import arm
from handlers.polls.view import audience_text, rules_text
from rules.pollform import OPTION_MAX, parse_options, parse_quorum, parse_rw
from rules.tally import MAX_OPTIONS
from rules.validate import Invalid, text_length
from rules.when import parse_future
from storage import polls
from storage.flows import steps as flow_rows

FLOW = "poll_create"
QUESTION_MAX = 255
MINIMUM_AHEAD = timedelta(minutes=10)


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


async def ask(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> None:
    tr = context.tr
    if step is Step.QUESTION:
        await reply(
            update,
            context,
            tr._("New poll. What is the question? (at most {n} characters)").format(
                n=QUESTION_MAX
            ),
        )
    elif step is Step.OPTIONS:
        await reply(
            update,
            context,
            tr._(
                "Write the options, one per line (2 to {n}, each at most {m} characters)."
            ).format(n=MAX_OPTIONS, m=OPTION_MAX),
        )
    elif step is Step.AUDIENCE:
        await reply(
            update,
            context,
            tr._("Who may vote?"),
            reply_markup=column(
                [
                    (tr._("All residents"), "pol:n:aud:residents"),
                    (tr._("Members"), "pol:n:aud:members"),
                    (tr._("Members of one RW"), "pol:n:aud:rw"),
                ]
            ),
        )
    elif step is Step.RW:
        await reply(update, context, tr._("Which RW? Write its number, for example 5."))
    elif step is Step.BALLOT:
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
                    (tr._("Secret ballot"), "pol:n:bal:secret"),
                    (tr._("Open ballot"), "pol:n:bal:open"),
                ]
            ),
        )
    elif step is Step.CHOICES:
        n = len(data["options"])
        buttons = [(tr._("One option"), "pol:n:k:1")] + [
            (tr._("Up to {k} options").format(k=k), f"pol:n:k:{k}") for k in range(2, n + 1)
        ]
        await reply(
            update,
            context,
            tr._("How many options may each voter choose?"),
            reply_markup=column(buttons),
        )
    elif step is Step.CLOSING:
        await reply(
            update,
            context,
            tr._(
                "When does voting close? Write a date and time, like 30/11 20:00 or "
                "30 November 2026 20:00, or a duration, like 3 hari or 12 jam."
            ),
        )
    elif step is Step.RESULTS:
        await reply(
            update,
            context,
            tr._("Show results while voting, or only after closing?"),
            reply_markup=column(
                [
                    (tr._("While voting (live)"), "pol:n:res:live"),
                    (tr._("After closing"), "pol:n:res:after"),
                ]
            ),
        )
    elif step is Step.QUORUM:
        await reply(
            update,
            context,
            tr._(
                "Quorum: the minimum turnout, in percent, for the result to count "
                "(for example 50). Or choose no quorum."
            ),
            reply_markup=column([(tr._("No quorum"), "pol:n:q:none")]),
        )
    elif step is Step.PREVIEW:
        await reply(
            update,
            context,
            preview(tr, data, context),
            reply_markup=keyboard(
                [
                    [(tr._("Publish"), "pol:n:publish")],
                    [(tr._("Start over"), "pol:n:restart"), (tr._("Cancel"), "pol:n:cancel")],
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


# ---- steps ------


async def _next(update: Update, context: BKMContext, step: Step, data: dict[str, Any]) -> int:
    await flows.save_step(update, context, FLOW, step, data)
    await ask(update, context, step, data)
    return step


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
                [[(tr._("Continue"), "pol:n:resume"), (tr._("Start over"), "pol:n:restart")]]
            ),
        )
        return flows.END
    return await _next(update, context, Step.QUESTION, {})


@board_only
async def resume(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    draft = await flows.load(context, FLOW)
    if draft is None:
        return await _next(update, context, Step.QUESTION, {})
    return await _next(update, context, Step[draft.step], draft.data)


@board_only
async def restart(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    return await _next(update, context, Step.QUESTION, {})


async def take_question(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    try:
        data["question"] = text_length(update.message.text or "", 5, QUESTION_MAX)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    return await _next(update, context, Step.OPTIONS, data)


async def take_options(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    try:
        data["options"] = parse_options(update.message.text or "")
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    return await _next(update, context, Step.AUDIENCE, data)


async def take_audience(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    code = (update.callback_query.data or "").removeprefix("pol:n:aud:")  # type: ignore[union-attr]
    if code not in polls.AUDIENCES:
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["audience"] = code
    data.pop("rw", None)
    return await _next(update, context, Step.RW if code == "rw" else Step.BALLOT, data)


async def take_rw(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    try:
        rw = parse_rw(update.message.text or "")
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    if not await context.db.read(polls.audience_ids, "rw", rw):
        await reply(
            update,
            context,
            context.tr._(
                "RW {rw} has no verified members yet, so nobody could vote. Write another RW, "
                "or /batal to start over."
            ).format(rw=f"{rw:02d}"),
        )
        return None
    data["rw"] = rw
    return await _next(update, context, Step.BALLOT, data)


async def take_ballot(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    code = (update.callback_query.data or "").removeprefix("pol:n:bal:")  # type: ignore[union-attr]
    if code not in ("secret", "open"):
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["ballot"] = code
    return await _next(update, context, Step.CHOICES, data)


async def take_choices(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    code = (update.callback_query.data or "").removeprefix("pol:n:k:")  # type: ignore[union-attr]
    if not code.isdigit() or not 1 <= int(code) <= len(data.get("options", [])):
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["max_choices"] = int(code)
    return await _next(update, context, Step.CLOSING, data)


async def take_closing(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    try:
        closes = parse_future(
            update.message.text or "", context.clock.now(), context.settings.timezone
        )
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    data["closes_at"] = closes.isoformat()
    if data["ballot"] == "secret":
        data["results"] = "after"  # live counts would reveal secret votes by their timing
        return await _next(update, context, Step.QUORUM, data)
    return await _next(update, context, Step.RESULTS, data)


async def take_results(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    code = (update.callback_query.data or "").removeprefix("pol:n:res:")  # type: ignore[union-attr]
    if code not in ("live", "after") or data.get("ballot") != "open":
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["results"] = code
    return await _next(update, context, Step.QUORUM, data)


async def take_quorum(update: Update, context: BKMContext) -> int | None:
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    if update.callback_query is not None:
        await answer(update, context)
        data["quorum"] = None
    else:
        assert update.message is not None
        try:
            data["quorum"] = parse_quorum(update.message.text or "")
        except Invalid as exc:
            await reply(update, context, exc.text(context.tr))
            return None
    return await _next(update, context, Step.PREVIEW, data)


async def remind_buttons(update: Update, context: BKMContext) -> int | None:
    draft = await flows.load(context, FLOW)
    if draft is None:
        return flows.END
    await reply(update, context, context.tr._("Please choose one of the buttons."))
    await ask(update, context, Step[draft.step], draft.data)
    return None


@board_only
async def publish(update: Update, context: BKMContext) -> int | None:
    """Publish: fix the eligible list, give the reference, schedule, invite."""
    data = await flows.current_draft(update, context, FLOW)
    if data is None:
        return flows.END
    now = context.clock.now()
    closes = datetime.fromisoformat(data["closes_at"])
    if closes < now + MINIMUM_AHEAD:
        await answer(update, context)
        await reply(
            update,
            context,
            context.tr._("The closing time is now too close. Choose it again."),
        )
        return await _next(update, context, Step.CLOSING, data)
    await answer(update, context)
    board_id = context.person.id
    key = flows.conversation_key_of(update)

    def publish_and_close(conn: Any) -> polls.Published:
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

    published = await context.db.write(publish_and_close)
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
        return Outgoing(text, buttons=(((tr._("Vote"), f"pol:o:{poll.id}"),),))

    await outbox.broadcast(
        context.application,
        published.eligible,
        render,
        topic="polling",
        author_id=context.person.id,
    )


async def cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, FLOW, keep=False)
    await reply(update, context, context.tr._("Cancelled. The poll was not published."))
    return flows.END


TEXT = filters.TEXT & ~filters.COMMAND


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    buttons_again = MessageHandler(TEXT, remind_buttons)
    return [
        BoardConversation(
            name=FLOW,
            persistent=True,
            entry_points=[
                CommandHandler(["buatpolling", "newpoll"], begin),
                CallbackQueryHandler(begin, pattern=r"^adm:poll_new$"),
                CallbackQueryHandler(resume, pattern=r"^pol:n:resume$"),
                CallbackQueryHandler(restart, pattern=r"^pol:n:restart$"),
            ],
            states={
                Step.QUESTION: [MessageHandler(TEXT, take_question)],
                Step.OPTIONS: [MessageHandler(TEXT, take_options)],
                Step.AUDIENCE: [
                    CallbackQueryHandler(take_audience, pattern=r"^pol:n:aud:"),
                    buttons_again,
                ],
                Step.RW: [MessageHandler(TEXT, take_rw)],
                Step.BALLOT: [
                    CallbackQueryHandler(take_ballot, pattern=r"^pol:n:bal:"),
                    buttons_again,
                ],
                Step.CHOICES: [
                    CallbackQueryHandler(take_choices, pattern=r"^pol:n:k:"),
                    buttons_again,
                ],
                Step.CLOSING: [MessageHandler(TEXT, take_closing)],
                Step.RESULTS: [
                    CallbackQueryHandler(take_results, pattern=r"^pol:n:res:"),
                    buttons_again,
                ],
                Step.QUORUM: [
                    CallbackQueryHandler(take_quorum, pattern=r"^pol:n:q:none$"),
                    MessageHandler(TEXT, take_quorum),
                ],
                Step.PREVIEW: [
                    CallbackQueryHandler(publish, pattern=r"^pol:n:publish$"),
                    CallbackQueryHandler(restart, pattern=r"^pol:n:restart$"),
                    buttons_again,
                ],
            },
            fallbacks=[
                CommandHandler(["batal", "cancel"], cancel),
                CallbackQueryHandler(cancel, pattern=r"^pol:n:cancel$"),
            ],
            allow_reentry=True,
        )
    ]
