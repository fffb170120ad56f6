"""Browsing proposals (/usulan, /usulanku, the usl_<reference> deep link) and endorsing them."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot.access import answer, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.disclosure import participation
from bot.i18n import Translator
from bot.keyboards import keyboard
from handlers.proposals import buttons
from handlers.proposals.view import (
    FIELD_LABELS,
    edit_quietly,
    endorse_button,
    field_label,
    list_line,
    show_detail,
    status_label,
)
from rules.proposal_status import LABELS, Status
from storage import proposal_records, proposals
from storage.db import Database

PAGE = 5


# ---- lists ------------------------------------------------------------------------------------
def list_markup(
    tr: Translator,
    items: list[proposals.Proposal],
    *,
    page: int,
    pages: int,
    nav: Callable[[int], str],
    filters_row: list[tuple[str, str]] | None = None,
) -> Any:
    rows: list[list[tuple[str, str]]] = [
        [(f"{p.reference} · {p.title[:30] if not p.hidden else '…'}", buttons.View(p.id).data)]
        for p in items
    ]
    arrows = []
    if page > 0:
        arrows.append((tr._("« Previous"), nav(page - 1)))
    if page + 1 < pages:
        arrows.append((tr._("Next »"), nav(page + 1)))
    if arrows:
        rows.append(arrows)
    if filters_row:
        rows.append(filters_row)
    return keyboard(rows) if rows else None


async def send_list(
    update: Update,
    context: BKMContext,
    *,
    page: int = 0,
    field: str | None = None,
    status: Status | None = None,
    edit: bool = False,
) -> None:
    """/usulan: public proposals, newest first, 5 a page, with field and status filters."""
    tr = context.tr
    threshold = context.settings.endorsement_threshold
    items, total = await context.db.read(
        proposals.list_public, field=field, status=status, offset=page * PAGE, limit=PAGE
    )
    pages = max(1, -(-total // PAGE))
    header = tr._("<b>Residents' proposals</b> (page {page} of {pages})").format(
        page=page + 1, pages=pages
    )
    chosen = []
    if field:
        chosen.append(field_label(tr, field))
    if status:
        chosen.append(status_label(tr, status))
    if chosen:
        header += "\n" + tr._("Filter: {filter}").format(filter=", ".join(chosen))
    if not items:
        body = tr._("No proposals yet. Make the first one with /usul.")
    else:
        body = "\n\n".join(list_line(tr, p, threshold) for p in items)
    markup = list_markup(
        tr,
        items,
        page=page,
        pages=pages,
        nav=lambda to: buttons.ListPage(to, field, status).data,
        filters_row=[
            (tr._("Field"), buttons.ChooseField(field, status).data),
            (tr._("Status"), buttons.ChooseStatus(field, status).data),
        ],
    )
    text = f"{header}\n\n{body}"
    if edit:
        await answer(update, context)
        await edit_quietly(update, text, markup)
    else:
        await reply(update, context, text, reply_markup=markup)


async def browse(update: Update, context: BKMContext) -> None:
    """/usulan [USL-2026-0001]: the list, or one proposal by its number."""
    if context.args:
        await open_reference(update, context, context.args[0])
        return
    await send_list(update, context)


async def list_page(update: Update, context: BKMContext) -> None:
    press = buttons.ListPage.pressed(update)
    await send_list(
        update, context, page=press.page, field=press.field, status=press.status, edit=True
    )


async def choose_field(update: Update, context: BKMContext) -> None:
    """The choices for the field filter, keeping the status filter."""
    press = buttons.ChooseField.pressed(update)
    tr = context.tr
    options = [
        (tr._(label), buttons.ListPage(0, code, press.status).data)
        for code, label in FIELD_LABELS.items()
    ]
    options.append((tr._("All fields"), buttons.ListPage(0, None, press.status).data))
    await show_filter_choices(update, context, options)


async def choose_status(update: Update, context: BKMContext) -> None:
    """The choices for the status filter, keeping the field filter."""
    press = buttons.ChooseStatus.pressed(update)
    tr = context.tr
    options = [(tr._(LABELS[st]), buttons.ListPage(0, press.field, st).data) for st in Status]
    options.append((tr._("All statuses"), buttons.ListPage(0, press.field, None).data))
    await show_filter_choices(update, context, options)


async def show_filter_choices(
    update: Update, context: BKMContext, options: list[tuple[str, str]]
) -> None:
    await answer(update, context)
    await edit_quietly(
        update,
        context.tr._("Choose a filter:"),
        keyboard([options[i : i + 2] for i in range(0, len(options), 2)]),
    )


async def my_proposals(update: Update, context: BKMContext, page: int = 0) -> None:
    """/usulanku: the person's own proposals."""
    tr = context.tr
    threshold = context.settings.endorsement_threshold
    items, total = await context.db.read(
        proposals.list_mine, context.person.id, offset=page * PAGE, limit=PAGE
    )
    if not total:
        await reply(update, context, tr._("You have no proposals yet. Send /usul to make one."))
        return
    pages = max(1, -(-total // PAGE))
    header = tr._("<b>Your proposals</b> (page {page} of {pages})").format(
        page=page + 1, pages=pages
    )
    text = header + "\n\n" + "\n\n".join(list_line(tr, p, threshold) for p in items)
    markup = list_markup(tr, items, page=page, pages=pages, nav=lambda to: buttons.MyPage(to).data)
    if update.callback_query is not None:
        await answer(update, context)
        await edit_quietly(update, text, markup)
    else:
        await reply(update, context, text, reply_markup=markup)


async def my_page(update: Update, context: BKMContext) -> None:
    await my_proposals(update, context, buttons.MyPage.pressed(update).page)


async def my_command(update: Update, context: BKMContext) -> None:
    await my_proposals(update, context)


# ---- one proposal -----------------------------------------------------------------------------
async def open_reference(update: Update, context: BKMContext, reference: str) -> None:
    found = await context.db.read(proposals.by_reference, reference[:40])
    if found is None or not await show_detail(update, context, found.id):
        await reply(
            update,
            context,
            context.tr._("There is no proposal with the number {ref}.").format(
                ref=html.escape(reference[:40])
            ),
        )


async def deep_link(update: Update, context: BKMContext) -> None:
    """t.me/<bot>?start=usl_<reference> opens one proposal."""
    payload = context.args[0] if context.args else ""
    await open_reference(update, context, payload.removeprefix("usl_"))


async def view(update: Update, context: BKMContext) -> None:
    proposal_id = buttons.View.pressed(update).proposal
    if not await context.db.read(proposals.get, proposal_id):
        await stale_button(update, context)
        return
    await answer(update, context)
    await show_detail(update, context, proposal_id)


async def photos(update: Update, context: BKMContext) -> None:
    """The proposal's photos, then the photos of its visible progress notes."""
    proposal_id = buttons.Photos.pressed(update).proposal
    found = await context.db.read(proposals.detail, proposal_id)
    if found is None or (found.proposal.hidden and not context.person.is_board):
        await stale_button(update, context)
        return
    p = found.proposal
    shown = [(file_id, f"{p.reference} ({n})") for n, file_id in enumerate(p.photos, start=1)]
    shown += [
        (note.photo, f"{p.reference} · {context.tr.date(note.at)} · {note.percent}%")
        for note in found.progress
        if note.photo and not note.hidden
    ]
    if not shown:
        await stale_button(update, context)
        return
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    for file_id, caption in shown:
        await context.bot.send_photo(chat.id, file_id, caption=caption)


# ---- endorsement ------------------------------------------------------------------------------
async def endorse_and_tell(update: Update, context: BKMContext, proposal_id: int) -> bool:
    """Endorse (answering the press); tells the proposer when the threshold is reached."""
    tr = context.tr
    try:
        result = await context.db.write(
            proposals.endorse,
            proposal_id=proposal_id,
            person_id=context.person.id,
            threshold=context.settings.endorsement_threshold,
            now=context.clock.now(),
        )
    except proposals.NotFound:
        await stale_button(update, context)
        return False
    except proposals.NotMember:
        await answer(
            update,
            context,
            tr._("Only verified members can support proposals. Apply with /daftar."),
            alert=True,
        )
        return False
    except proposals.OwnProposal:
        await answer(update, context, tr._("You cannot support your own proposal."), alert=True)
        return False
    except proposals.NotEndorsable:
        await answer(
            update, context, tr._("This proposal can no longer be supported."), alert=True
        )
        return False
    count = result.proposal.endorsements
    await answer(
        update,
        context,
        tr.ngettext(
            "Thank you for your support. {n} endorsement now.",
            "Thank you for your support. {n} endorsements now.",
            count,
        ).format(n=count)
        if result.changed
        else tr._("You already support this proposal."),
    )
    if result.reached_threshold:
        await tell_supported(context, result.proposal)
    return True


async def tell_supported(context: BKMContext, proposal: proposals.Proposal) -> None:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "Your proposal {ref} has {n} endorsements: it is now supported by residents "
                "and moves to the top of the board's review queue."
            ).format(ref=proposal.reference, n=proposal.endorsements),
            buttons=(((tr._("View proposal"), buttons.View(proposal.id).data),),),
        )

    if proposal.proposer_id is not None:
        await outbox.notify(
            context.application, [proposal.proposer_id], render, kind="proposal.supported"
        )


