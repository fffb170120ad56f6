"""Grievances: labels, how a report is shown, deadlines and the messages about a report."""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import scheduling
from bot.access import reply
from bot.context import BKMContext, services_of
from bot.delivery import outbox
from bot.delivery.outbox import AnyApplication, Outgoing
from bot.i18n import N_, Translator
from bot.moderation import hidden_text
from bot.paginate import paginate
from handlers.grievances import buttons as btn
from rules import workdays
from rules.grievance_status import Status
from rules.rtrw import RtRw
from storage.grievances.reports import Grievance, Message
from storage.schedules import Schedule

CATEGORY_LABELS = {
    "infrastruktur": N_("Infrastructure"),
    "keuangan": N_("Finance / funds"),
    "pelayanan": N_("Service"),
    "perilaku": N_("Board member conduct"),
    "lainnya": N_("Other"),
}
STATUS_LABELS = {
    Status.RECEIVED: N_("received"),
    Status.VERIFIED: N_("verified by the board"),
    Status.IN_PROGRESS: N_("being handled"),
    Status.RESOLVED: N_("resolved"),
    Status.REJECTED: N_("rejected"),
}
IDENTITY_LABELS = {
    "terbuka": N_("Open"),
    "rahasia": N_("Confidential"),
    "anonim": N_("Anonymous"),
}
CHANNEL_LABELS = {
    "telegram": N_("Telegram chat"),
    "in_person": N_("Came in person"),
    "phone": N_("Phone"),
    "box": N_("Complaint box"),
}
LEVEL_LABELS = {
    "kelurahan": N_("ward (kelurahan)"),
    "kota": N_("city"),
    "provinsi": N_("province"),
    "nasional": N_("national"),
}
EVIDENCE_LABELS = {
    "photo": N_("photo"),
    "voice": N_("voice note"),
    "audio": N_("audio recording"),
    "video": N_("video"),
    "document": N_("document"),
}

LINE_BUDGET = 3000  # escaped characters per line, so a page break never falls inside a line


def escaped(text: str, budget: int = LINE_BUDGET) -> str:
    """html.escape, with lines too long for one message broken (at a space when possible),
    so that pagination splits between lines and never inside an entity."""
    out: list[str] = []
    for line in text.split("\n"):
        current: list[str] = []
        size = 0
        for ch in line:
            piece = html.escape(ch)
            if size + len(piece) > budget:
                spaces = [i for i, c in enumerate(current) if c == " "]
                cut = spaces[-1] if spaces else len(current)
                out.append("".join(current[:cut]))
                current = current[cut + 1 :] if spaces else []
                size = sum(len(c) for c in current)
            current.append(piece)
            size += len(piece)
        out.append("".join(current))
    return "\n".join(out)


def excerpt(text: str, limit: int = 700) -> str:
    """Escaped, at most `limit` characters of what was typed: a notification is one message
    (escaping can make text five times longer); the full text is in the report's card."""
    return html.escape(text[:limit]) + ("…" if len(text) > limit else "")


async def send_pages(update: Any, context: BKMContext, text: str, markup: Any = None) -> None:
    """A long text in as many messages as it needs; the buttons go on the last one."""
    pages = paginate([text])
    for page in pages[:-1]:
        await reply(update, context, page)
    await reply(update, context, pages[-1], reply_markup=markup)


def category(tr: Translator, code: str) -> str:
    return tr._(CATEGORY_LABELS.get(code, "-"))


def status(tr: Translator, value: Status | str) -> str:
    return tr._(STATUS_LABELS[Status(value)])


# ---- deadlines -------------------------------------------------------------------------------
def deadlines(context: BKMContext | Any, received: datetime) -> tuple[datetime, datetime]:
    settings = context.settings
    tz = settings.timezone
    return (
        workdays.deadline(received, settings.grievance_response_days, tz),
        workdays.deadline(received, settings.grievance_resolve_days, tz),
    )


def reminders(
    context: BKMContext | Any, now: datetime, **due: datetime
) -> dict[str, datetime | None]:
    """When to remind the assignee: one working day before each deadline, if still ahead."""
    tz = context.settings.timezone
    out: dict[str, datetime | None] = {}
    for name, moment in due.items():
        remind = workdays.reminder(moment, tz)
        out[name] = remind if remind > now else None
    return out


