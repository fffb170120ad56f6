"""How proposals look: labels, the public name, list lines, the detail view and its buttons.

`detail_text` is the one place the detail view's text is composed (the budget feature adds
its money trail there); `show_detail` sends it with the buttons that fit the viewer.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest

from bot import confirm
from bot.access import reply
from bot.context import BKMContext
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from bot.moderation import hidden_text
from bot.paginate import paginate
from handlers.budget import ask as budget_feature
from handlers.proposals import buttons
from rules.proposal_status import ACTIONS, LABELS, PROGRESS_OPEN, Actor, Status, allowed
from rules.rtrw import RtRw
from storage import proposals
from storage.people import Person
from storage.proposals import Detail, Proposal

FIELD_LABELS = {
    "lingkungan": N_("Environment / infrastructure"),
    "sosial": N_("Social"),
    "ekonomi": N_("Economy"),
}
CHANNEL_LABELS = {
    "telegram": N_("Telegram"),
    "tatap_muka": N_("In person"),
    "kotak_saran": N_("Suggestion box"),
    "telepon": N_("Telephone"),
    "sms": N_("SMS"),
}


def status_label(tr: Translator, status: Status) -> str:
    return tr._(LABELS[status])


def field_label(tr: Translator, field: str) -> str:
    return tr._(FIELD_LABELS[field]) if field in FIELD_LABELS else field


def rtrw_text(rt: int | None, rw: int | None) -> str:
    return str(RtRw(rt, rw)) if rt and rw else "-"


def public_name(tr: Translator, p: Proposal) -> str:
    """Who the public sees as the proposer (already HTML-escaped)."""
    if p.proposer_erased:
        return tr._("resident (erased)")
    if p.show_name and p.proposer_name:
        return html.escape(p.proposer_name)
    rt, rw = (p.proposer_rt, p.proposer_rw) if p.proposer_rw else (p.rt, p.rw)
    if rt and rw:
        return tr._("resident of RT {rt}/RW {rw}").format(rt=f"{rt:02d}", rw=f"{rw:02d}")
    return tr._("resident")


def shown_title(tr: Translator, p: Proposal) -> str:
    """The title for the public (HTML): "disembunyikan oleh pengurus: <reason>" once hidden."""
    return hidden_text(tr, p.hidden_reason or "") if p.hidden else html.escape(p.title)


def cost_text(tr: Translator, rupiah: int | None) -> str:
    return tr.money(rupiah) if rupiah else tr._("unknown")


def supported(p: Proposal, threshold: int) -> bool:
    return p.endorsements >= threshold


def list_line(tr: Translator, p: Proposal, threshold: int) -> str:
    """One proposal in a list: reference, status, title, who proposed it, endorsements."""
    title = shown_title(tr, p) + "\n" + tr._("Proposed by: {name}").format(name=public_name(tr, p))
    line = tr.ngettext(
        "<b>{ref}</b> · {status}\n{title}\n{n} endorsement",
        "<b>{ref}</b> · {status}\n{title}\n{n} endorsements",
        p.endorsements,
    ).format(ref=p.reference, status=status_label(tr, p.status), title=title, n=p.endorsements)
    if supported(p, threshold):
        line += " · " + tr._("supported by residents")
    return line


def detail_text(
    tr: Translator,
    detail: Detail,
    *,
    threshold: int,
    board: bool = False,
    extra: Sequence[str] = (),
) -> str:
    """The detail view: field, RT/RW, cost, endorsements, status trail and progress (HTML).

    `extra` holds further well-formed HTML parts shown after the facts (e.g. the budget's
    money trail for this proposal)."""
    p = detail.proposal
    parts = [f"<b>{p.reference}</b> · {status_label(tr, p.status)}"]
    if p.hidden:
        parts.append(hidden_text(tr, p.hidden_reason or ""))
    if not p.hidden or board:
        parts.append(f"<b>{html.escape(p.title)}</b>\n{html.escape(p.description)}")
    facts = [
        tr._("Field: {field}").format(field=field_label(tr, p.field)),
        tr._("Location: {rtrw}").format(rtrw=rtrw_text(p.rt, p.rw)),
        tr._("Estimated cost: {cost}").format(cost=cost_text(tr, p.estimated_cost)),
        tr._("Proposed by: {name}").format(name=public_name(tr, p)),
        tr._("Submitted: {date}").format(date=tr.date(p.created_at)),
        tr.ngettext("{n} endorsement", "{n} endorsements", p.endorsements).format(
            n=p.endorsements
        ),
    ]
    if p.channel != "telegram":
        facts.append(
            tr._("Received via: {channel}").format(channel=tr._(CHANNEL_LABELS[p.channel]))
        )
    if supported(p, threshold):
        facts.append("✅ " + tr._("supported by residents"))
    if p.board_cost is not None:
        facts.append(tr._("Board's cost estimate: {cost}").format(cost=tr.money(p.board_cost)))
    if p.planned_period:
        facts.append(tr._("Planned for: {period}").format(period=html.escape(p.planned_period)))
    if p.latitude is not None and p.longitude is not None:
        facts.append(tr._("Map location shared"))
    parts.append("\n".join(facts))
    parts.extend(part for part in extra if part)
    trail = [tr._("<b>Status history</b>")]
    for event in detail.events:
        line = f"{tr.date(event.at)}: {status_label(tr, event.to_status)}"
        if event.reason:
            line += "\n  " + tr._("Reason: {reason}").format(reason=html.escape(event.reason))
        trail.append(line)
    parts.append("\n".join(trail))
    if detail.progress:
        notes = [tr._("<b>Progress</b>")]
        for note in detail.progress:
            head = f"{note.number}. {tr.date(note.at)}"
            if note.hidden:
                notes.append(f"{head}: {hidden_text(tr, note.hidden_reason or '')}")
            else:
                notes.append(f"{head}: {note.percent}% — {html.escape(note.note)}")
        parts.append("\n".join(notes))
    return "\n\n".join(parts)


def endorse_button(tr: Translator, p: Proposal, endorsed: bool) -> tuple[str, str]:
    if endorsed:
        return (
            tr._("Withdraw support ({n})").format(n=p.endorsements),
            buttons.Withdraw(p.id).data,
        )
    return (tr._("Support ({n})").format(n=p.endorsements), buttons.Endorse(p.id).data)


def detail_buttons(
    tr: Translator,
    detail: Detail,
    viewer: Person,
    *,
    endorsed: bool,
    private: bool = True,
    reject_token: str | None = None,
) -> InlineKeyboardMarkup | None:
    """Buttons fitting this viewer: endorse, photos, revise (proposer), board actions.

    Board actions appear only in a private chat: in a group everyone would see them. Reject
    appears with its one-time confirm token only (bot/confirm.py)."""
    p = detail.proposal
    rows: list[list[tuple[str, str]]] = []
    own = p.proposer_id == viewer.id
    if not p.hidden and not own and p.status.value in proposals.ENDORSABLE:
        rows.append([endorse_button(tr, p, endorsed)])
    pictures = len(p.photos) + sum(1 for n in detail.progress if n.photo and not n.hidden)
    if pictures and (not p.hidden or viewer.is_board):
        rows.append([(tr._("Photos ({n})").format(n=pictures), buttons.Photos(p.id).data)])
    if own and allowed(p.status, Actor.PROPOSER):
        rows.append([(tr._("Revise my proposal"), buttons.Revise(p.id).data)])
    if viewer.is_board and private:
        for target in allowed(p.status, Actor.BOARD):
            token = ""
            if target is Status.REJECTED:
                if reject_token is None:
                    continue
                token = reject_token
            data = buttons.Transition(p.id, target, p.status, token).data
            rows.append([(tr._(ACTIONS[target]), data)])
        if p.status in PROGRESS_OPEN:
            rows.append([(tr._("Post progress"), buttons.Progress(p.id).data)])
        if not p.hidden:  # the moderation seam: handlers/proposals/review.hide_pressed
            rows.append([(tr._("Hide this proposal"), buttons.Hide(p.reference).data)])
        for note in detail.progress:
            if not note.hidden and note.number <= 10:
                label = tr._("Hide progress note {n}").format(n=note.number)
                key = proposals.progress_key(p.reference, note.number)
                rows.append([(label, buttons.Hide(key).data)])
    return keyboard(rows) if rows else None


async def show_detail(update: Update, context: BKMContext, proposal_id: int) -> bool:
    """Send the detail view of one proposal; False when there is no such proposal."""
    found = await context.db.read(proposals.detail, proposal_id)
    if found is None:
        return False
    person = context.person
    endorsed = await context.db.read(proposals.has_endorsed, proposal_id, person.id)
    tr = context.tr
    money = await budget_feature.proposal_budget_text(context.db, tr, found.proposal.reference)
    text = detail_text(
        tr,
        found,
        threshold=context.settings.endorsement_threshold,
        board=person.is_board,
        extra=(money,) if money else (),
    )
    pages = paginate(text.split("\n\n"))
    chat = update.effective_chat
    private = chat is None or chat.type == ChatType.PRIVATE
    reject_token = None
    if (
        person.is_board
        and private
        and Status.REJECTED in allowed(found.proposal.status, Actor.BOARD)
    ):
        reject_token = await confirm.issue(context, confirm.PROPOSAL_REJECT, proposal_id)
    markup = detail_buttons(
        tr, found, person, endorsed=endorsed, private=private, reject_token=reject_token
    )
    for number, page in enumerate(pages, start=1):
        await reply(update, context, page, reply_markup=markup if number == len(pages) else None)
    return True


async def edit_quietly(update: Update, text: str | None, markup: Any) -> None:
    """Edit the pressed message; an unchanged or vanished message is no reason to fail."""
    query = update.callback_query
    if query is None:
        return
    try:
        if text is None:
            await query.edit_message_reply_markup(reply_markup=markup)
        else:
            await query.edit_message_text(text, reply_markup=markup)
    except BadRequest:
        pass