async def endorse(update: Update, context: BKMContext) -> None:
    proposal_id = buttons.Endorse.pressed(update).proposal
    if await endorse_and_tell(update, context, proposal_id):
        await _refresh_button(update, context, proposal_id, endorsed=True)


async def withdraw(update: Update, context: BKMContext) -> None:
    proposal_id = buttons.Withdraw.pressed(update).proposal
    try:
        result = await context.db.write(
            proposals.withdraw,
            proposal_id=proposal_id,
            person_id=context.person.id,
            now=context.clock.now(),
        )
    except proposals.NotFound:
        await stale_button(update, context)
        return
    tr = context.tr
    await answer(
        update,
        context,
        tr._("Your support is withdrawn.") if result.changed else tr._("You did not support it."),
    )
    await _refresh_button(update, context, proposal_id, endorsed=False)


async def _refresh_button(
    update: Update, context: BKMContext, proposal_id: int, *, endorsed: bool
) -> None:
    """Show the new count on the pressed message's support button."""
    query = update.callback_query
    message = query.message if query else None
    markup = getattr(message, "reply_markup", None)
    found = await context.db.read(proposals.get, proposal_id)
    if markup is None or found is None:
        return
    label, data = endorse_button(context.tr, found, endorsed)
    rows = [
        [
            (label, data)
            if buttons.Endorse.matches(b.callback_data)
            or buttons.Withdraw.matches(b.callback_data)
            else (b.text, str(b.callback_data))
            for b in row
            if b.callback_data
        ]
        for row in markup.inline_keyboard
    ]
    await edit_quietly(update, None, keyboard(rows))