def arm_all(application: AnyApplication, rows: list[Schedule]) -> None:
    for row in rows:
        scheduling.arm(application, row)


# ---- the anonymous daily counter -------------------------------------------------------------
@dataclass
class DailySalt:
    """The salt of the anonymous daily counter, in memory only (Services.memory)."""

    day: str | None = None  # the local date it is for
    salt: bytes = b""


def chat_hash(context: BKMContext, chat_id: int) -> tuple[str, bytes]:
    """Today's local date and a salted hash of the chat.

    The salt is random per day and lives only in this process's memory, so the counter rows
    cannot be matched against anyone's chat id from the database file alone. (A restart
    starts a fresh count for the day: a small allowance, documented.)"""
    today = workdays.local_date(context.clock.now(), context.settings.timezone).isoformat()
    salt = context.services.memory(DailySalt)
    if salt.day != today:
        salt.day, salt.salt = today, secrets.token_bytes(32)
    digest = hmac.new(salt.salt, str(chat_id).encode(), hashlib.sha256).digest()
    return today, digest


# ---- how a report is shown -------------------------------------------------------------------
def reporter_line(tr: Translator, grievance: Grievance, names: dict[int, str]) -> str:
    """Who reported, as the board may see it."""
    if grievance.anonymous:
        return tr._("Anonymous")
    if grievance.reporter_erased:
        return tr._("resident (erased)")
    name = grievance.reporter_name or names.get(grievance.reporter_id or 0) or tr._("resident")
    return html.escape(name)


def location_line(tr: Translator, grievance: Grievance) -> str:
    if grievance.rt and grievance.rw:
        return str(RtRw(grievance.rt, grievance.rw))
    if grievance.latitude is not None and grievance.longitude is not None:
        return tr._("shared location ({lat:.5f}, {lon:.5f})").format(
            lat=grievance.latitude, lon=grievance.longitude
        )
    return "-"


def flags(tr: Translator, grievance: Grievance) -> str:
    marks = []
    if grievance.late:
        marks.append(tr._("⚠️ overdue"))
    if grievance.reopen_count:
        marks.append(tr._("↩️ reopened"))
    return " ".join(marks)


def card(
    tr: Translator,
    grievance: Grievance,
    *,
    names: dict[int, str],
    evidence_count: int,
    board: bool,
    timeline: list[Message] | None = None,
) -> str:
    """The report in full: for the board (with the reporter) or for the reporter."""
    lines = [
        tr._("<b>Report {ref}</b> {flags}").format(ref=grievance.ref, flags=flags(tr, grievance)),
        tr._("Category: {category}").format(category=category(tr, grievance.category)),
        tr._("Status: {status}").format(status=status(tr, grievance.status)),
        tr._("Received: {when}").format(when=tr.datetime(grievance.created_at)),
    ]
    if board:
        lines.append(
            tr._("Reporter: {who} ({identity}, via {channel})").format(
                who=reporter_line(tr, grievance, names),
                identity=tr._(IDENTITY_LABELS[grievance.identity]),
                channel=tr._(CHANNEL_LABELS[grievance.channel]),
            )
        )
        lines.append(tr._("Level: {level}").format(level=tr._(LEVEL_LABELS[grievance.level])))
        assignee = names.get(grievance.assignee_id or 0)
        if assignee:
            lines.append(tr._("Handled by: {name}").format(name=html.escape(assignee)))
    if grievance.hidden_reason is not None:
        lines.append(
            tr._("Public summary: {hidden}").format(
                hidden=hidden_text(tr, grievance.hidden_reason)
            )
        )
    if grievance.status.is_open:
        tz = tr.timezone
        if grievance.first_response_at is None:
            lines.append(
                tr._("First response due: {date}").format(
                    date=tr.date(_day(grievance.response_due_at, tz))
                )
            )
        lines.append(
            tr._("Resolution due: {date}").format(date=tr.date(_day(grievance.resolve_due_at, tz)))
        )
    if grievance.rating is not None:
        lines.append(tr._("Reporter's rating: {n} of 5").format(n=grievance.rating))
    if grievance.amount is not None:
        lines.append(tr._("Amount involved: {amount}").format(amount=tr.money(grievance.amount)))
    lines.append(tr._("Location: {where}").format(where=location_line(tr, grievance)))
    if evidence_count:
        lines.append(
            tr.ngettext("{n} piece of evidence", "{n} pieces of evidence", evidence_count).format(
                n=evidence_count
            )
        )
    lines.append("")
    lines.append(tr._("<b>What happened</b>"))
    lines.append(escaped(grievance.description))
    if grievance.expected:
        lines.append(tr._("<b>Expected outcome</b>"))
        lines.append(escaped(grievance.expected))
    if grievance.answer:
        lines.append(tr._("<b>Answer of the board</b>"))
        lines.append(escaped(grievance.answer))
    if grievance.reject_reason:
        lines.append(tr._("<b>Reason for rejection</b>"))
        lines.append(escaped(grievance.reject_reason))
    if grievance.reopen_reason:
        lines.append(tr._("<b>Why it was reopened</b>"))
        lines.append(escaped(grievance.reopen_reason))
    text = "\n".join(lines)
    if timeline:
        text += "\n\n" + history(tr, timeline)
    return text


