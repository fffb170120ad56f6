"""Results: the scheduled close (also at start when it fell due while the bot was down), the
results sent to everyone invited, the 24-hour reminder, /hasil. The board's early close is
in handlers/polls/close.py."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler

from bot.access import answer, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext, services_of
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import ScheduledAction
from bot.i18n import Translator
from bot.keyboards import column
from bot.paginate import paginate
from handlers.polls import buttons
from handlers.polls.buttons import Card, Results
from handlers.polls.view import (
    caption_text,
    chart,
    read_tally,
    receipt_blocks,
    results_text,
    shorten,
    tally_of,
)
from storage import polls
from storage.polls import Poll
from storage.schedules import Schedule

log = logging.getLogger(__name__)


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
            buttons=(((tr._("Vote"), Card(poll.id).data),),),
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
    choices = [(f"{p.reference}: {shorten(p.question, 40)}", Results(p.id).data) for p in closed]
    choices += [
        (
            tr._("{ref} (live): {question}").format(
                ref=p.reference, question=shorten(p.question, 30)
            ),
            Results(p.id).data,
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
        reply_markup=column(choices),
    )


async def show_results(update: Update, context: BKMContext) -> None:
    """A poll's results: chart, full text, and for a secret poll the receipt codes."""
    poll = await context.db.read(polls.get, Results.pressed(update).poll)
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


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["hasil", "results"], list_results),
        on(buttons.RESULTS, list_results),
        on(Results, show_results),
    ]