# ---- registries -------------------------------------------------------------------------------
async def transparency_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Proposals by status and field, in the latest year with proposals."""
    year, counts = await db.read(_year_counts)
    if not counts:
        return tr._("<b>Proposals</b>\nNo proposals yet.")
    lines = [tr._("<b>Proposals in {year}</b>").format(year=year)]
    total = sum(counts.values())
    lines.append(tr.ngettext("{n} proposal", "{n} proposals", total).format(n=total))
    for status in Status:
        n = sum(v for (_, s), v in counts.items() if s == status.value)
        if n:
            lines.append(f"• {status_label(tr, status)}: {tr.number(n)}")
    for code in FIELD_LABELS:
        n = sum(v for (f, _), v in counts.items() if f == code)
        if n:
            lines.append(f"• {field_label(tr, code)}: {tr.number(n)}")
    return "\n".join(lines)


async def participation_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Proposers by RW and by gender in the latest year with proposals ("< 5" for small groups)."""

    def read(conn: Any) -> Any:
        year = proposal_records.latest_year(conn)
        return year, proposal_records.participation(conn, year) if year else ([], [])

    year, (by_rw, by_gender) = await db.read(read)
    return participation(
        tr,
        tr._("<b>Proposers in {year} by RW</b>").format(year=year),
        tr._("<b>Proposers in {year} by gender</b>").format(year=year),
        by_rw,
        by_gender,
    )


def _year_counts(conn: Any) -> tuple[int | None, dict[tuple[str, str], int]]:
    year = proposal_records.latest_year(conn)
    return year, proposal_records.counts(conn, year) if year else {}


async def digest_section(db: Database, tr: Translator, now: datetime) -> str | None:
    year, counts = await db.read(_year_counts)
    if not counts:
        return None
    total = sum(counts.values())
    accepted = sum(
        v for (_, s), v in counts.items() if s in ("diterima", "didanai", "dikerjakan", "selesai")
    )
    done = sum(v for (_, s), v in counts.items() if s == "selesai")
    return tr._(
        "<b>Proposals {year}</b>\n{total} submitted, {accepted} accepted into the priority "
        "list, {done} completed. See them all with /usulan."
    ).format(year=year, total=total, accepted=accepted, done=done)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["usulan", "proposals"], browse),
        CommandHandler(["usulanku", "myproposals"], my_command),
        CommandHandler("start", deep_link, filters=filters.Regex(r"^/start usl_\S+$")),
        on(buttons.BROWSE, browse),
        on(buttons.ListPage, list_page),
        on(buttons.ChooseField, choose_field),
        on(buttons.ChooseStatus, choose_status),
        on(buttons.MyPage, my_page),
        on(buttons.View, view),
        on(buttons.Photos, photos),
        on(buttons.Endorse, endorse),
        on(buttons.Withdraw, withdraw),
    ]