def _day(due: datetime, tz: Any) -> datetime:
    day = workdays.deadline_day(due, tz)
    return datetime.combine(day, datetime.min.time(), tzinfo=tz).replace(hour=12)


def history(tr: Translator, timeline: list[Message]) -> str:
    lines = [tr._("<b>Messages</b>")]
    for message in timeline[-15:]:
        if message.author == "reporter":
            who = tr._("Reporter")
        elif message.author == "board":
            who = tr._("Board")
        else:
            who = tr._("Status → {status}").format(status=status(tr, message.status or "diterima"))
        lines.append(f"• {tr.datetime(message.created_at)} — {who}: {escaped(message.text)}")
    return "\n".join(lines)


def queue_line(tr: Translator, grievance: Grievance, now: datetime) -> str:
    days = (now - grievance.created_at).days
    return tr.ngettext(
        "{ref} · {category} · {status} · {n} day {flags}",
        "{ref} · {category} · {status} · {n} days {flags}",
        days,
    ).format(
        ref=grievance.ref,
        category=category(tr, grievance.category),
        status=status(tr, grievance.status),
        n=days,
        flags=flags(tr, grievance),
    )


# ---- messages about a report -----------------------------------------------------------------
async def tell_reporter(application: AnyApplication, grievance: Grievance, render: Any) -> None:
    """Terbuka and Rahasia reporters on Telegram get a notification; anonymous ones do not."""
    if grievance.anonymous or grievance.reporter_id is None:
        return
    await outbox.notify(application, [grievance.reporter_id], render, kind="grievance.reporter")


async def tell_board(
    application: AnyApplication,
    render: Any,
    *,
    exclude: list[int],
    kind: str,
    discreet: bool = False,
) -> None:
    """`discreet` for what an anonymous reporter just did (filing, /cek): no time is kept."""
    await outbox.notify_board(application, render, kind=kind, exclude=exclude, discreet=discreet)


async def tell_escalation_chat(application: AnyApplication, grievance: Grievance) -> None:
    """BKM_ESCALATION_CHAT is a chat, not a person: one message, codes only, no identities."""
    chat_id = services_of(application).settings.escalation_chat
    if chat_id is None:
        return

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "<b>Report {ref} raised to the {level} level</b>\nCategory: {category}\n"
                "Status: {status}\nReceived: {when}\nThe BKM board can give the details."
            ).format(
                ref=grievance.ref,
                level=tr._(LEVEL_LABELS[grievance.level]),
                category=category(tr, grievance.category),
                status=status(tr, grievance.status),
                when=tr.date(grievance.created_at),
            )
        )

    await outbox.post(application, chat_id, render, kind="grievance.escalated")


def status_change_render(grievance: Grievance, note: str) -> Any:
    def render(tr: Translator) -> Outgoing:
        text = tr._(
            "Your report {ref} is now: <b>{status}</b>\nNote from the board: {note}"
        ).format(ref=grievance.ref, status=status(tr, grievance.status), note=excerpt(note))
        buttons: tuple[tuple[tuple[str, str], ...], ...] = ()
        if grievance.status is Status.RESOLVED:
            text += "\n\n" + tr._("Is it really fixed?")
            buttons = (
                (
                    (tr._("Yes, it is fixed"), btn.Fixed(grievance.id).data),
                    (tr._("No, not fixed"), btn.NotFixed(grievance.id).data),
                ),
            )
        return Outgoing(text, buttons)

    return render
