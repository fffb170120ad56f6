"""Following a report: /laporanku for named reports, /cek NUMBER CODE for anonymous ones.

A reporter reads the board's replies, adds information or evidence while the report is
open, and after "selesai" says whether it is really fixed: "yes" with a rating 1–5, or
"not fixed" with a reason (reopens it once within 7 days).

Anonymous follow-up leaves nothing on disk: after a correct /cek the buttons carry a random
token that is known only to this process's memory (30 minutes), and the typed follow-up
waits in a non-persistent conversation.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import flows
from bot.access import answer, private_only, reply, stale_button
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from handlers.grievances.create import MEDIA, TEXT
from handlers.grievances.questions import evidence_of
from handlers.grievances.view import (
    arm_all,
    card,
    category,
    excerpt,
    reminders,
    send_pages,
    status,
    tell_board,
)
from rules.grievance_status import Refused, Status
from rules.validate import Invalid, text_length
from storage.grievances import actions
from storage.grievances import reports as store
from storage.grievances.reports import Grievance

SESSIONS = "grievances.sessions"
PENDING = "grievances.pending"
FAILURES = "grievances.cek_failures"
SESSION_TTL = timedelta(minutes=30)
MAX_FAILURES = 10  # wrong codes per person per hour
FOLLOW_TEXT_MAX = 2000
END = ConversationHandler.END
FOLLOW = "grievance_follow"  # the follow-up conversation (in memory only)


class Step(IntEnum):
    TEXT = 1


# ---- who is following which report -----------------------------------------------------------
def _memory(context: BKMContext, key: str) -> dict[Any, Any]:
    store_: dict[Any, Any] = context.application.bot_data.setdefault(key, {})
    return store_


def open_session(context: BKMContext, grievance_id: int) -> str:
    now = context.clock.now()
    sessions = _memory(context, SESSIONS)
    for token, (_, expires) in list(sessions.items()):
        if expires < now:
            del sessions[token]
    token = secrets.token_urlsafe(9)
    sessions[token] = (grievance_id, now + SESSION_TTL)
    return token


def session(context: BKMContext, token: str) -> int | None:
    held = _memory(context, SESSIONS).get(token)
    if held is None or held[1] < context.clock.now():
        return None
    return int(held[0])


async def resolve_target(
    update: Update, context: BKMContext, ref: str
) -> tuple[Grievance, str | None] | None:
    """From callback data: (report, anonymous token or None); None if not allowed."""
    if ref.startswith("a:"):
        token = ref[2:]
        grievance_id = session(context, token)
        if grievance_id is None:
            return None
        grievance = await context.db.read(store.get, grievance_id)
        return None if grievance is None else (grievance, token)
    if not ref.isdigit() or len(ref) > 11:
        return None
    try:
        grievance = await context.db.read(store.owned, int(ref), context.person.id)
    except store.NotFound:
        return None
    return grievance, None


def target_ref(grievance: Grievance, token: str | None) -> str:
    return f"a:{token}" if token else str(grievance.id)


# ---- showing a report to its reporter --------------------------------------------------------
def follow_buttons(tr: Translator, grievance: Grievance, token: str | None) -> Any:
    ref = target_ref(grievance, token)
    rows: list[list[tuple[str, str]]] = []
    if grievance.status.is_open:
        rows.append([(tr._("Add information or evidence"), f"grv:f:add:{ref}")])
    if grievance.status is Status.RESOLVED and not grievance.confirmed:
        rows.append(
            [
                (tr._("Yes, it is fixed"), f"grv:f:fix1:{ref}"),
                (tr._("No, not fixed"), f"grv:f:fix0:{ref}"),
            ]
        )
    return keyboard(rows) if rows else None


async def show(
    update: Update, context: BKMContext, grievance: Grievance, token: str | None
) -> None:
    timeline = await context.db.read(store.messages, grievance.id)
    evidence = await context.db.read(store.evidence, grievance.id)
    text = card(
        context.tr,
        grievance,
        names={},
        evidence_count=len(evidence),
        board=False,
        timeline=timeline,
    )
    await send_pages(update, context, text, follow_buttons(context.tr, grievance, token))


@private_only("laporanku")
async def my_reports(update: Update, context: BKMContext) -> None:
    """/laporanku: the person's named reports (anonymous ones are followed with /cek)."""
    tr = context.tr
    await answer(update, context)
    mine = await context.db.read(store.for_reporter, context.person.id, 20)
    if not mine:
        await reply(
            update,
            context,
            tr._(
                "You have no reports under your name. Anonymous reports are followed with "
                "/cek NUMBER CODE. To report something, send /lapor."
            ),
        )
        return
    lines = [tr._("<b>Your reports</b>")]
    for grievance in mine:
        lines.append(
            " · ".join(
                (grievance.ref, category(tr, grievance.category), status(tr, grievance.status))
            )
        )
    await reply(
        update,
        context,
        "\n".join(lines),
        reply_markup=column([(g.ref, f"grv:f:show:{g.id}") for g in mine]),
    )


