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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import flows
from bot.access import answer, private_only, reply, stale_button
from bot.buttons import Button, on
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing
from bot.flowrunner import TEXT
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from handlers.grievances import buttons as btn
from handlers.grievances.create import MEDIA
from handlers.grievances.questions import evidence_of
from handlers.grievances.view import (
    arm_all,
    card,
    category,
    deadlines,
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

SESSION_TTL = timedelta(minutes=30)
MAX_FAILURES = 10  # wrong codes per person per hour
FOLLOW_TEXT_MAX = 2000
END = ConversationHandler.END
FOLLOW = "grievance_follow"  # the follow-up conversation (in memory only)


class Step(IntEnum):
    TEXT = 1


# ---- who is following which report -----------------------------------------------------------
@dataclass
class Memory:
    """Who is following which report, in memory only (Services.memory)."""

    # anonymous follow-up sessions: token -> (report id, expires)
    sessions: dict[str, tuple[int, datetime]] = field(default_factory=dict)
    # a person's text awaited: person id -> (report id, action, expires)
    pending: dict[int, tuple[int, str, datetime]] = field(default_factory=dict)
    # wrong /cek codes: person id -> when
    failures: dict[int, list[datetime]] = field(default_factory=dict)


def _memory(context: BKMContext) -> Memory:
    return context.services.memory(Memory)


def open_session(context: BKMContext, grievance_id: int) -> str:
    now = context.clock.now()
    sessions = _memory(context).sessions
    for token, (_, expires) in list(sessions.items()):
        if expires < now:
            del sessions[token]
    token = secrets.token_urlsafe(9)
    sessions[token] = (grievance_id, now + SESSION_TTL)
    return token


def session(context: BKMContext, token: str) -> int | None:
    held = _memory(context).sessions.get(token)
    if held is None or held[1] < context.clock.now():
        return None
    return int(held[0])


async def resolve_target(
    update: Update, context: BKMContext, kinds: tuple[type[Button], ...]
) -> tuple[Grievance, str | None] | None:
    """From the pressed button of one of `kinds` (a named report of this person's, or an
    anonymous one by its /cek session's token): (report, token or None); None if not allowed."""
    pressed = next((p for kind in kinds if (p := kind.of(update)) is not None), None)
    if isinstance(pressed, btn.ByToken):
        grievance_id = session(context, pressed.token)
        if grievance_id is None:
            return None
        grievance = await context.db.read(store.get, grievance_id)
        return None if grievance is None else (grievance, pressed.token)
    if not isinstance(pressed, btn.ByReport):
        return None
    try:
        grievance = await context.db.read(store.owned, pressed.grievance, context.person.id)
    except store.NotFound:
        return None
    return grievance, None


Named = Callable[[int], Button]
Anonymous = Callable[[str], Button]


def target(kinds: tuple[Named, Anonymous], grievance: Grievance, token: str | None) -> str:
    """The data of an action's button for this report (by token when followed with /cek)."""
    named, anonymous = kinds
    return (anonymous(token) if token else named(grievance.id)).data


def rating(n: int, grievance: Grievance, token: str | None) -> str:
    if token:
        return btn.RateAnonymous(n, token).data
    return btn.Rate(n, grievance.id).data


# ---- showing a report to its reporter --------------------------------------------------------
def follow_buttons(tr: Translator, grievance: Grievance, token: str | None) -> Any:
    rows: list[list[tuple[str, str]]] = []
    if grievance.status.is_open:
        rows.append([(tr._("Add information or evidence"), target(btn.ADD, grievance, token))])
    if grievance.status is Status.RESOLVED and not grievance.confirmed:
        rows.append(
            [
                (tr._("Yes, it is fixed"), target(btn.FIXED, grievance, token)),
                (tr._("No, not fixed"), target(btn.NOT_FIXED, grievance, token)),
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
        reply_markup=column([(g.ref, btn.Named(g.id).data) for g in mine]),
    )


async def show_mine(update: Update, context: BKMContext) -> None:
    found = await resolve_target(update, context, btn.SHOW)
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
    failures = _memory(context).failures
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
async def fixed(update: Update, context: BKMContext) -> None:
    """ "Yes, it is fixed": ask for the rating."""
    found = await resolve_target(update, context, btn.FIXED)
    if found is None or found[0].status is not Status.RESOLVED or found[0].confirmed:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Thank you. How do you rate the board's answer? 1 = poor, 5 = very good."),
        reply_markup=keyboard([[(str(n), rating(n, *found)) for n in btn.RATINGS]]),
    )


async def rate(update: Update, context: BKMContext) -> None:
    found = await resolve_target(update, context, btn.RATE)
    if found is None:
        await stale_button(update, context)
        return
    pressed = btn.Rate.of(update) or btn.RateAnonymous.pressed(update)
    try:
        await context.db.write(
            actions.reporter_confirm,
            grievance_id=found[0].id,
            rating=pressed.rating,
            now=context.clock.now(),
        )
    except (Refused, store.NotFound):
        await stale_button(update, context)
        return
    await answer(update, context)
    await reply(update, context, context.tr._("Thank you for your rating. The report is closed."))


async def begin_text(update: Update, context: BKMContext) -> int:
    """ "Add information" or "not fixed": wait for the text (kept in memory only)."""
    adding = btn.Add.of(update) or btn.AddAnonymous.of(update)
    action = "add" if adding is not None else "fix0"
    found = await resolve_target(update, context, btn.ADD if adding else btn.NOT_FIXED)
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
    _memory(context).pending[context.person.id] = (
        grievance.id,
        action,
        context.clock.now() + SESSION_TTL,
    )
    await reply(update, context, question)
    return Step.TEXT


async def follow_text(update: Update, context: BKMContext) -> int | None:
    """The follow-up typed (or sent as a file) after "Add information" or "not fixed"."""
    assert update.message is not None
    pending = _memory(context).pending.get(context.person.id)
    tr = context.tr
    if pending is None or pending[2] < context.clock.now():
        _memory(context).pending.pop(context.person.id, None)
        await reply(update, context, tr._("That took too long; please press the button again."))
        return END
    grievance_id, action, _expires = pending
    given = await follow_input(update, context, action)
    if given is None:
        return None
    text, item = given
    try:
        changed = await apply_follow(context, grievance_id, action, text, item)
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
        _memory(context).pending.pop(context.person.id, None)
        await reply(update, context, refusal(tr, getattr(exc, "code", "")))
        return END
    _memory(context).pending.pop(context.person.id, None)
    arm_all(context.application, changed.schedules)
    await tell_after_follow(update, context, action, changed, text)
    return END


async def follow_input(
    update: Update, context: BKMContext, action: str
) -> tuple[str | None, tuple[str, str] | None] | None:
    """(text, evidence item) of the message; None after saying why it cannot be used."""
    assert update.message is not None
    tr = context.tr
    item = evidence_of(update.message) if not update.message.text else None
    try:
        if item is None:
            return text_length(update.message.text or "", 3, FOLLOW_TEXT_MAX), None
        if action != "add":
            await reply(update, context, tr._("Please write the reason as text."))
            return None
        caption = update.message.caption
        return (text_length(caption, 1, FOLLOW_TEXT_MAX) if caption else None), item
    except Invalid as exc:
        await reply(update, context, exc.text(tr))
        return None


async def apply_follow(
    context: BKMContext,
    grievance_id: int,
    action: str,
    text: str | None,
    item: tuple[str, str] | None,
) -> actions.Changed:
    """Add to the report, or reopen it (with a new resolution deadline)."""
    now = context.clock.now()
    if action == "add":
        return await context.db.write(
            actions.reporter_add, grievance_id=grievance_id, text=text, item=item, now=now
        )
    _, resolve_due = deadlines(context, now)
    return await context.db.write(
        actions.reporter_reopen,
        grievance_id=grievance_id,
        reason=text or "",
        now=now,
        resolve_due=resolve_due,
        reminders=reminders(context, now, resolve=resolve_due),
    )


async def tell_after_follow(
    update: Update,
    context: BKMContext,
    action: str,
    changed: actions.Changed,
    text: str | None,
) -> None:
    """Confirm to the reporter; tell the board (discreetly for an anonymous report)."""
    tr = context.tr
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


def refusal(tr: Translator, code: str) -> str:
    if code == "too_late":
        return tr._("A report can only be reopened within 7 days after it was resolved.")
    if code == "reopened_already":
        return tr._("This report was reopened once already. Please file a new report.")
    return tr._("This report cannot be changed any more.")


async def follow_cancel(update: Update, context: BKMContext) -> int:
    _memory(context).pending.pop(context.person.id, None)
    await reply(update, context, context.tr._("Cancelled. Nothing was sent."))
    return END


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        ConversationHandler(
            name=FOLLOW,
            persistent=False,  # in memory only: nothing ties an anonymous reporter to a report
            entry_points=[
                on(kind, begin_text) for kinds in (btn.ADD, btn.NOT_FIXED) for kind in kinds
            ],
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
        on(btn.MY_REPORTS, my_reports),
        CommandHandler(["cek", "check"], check),
        *(on(kind, show_mine) for kind in btn.SHOW),
        *(on(kind, fixed) for kind in btn.FIXED),
        *(on(kind, rate) for kind in btn.RATE),
    ]
