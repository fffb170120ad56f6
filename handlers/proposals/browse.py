"""Browsing proposals (/usulan, /usulanku, the usl_<reference> deep link) and endorsing them."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.access import answer, reply, stale_button
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.disclosure import participation
from bot.i18n import Translator
from bot.keyboards import keyboard
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


def id_from(update: Update, index: int) -> int | None:
    """The numeric id at position `index` of the pressed button's data (usl:v:<id>)."""
    query = update.callback_query
    parts = (query.data or "").split(":") if query else []
    if len(parts) <= index:
        return None
    value = parts[index]
    return int(value) if value.isdigit() and len(value) < 12 else None


# ---- lists ------------------------------------------------------------------------------------
def list_markup(
    tr: Translator,
    items: list[proposals.Proposal],
    *,
    page: int,
    pages: int,
    nav: str,
    filters_row: list[tuple[str, str]] | None = None,
) -> Any:
    rows: list[list[tuple[str, str]]] = [
        [(f"{p.reference} · {p.title[:30] if not p.hidden else '…'}", f"usl:v:{p.id}")]
        for p in items
    ]
    arrows = []
    if page > 0:
        arrows.append((tr._("« Previous"), nav.format(page=page - 1)))
    if page + 1 < pages:
        arrows.append((tr._("Next »"), nav.format(page=page + 1)))
    if arrows:
        rows.append(arrows)
    if filters_row:
        rows.append(filters_row)
    return keyboard(rows) if rows else None


def _filter_codes(field: str | None, status: str | None) -> tuple[str, str]:
    return field or "-", status or "-"


async def send_list(
    update: Update,
    context: BKMContext,
    *,
    page: int = 0,
    field: str | None = None,
    status: str | None = None,
    edit: bool = False,
) -> None:
    """/usulan: public proposals, newest first, 5 a page, with field and status filters."""
    tr = context.tr
    threshold = context.settings.endorsement_threshold
    items, total = await context.db.read(
        proposals.list_public, field=field, status=status, offset=page * PAGE, limit=PAGE
    )
    pages = max(1, -(-total // PAGE))
    f, s = _filter_codes(field, status)
    header = tr._("<b>Residents' proposals</b> (page {page} of {pages})").format(
        page=page + 1, pages=pages
    )
    chosen = []
    if field:
        chosen.append(field_label(tr, field))
    if status:
        chosen.append(status_label(tr, Status(status)))
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
        nav=f"usl:l:{{page}}:{f}:{s}",
        filters_row=[
            (tr._("Field"), f"usl:lf:{f}:{s}"),
            (tr._("Status"), f"usl:ls:{f}:{s}"),
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


def _filters(field_code: str, status_code: str) -> tuple[str | None, str | None] | None:
    """The filters named in callback data ('-' for none), or None when one is not known."""
    field = None if field_code == "-" else field_code
    status = None if status_code == "-" else status_code
    if field is not None and field not in FIELD_LABELS:
        return None
    if status is not None and status not in {s.value for s in Status}:
        return None
    return field, status


def _list_args(update: Update) -> tuple[int, str | None, str | None] | None:
    query = update.callback_query
    parts = (query.data or "").split(":") if query else []
    if len(parts) != 5 or not parts[2].isdigit() or len(parts[2]) > 6:
        return None
    chosen = _filters(parts[3], parts[4])
    return None if chosen is None else (int(parts[2]), *chosen)


async def list_page(update: Update, context: BKMContext) -> None:
    parsed = _list_args(update)
    if parsed is None:
        await stale_button(update, context)
        return
    page, field, status = parsed
    await send_list(update, context, page=page, field=field, status=status, edit=True)


async def choose_filter(update: Update, context: BKMContext) -> None:
    """Show the choices for the field or the status filter, keeping the other filter."""
    query = update.callback_query
    assert query is not None
    parts = (query.data or "").split(":")
    parsed = _filters(parts[2], parts[3]) if len(parts) == 4 else None
    if parsed is None:
        await stale_button(update, context)
        return
    field, status = parsed
    tr = context.tr
    f, s = _filter_codes(field, status)
    if parts[1] == "lf":
        options = [(tr._(label), f"usl:l:0:{code}:{s}") for code, label in FIELD_LABELS.items()]
        options.append((tr._("All fields"), f"usl:l:0:-:{s}"))
    else:
        options = [(tr._(LABELS[st]), f"usl:l:0:{f}:{st.value}") for st in Status]
        options.append((tr._("All statuses"), f"usl:l:0:{f}:-"))
    await answer(update, context)
    await edit_quietly(
        update,
        tr._("Choose a filter:"),
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
    markup = list_markup(tr, items, page=page, pages=pages, nav="usl:m:{page}")
    if update.callback_query is not None:
        await answer(update, context)
        await edit_quietly(update, text, markup)
    else:
        await reply(update, context, text, reply_markup=markup)


async def my_page(update: Update, context: BKMContext) -> None:
    page = id_from(update, 2)
    if page is None:
        await stale_button(update, context)
        return
    await my_proposals(update, context, page)


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
    proposal_id = id_from(update, 2)
    if proposal_id is None or not await context.db.read(proposals.get, proposal_id):
        await stale_button(update, context)
        return
    await answer(update, context)
    await show_detail(update, context, proposal_id)


async def photos(update: Update, context: BKMContext) -> None:
    """The proposal's photos, then the photos of its visible progress notes."""
    proposal_id = id_from(update, 2)
    found = await context.db.read(proposals.detail, proposal_id) if proposal_id else None
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
            buttons=(((tr._("View proposal"), f"usl:v:{proposal.id}"),),),
        )

    if proposal.proposer_id is not None:
        await outbox.notify(
            context.application, [proposal.proposer_id], render, kind="proposal.supported"
        )


async def endorse(update: Update, context: BKMContext) -> None:
    proposal_id = id_from(update, 2)
    if proposal_id is None:
        await stale_button(update, context)
        return
    if await endorse_and_tell(update, context, proposal_id):
        await _refresh_button(update, context, proposal_id, endorsed=True)


async def withdraw(update: Update, context: BKMContext) -> None:
    proposal_id = id_from(update, 2)
    if proposal_id is None:
        await stale_button(update, context)
        return
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
            if (b.callback_data or "").startswith(("usl:d:", "usl:u:"))
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
        CallbackQueryHandler(browse, pattern=r"^menu:proposals$"),
        CallbackQueryHandler(list_page, pattern=r"^usl:l:"),
        CallbackQueryHandler(choose_filter, pattern=r"^usl:l[fs]:"),
        CallbackQueryHandler(my_page, pattern=r"^usl:m:"),
        CallbackQueryHandler(view, pattern=r"^usl:v:"),
        CallbackQueryHandler(photos, pattern=r"^usl:ph:\d"),
        CallbackQueryHandler(endorse, pattern=r"^usl:d:"),
        CallbackQueryHandler(withdraw, pattern=r"^usl:u:"),
    ]