async def show_mine(update: Update, context: BKMContext) -> None:
    ref = (update.callback_query.data or "").removeprefix("grv:f:show:")  # type: ignore[union-attr]
    found = await resolve_target(update, context, ref)
    if found is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    await show(update, context, *found)


@private_only("cek")
async def check(update: Update, context: BKMContext) -> None:
    """/cek NUMBER CODE: an anonymous report, for whoever holds its code."""
    tr = context.tr
    args = context.args or []
    if len(args) != 2:
        await reply(
            update,
            context,
            tr._(
                "Write the report number and the secret code, for example:\n"
                "/cek LPR-2026-0001 ABCD2345EF"
            ),
        )
        return
    now = context.clock.now()
    failures = _memory(context, FAILURES)
    recent = [t for t in failures.get(context.person.id, []) if now - t < timedelta(hours=1)]
    failures[context.person.id] = recent
    if len(recent) >= MAX_FAILURES:
        await reply(update, context, tr._("Too many wrong codes. Please try again in an hour."))
        return
    ref, code = args[0][:20], args[1][:40]
    checked = await context.db.read(store.code_check, ref)
    grievance_id = await asyncio.to_thread(store.code_matches, checked, code)
    grievance = None if grievance_id is None else await context.db.read(store.get, grievance_id)
    if grievance is None:
        recent.append(now)
        await reply(
            update,
            context,
            tr._("That number and code do not match a report. Check them and try again."),
        )
        return
    await show(update, context, grievance, open_session(context, grievance.id))


# ---- the reporter's answers ------------------------------------------------------------------
def _parts(update: Update, prefix: str) -> str:
    query = update.callback_query
    return (query.data or "").removeprefix(prefix) if query else ""


async def fixed(update: Update, context: BKMContext) -> None:
    """ "Yes, it is fixed": ask for the rating."""
    found = await resolve_target(update, context, _parts(update, "grv:f:fix1:"))
    if found is None or found[0].status is not Status.RESOLVED or found[0].confirmed:
        await stale_button(update, context)
        return
    await answer(update, context)
    ref = target_ref(*found)
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Thank you. How do you rate the board's answer? 1 = poor, 5 = very good."),
        reply_markup=keyboard([[(str(n), f"grv:f:rate{n}:{ref}") for n in range(1, 6)]]),
    )


async def rate(update: Update, context: BKMContext) -> None:
    raw = _parts(update, "grv:f:rate")
    digit, _, ref = raw.partition(":")
    found = await resolve_target(update, context, ref)
    if found is None or digit not in ("1", "2", "3", "4", "5"):
        await stale_button(update, context)
        return
    try:
        await context.db.write(
            actions.reporter_confirm,
            grievance_id=found[0].id,
            rating=int(digit),
            now=context.clock.now(),
        )
    except (Refused, store.NotFound):
        await stale_button(update, context)
        return
    await answer(update, context)
    await reply(update, context, context.tr._("Thank you for your rating. The report is closed."))


async def begin_text(update: Update, context: BKMContext) -> int:
    """ "Add information" or "not fixed": wait for the text (kept in memory only)."""
    raw = _parts(update, "grv:f:")
    action, _, ref = raw.partition(":")
    found = await resolve_target(update, context, ref)
    if found is None:
        await stale_button(update, context)
        return END
    grievance, _token = found
    tr = context.tr
    if action == "add" and grievance.status.is_open:
        question = tr._(
            "Write the information to add, or send a photo, voice note, video or document. "
            "/batal stops."
        )
    elif action == "fix0" and grievance.status is Status.RESOLVED and not grievance.confirmed:
        question = tr._("What is still not fixed? Your reason goes to the board. /batal stops.")
    else:
        await stale_button(update, context)
        return END
    await answer(update, context)
    await flows.take_over(update, context, FOLLOW)  # a flow left waiting must not take the text
    _memory(context, PENDING)[context.person.id] = (
        grievance.id,
        action,
        context.clock.now() + SESSION_TTL,
    )
    await reply(update, context, question)
    return Step.TEXT


