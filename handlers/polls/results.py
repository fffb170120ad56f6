"""Closing and results: the scheduled close (also at start when it fell due while the bot was
down), an early close by the board with a reason, the 24-hour reminder, /hasil."""

from __future__ import annotations

import html
import logging
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import confirm, flows
from bot.access import BoardConversation, answer, board_only, private_only, reply, stale_button
from bot.context import BKMContext, services_of
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import ScheduledAction
from bot.i18n import Translator
from bot.keyboards import column
from bot.paginate import paginate
from handlers.polls.view import (
    caption_text,
    chart,
    offer_open_polls,
    poll_id_from,
    read_tally,
    receipt_blocks,
    results_text,
    shorten,
    tally_of,
)
from rules.validate import Invalid, text_length
from storage import polls
from storage.flows import steps as flow_rows
from storage.polls import Poll
from storage.schedules import Schedule

log = logging.getLogger(__name__)

CLOSE_FLOW = "poll_close"


class Step(IntEnum):
    REASON = 1


# ---- results to everyone invited ------
async def announce(application: Application[Any, Any, Any, Any, Any, Any], poll_id: int) -> None:
    """After a close: the chart with a short caption, then the full text, to every invited
    person (a notification); then the write-ahead log is folded in (secret polls)."""
    services = services_of(application)
    found = await services.db.read(polls.counts, poll_id, reveal=False)
    poll, result = found.poll, tally_of(found)
    receipts = await services.db.read(polls.receipts, poll_id) if poll.secret else None
    invited = await services.db.read(polls.eligible_ids, poll_id)
    charts: dict[str, bytes] = {}
    try:
        for language in ("id", "en"):
            charts[language] = await chart(services.tr(language), poll, result)
    except Exception:  # the results matter more than their picture: send the text anyway
        log.exception("could not draw the chart of poll %s", poll_id)

    def photo(tr: Translator) -> Outgoing:
        return Outgoing(caption_text(tr, poll), photo=charts[tr.language])

    def full(tr: Translator) -> Outgoing:
        count = None if receipts is None else len(receipts)
        return Outgoing(results_text(tr, poll, result, receipts=count))

    if charts:
        await outbox.notify(application, invited, photo, kind="poll.results")
    await outbox.notify(application, invited, full, kind="poll.results")
    channel = services.settings.channel
    if channel:  # BKM_CHANNEL: results are public, in the default language
        if charts:
            await outbox.post(application, channel, photo, kind="poll.results.channel")
        await outbox.post(application, channel, full, kind="poll.results.channel")
    if poll.secret:
        await services.db.read(polls.seal)


def claim_close(conn: Any, schedule: Schedule, now: Any) -> int | None:
    """poll.close: close in the claiming transaction; None when it was closed already."""
    closed = polls.close(conn, int(schedule.object_id), now=now)
    return None if closed is None else closed.id


async def after_close(
    application: Application[Any, Any, Any, Any, Any, Any], poll_id: Any
) -> None:
    if poll_id is not None:
        await announce(application, poll_id)


def claim_remind(conn: Any, schedule: Schedule, now: Any) -> tuple[Poll, list[int]] | None:
    """poll.remind: who on the list has not voted yet (only while the poll is open)."""
    poll = polls.get(conn, int(schedule.object_id))
    if poll is None or not poll.is_open or now >= poll.closes_at:
        return None
    return poll, polls.not_voted_ids(conn, poll.id)


async def after_remind(application: Application[Any, Any, Any, Any, Any, Any], found: Any) -> None:
    if not found:
        return
    poll, waiting = found

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "Reminder: poll {ref} closes at {when} and you have not voted yet.\n{question}"
            ).format(
                ref=poll.reference,
                when=tr.datetime(poll.closes_at),
                question=html.escape(poll.question),
            ),
            buttons=(((tr._("Vote"), f"pol:o:{poll.id}"),),),
        )

    await outbox.broadcast(application, waiting, render, topic="polling", author_id=None)


SCHEDULES = (
    ScheduledAction("poll.close", claim_close, after_close),
    ScheduledAction("poll.remind", claim_remind, after_remind),
)


# ---- /hasil ------
async def list_results(update: Update, context: BKMContext) -> None:
    """/hasil: closed polls (and open polls with live results), newest first."""
    tr = context.tr
    closed, total = await context.db.read(polls.closed, 20)
    live = await context.db.read(polls.live)
    if not closed and not live:
        await reply(update, context, tr._("No poll has closed yet."))
        return
    buttons = [(f"{p.reference}: {shorten(p.question, 40)}", f"pol:r:{p.id}") for p in closed] + [
        (
            tr._("{ref} (live): {question}").format(
                ref=p.reference, question=shorten(p.question, 30)
            ),
            f"pol:r:{p.id}",
        )
        for p in live
    ]
    await reply(
        update,
        context,
        tr.ngettext(
            "{n} poll has closed. Choose one to see its results:",
            "{n} polls have closed. Choose one to see its results:",
            total,
        ).format(n=total),
        reply_markup=column(buttons),
    )


async def show_results(update: Update, context: BKMContext) -> None:
    """pol:r:<id>: chart, full text, and for a secret poll the receipt codes."""
    poll_id = poll_id_from(update)
    poll = await context.db.read(polls.get, poll_id) if poll_id is not None else None
    if poll is None or (poll.is_open and not poll.live):
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    poll, result, receipts = await read_tally(context, poll.id)
    chat = update.effective_chat
    assert chat is not None
    if not poll.is_open:
        await context.bot.send_photo(
            chat.id, await chart(tr, poll, result), caption=caption_text(tr, poll)
        )
    await reply(update, context, results_text(tr, poll, result, receipts=receipts))
    if poll.secret and not poll.is_open:
        codes = await context.db.read(polls.receipts, poll.id)
        for page in paginate(receipt_blocks(tr, poll, codes)):
            await reply(update, context, page)


# ---- closing early ------
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
        CommandHandler(["hasil", "results"], list_results),
        CallbackQueryHandler(list_results, pattern=r"^menu:results$"),
        CallbackQueryHandler(show_results, pattern=r"^pol:r:"),
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