async def follow_text(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    pending = _memory(context, PENDING).get(context.person.id)
    tr = context.tr
    if pending is None or pending[2] < context.clock.now():
        _memory(context, PENDING).pop(context.person.id, None)
        await reply(update, context, tr._("That took too long; please press the button again."))
        return END
    grievance_id, action, _expires = pending
    item = evidence_of(update.message) if not update.message.text else None
    text: str | None = None
    if item is None:
        try:
            text = text_length(update.message.text or "", 3, FOLLOW_TEXT_MAX)
        except Invalid as exc:
            await reply(update, context, exc.text(tr))
            return None
    elif action != "add":
        await reply(update, context, tr._("Please write the reason as text."))
        return None
    elif update.message.caption:
        try:
            text = text_length(update.message.caption, 1, FOLLOW_TEXT_MAX)
        except Invalid as exc:
            await reply(update, context, exc.text(tr))
            return None
    now = context.clock.now()
    try:
        if action == "add":
            changed = await context.db.write(
                actions.reporter_add, grievance_id=grievance_id, text=text, item=item, now=now
            )
        else:
            from handlers.grievances.view import deadlines

            _, resolve_due = deadlines(context, now)
            changed = await context.db.write(
                actions.reporter_reopen,
                grievance_id=grievance_id,
                reason=text or "",
                now=now,
                resolve_due=resolve_due,
                reminders=reminders(context, now, resolve=resolve_due),
            )
    except store.TooMany:
        await reply(
            update,
            context,
            tr._("This report already holds {n} pieces of evidence, the most allowed.").format(
                n=store.MAX_EVIDENCE
            ),
        )
        return None
    except (Refused, store.NotFound) as exc:
        _memory(context, PENDING).pop(context.person.id, None)
        await reply(update, context, refusal(tr, getattr(exc, "code", "")))
        return END
    _memory(context, PENDING).pop(context.person.id, None)
    arm_all(context.application, changed.schedules)
    grievance = changed.after
    if action == "add":
        await reply(update, context, tr._("Added to report {ref}.").format(ref=grievance.ref))
    else:
        await reply(
            update,
            context,
            tr._("Report {ref} is reopened and back with the board.").format(ref=grievance.ref),
        )

    def render(t: Translator) -> Outgoing:
        if action == "add":
            return Outgoing(
                t._("The reporter added information to {ref}. Open /pengaduan.").format(
                    ref=grievance.ref
                )
            )
        return Outgoing(
            t._("Report {ref} was reopened by the reporter: not fixed.\nReason: {reason}").format(
                ref=grievance.ref, reason=excerpt(text or "")
            )
        )

    await tell_board(
        context.application,
        render,
        exclude=changed.excluded,
        kind="grievance.follow",
        discreet=grievance.anonymous,
    )
    return END


def refusal(tr: Translator, code: str) -> str:
    if code == "too_late":
        return tr._("A report can only be reopened within 7 days after it was resolved.")
    if code == "reopened_already":
        return tr._("This report was reopened once already. Please file a new report.")
    return tr._("This report cannot be changed any more.")


async def follow_cancel(update: Update, context: BKMContext) -> int:
    _memory(context, PENDING).pop(context.person.id, None)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return END


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        ConversationHandler(
            name=FOLLOW,
            persistent=False,  # in memory only: nothing ties an anonymous reporter to a report
            entry_points=[CallbackQueryHandler(begin_text, pattern=r"^grv:f:(add|fix0):")],
            states={
                Step.TEXT: [MessageHandler(TEXT, follow_text), MessageHandler(MEDIA, follow_text)]
            },
            fallbacks=[CommandHandler(["batal", "cancel"], follow_cancel)],
            allow_reentry=True,
            conversation_timeout=None,
        ),
        CommandHandler(["laporanku", "myreports"], my_reports),
        CommandHandler("start", my_reports, filters=filters.Regex(r"^/start laporanku$")),
        CommandHandler("start", check, filters=filters.Regex(r"^/start cek$")),
        CallbackQueryHandler(my_reports, pattern=r"^menu:myreports$"),
        CommandHandler(["cek", "check"], check),
        CallbackQueryHandler(show_mine, pattern=r"^grv:f:show:"),
        CallbackQueryHandler(fixed, pattern=r"^grv:f:fix1:"),
        CallbackQueryHandler(rate, pattern=r"^grv:f:rate[1-5]:"),
    ]
