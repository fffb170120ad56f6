"""/anggaran (/budget): the budget as residents ask about it, also in group chats.

A summary with a menu (per RW, per program, search, charts, revolving loans), free-text
questions after the command or after "Search", line details down to the receipts, and the
budget's /transparansi and digest sections, demo data and `bkm-bot export budget`.
"""

from __future__ import annotations

import html
import sqlite3
from enum import IntEnum
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)
from telegram.ext import filters as ptb_filters

from bot import flows
from bot.access import answer, reply, stale_button
from bot.buttons import ButtonError, on
from bot.context import BKMContext
from bot.features import Command, DemoSeeder, Exporter, Feature, MenuItem, Section
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from bot.paginate import paginate
from handlers.budget import buttons as btn
from handlers.budget import view as text
from handlers.budget.charts import chart_pressed, digest_chart, transparency_section
from handlers.start import stray_message
from rules import proposal_status
from rules.budget_query import Question, parse_question, suggestions
from storage import budget, proposals
from storage.budget import Filters, Line, Totals
from storage.db import Database
from storage.demo.budget import seed_demo

ASK = "budget_ask"
PAGE_LINES = 8
PROGRAMS_PER_PAGE = 25
MAX_RECEIPT_BUTTONS = 40  # 10 rows of 4: well within Telegram's 100 buttons


class Step(IntEnum):
    ASK = 1


# ---- integration hook: the proposal a line funds -----------------------------------------------
async def proposal_note(db: Database, tr: Translator, reference: str) -> str:
    """How a budget line names the proposal it funds: its reference, title and status label
    (the money trail's other direction). A proposal the board hid shows only its reference,
    as everywhere else; an unknown reference (a typo in the file) is shown as it is."""
    found = await db.read(proposals.by_reference, reference)
    if found is None or found.hidden:
        shown = found.reference if found is not None else reference
        return tr._("Funds proposal {reference}").format(reference=html.escape(shown))
    return tr._("Funds proposal {reference}: {title} ({status})").format(
        reference=html.escape(found.reference),
        title=html.escape(found.title),
        status=tr._(proposal_status.LABELS[found.status]),
    )


async def proposal_budget_text(db: Database, tr: Translator, reference: str) -> str | None:
    """For the proposal detail view: its budget lines, allocation and realisation, or None."""
    found = await db.read(budget.for_proposal, reference)
    if found is None:
        return None
    lines = [
        tr._("<b>Budget and realisation</b>"),
        tr._("Allocation: {allocation}\nRealised: {realised} ({percent})").format(
            allocation=tr.money(found.allocation),
            realised=tr.money(found.realised),
            percent=text.percent(tr, found.realised, found.allocation),
        ),
    ]
    for line in found.lines[:10]:
        lines.append(
            text.totals_line(
                tr,
                f"{line.year} {line.program} — {line.activity}",
                Totals(None, line.allocation, line.realised, 1),
            )
        )
    return "\n".join(lines)


# ---- reading helpers ---------------------------------------------------------------------------
def _today(context: BKMContext) -> Any:
    return context.clock.now().astimezone(context.settings.timezone).date()


async def default_year(context: BKMContext) -> int | None:
    """This year when it has lines, else the newest year that has; None: no budget at all."""
    years = await context.db.read(budget.years)
    if not years:
        return None
    this_year = _today(context).year
    return this_year if this_year in years else years[0]


def _in_group(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


def query_data(filters: Filters, page: int) -> str | None:
    """The button data of a page of a budget question, or None when it cannot fit."""
    try:
        return btn.Query(page, text.pack_filters(filters)).data
    except ButtonError:
        return None


def menu_markup(tr: Translator, year: int, years: list[int], loans: bool) -> InlineKeyboardMarkup:
    rows: list[list[tuple[str, str]]] = [
        [
            (tr._("Per RW"), btn.PerRw(year).data),
            (tr._("Per program"), btn.Programs(year, 0).data),
        ],
        [
            (tr._("Chart per field"), btn.Chart("f", year).data),
            (tr._("Chart per RW"), btn.Chart("r", year).data),
        ],
        [(tr._("Search"), btn.ASK.data)],
    ]
    if loans:
        rows.append([(tr._("Revolving loans"), btn.Loans(year).data)])
    others = [y for y in years if y != year][:3]
    if others:
        rows.append([(str(y), btn.Year(y).data) for y in others])
    return keyboard(rows)


async def show_summary(update: Update, context: BKMContext, year: int | None) -> None:
    tr = context.tr
    if year is None:
        await reply(update, context, tr._("No budget has been published yet."))
        return

    def read(conn: sqlite3.Connection) -> tuple[Any, list[int], bool]:
        return budget.summary(conn, year), budget.years(conn), budget.has_loans(conn, year)

    summary, years, loans = await context.db.read(read)
    if summary is None:
        await stale_button(update, context)
        return
    hint = tr._(
        "Ask a question, for example: /budget jalan RW 5 {year}, or /budget posyandu."
    ).format(year=year)
    await reply(
        update,
        context,
        text.summary_text(tr, summary) + "\n\n" + hint,
        reply_markup=menu_markup(tr, year, years, loans),
    )


# ---- questions ---------------------------------------------------------------------------------
def _filters(question: Question, year: int) -> Filters:
    return Filters(
        year=question.year or year,
        rw=question.rw,
        field=question.field,
        source=question.source,
        keywords=question.keywords,
    )


async def results_message(
    context: BKMContext, filters: Filters, page: int, *, year_given: bool
) -> tuple[str, InlineKeyboardMarkup | None] | None:
    """A page of matching lines with its buttons; None when nothing matches."""
    tr = context.tr
    lines, total = await context.db.read(budget.search, filters, PAGE_LINES, page * PAGE_LINES)
    if total.lines == 0:
        return None
    pages = (total.lines + PAGE_LINES - 1) // PAGE_LINES
    head = [
        text.filters_text(tr, filters, year_given),
        tr.ngettext("{n} budget line matches.", "{n} budget lines match.", total.lines).format(
            n=tr.number(total.lines)
        )
        + " "
        + tr._("Allocation {allocation}, realised {realised} ({percent}).").format(
            allocation=tr.money(total.allocation),
            realised=tr.money(total.realised),
            percent=text.percent(tr, total.realised, total.allocation),
        ),
    ]
    if pages > 1:
        head.append(
            tr._("Page {page} of {pages}").format(page=tr.number(page + 1), pages=tr.number(pages))
        )
    blocks = ["\n".join(head)]
    for index, line in enumerate(lines, start=page * PAGE_LINES + 1):
        note = (
            await proposal_note(context.db, tr, line.proposal_ref) if line.proposal_ref else None
        )
        blocks.append(text.line_block(tr, index, line, note))
    body = paginate(blocks)[0]  # PAGE_LINES short blocks always fit one message
    rows: list[list[tuple[str, str]]] = []
    details = [
        (tr._("Details {number}").format(number=i), btn.LineDetails(line.id).data)
        for i, line in enumerate(lines, start=page * PAGE_LINES + 1)
    ]
    rows.extend(details[i : i + 4] for i in range(0, len(details), 4))
    navigation = []
    if page > 0 and (data := query_data(filters, page - 1)):
        navigation.append((tr._("◀ Previous"), data))
    if page + 1 < pages and (data := query_data(filters, page + 1)):
        navigation.append((tr._("Next ▶"), data))
    if navigation:
        rows.append(navigation)
    elif pages > 1:
        body += "\n\n" + tr._(
            "Only the first lines are shown: add words, an RW or a field to narrow the question."
        )
    return body, keyboard(rows) if rows else None


async def nothing_matched(update: Update, context: BKMContext, filters: Filters) -> None:
    """Never silence: say what was looked for and offer the nearest names."""
    tr = context.tr
    names = await context.db.read(budget.names, filters.year)
    years = await context.db.read(budget.years)
    message = [text.filters_text(tr, filters, True), tr._("No budget line matches.")]
    if filters.year not in years:
        message.append(
            tr._("There is no budget for {year}. Years with a budget: {years}.").format(
                year=filters.year, years=", ".join(map(str, years)) or "-"
            )
        )
    near = suggestions(filters.keywords, names) if filters.keywords else []
    buttons = []
    if near:
        message.append(
            tr._("Did you mean: {names}?").format(names=", ".join(html.escape(n) for n in near))
        )
        for name in near:
            words = tuple(w for w in name.casefold().split() if len(w) > 1)[:3]
            data = query_data(Filters(year=filters.year, keywords=words), 0)
            if data:
                buttons.append([(name[:60], data)])
    elif filters.rw is not None or filters.field is not None or filters.source is not None:
        message.append(tr._("Try fewer filters, for example only the words or only the RW."))
    else:
        message.append(tr._("Try other words, or open the summary with /budget."))
    await reply(
        update, context, "\n".join(message), reply_markup=keyboard(buttons) if buttons else None
    )


async def answer_question(update: Update, context: BKMContext, question_text: str) -> None:
    year = await default_year(context)
    question = parse_question(question_text, _today(context))
    if question.empty:
        await show_summary(update, context, year)
        return
    if year is None and question.year is None:
        await reply(update, context, context.tr._("No budget has been published yet."))
        return
    filters = _filters(question, year or question.year or 0)
    shown = await results_message(context, filters, 0, year_given=question.year is not None)
    if shown is None:
        await nothing_matched(update, context, filters)
        return
    body, markup = shown
    await reply(update, context, body, reply_markup=markup)


# ---- handlers ----------------------------------------------------------------------------------
async def budget_command(update: Update, context: BKMContext) -> int:
    """/anggaran [question]: the summary, or the answer to the question after it."""
    words = " ".join(context.args or [])
    if words.strip():
        await answer_question(update, context, words[:300])
    else:
        await show_summary(update, context, await default_year(context))
    return flows.END


async def budget_menu(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await show_summary(update, context, await default_year(context))
    return flows.END


async def ask_begin(update: Update, context: BKMContext) -> int:
    """The Search button: in a private chat the next message is the question."""
    tr = context.tr
    await answer(update, context)
    if _in_group(update):
        await reply(
            update,
            context,
            tr._(
                "In a group, write the question after the command, "
                "for example: /budget posyandu RW 3"
            ),
        )
        return flows.END
    await flows.save_step(update, context, ASK, Step.ASK, {})
    await reply(
        update,
        context,
        tr._(
            "What would you like to know? For example: drainase RW 5, posyandu, "
            "dana BLM tahun ini. Send /batal to stop."
        ),
    )
    return Step.ASK


async def ask_answer(update: Update, context: BKMContext) -> int:
    assert update.message is not None
    draft = await flows.load(context, ASK)
    await flows.end_flow(update, context, ASK, keep=False)
    if draft is None or flows.is_idle(context, draft):
        await stray_message(update, context)
        return flows.END
    await answer_question(update, context, (update.message.text or "")[:300])
    return flows.END


async def ask_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, ASK, keep=False)
    await reply(update, context, context.tr._("Cancelled."))
    return flows.END


async def year_pressed(update: Update, context: BKMContext) -> None:
    year = btn.Year.pressed(update).year
    await answer(update, context)
    await show_summary(update, context, year)


async def page_pressed(update: Update, context: BKMContext) -> None:
    """◀ / ▶ on a list of lines: the same question, another page, in the same message."""
    query = update.callback_query
    assert query is not None
    press = btn.Query.pressed(update)
    filters, page = text.unpack_filters(press.filters), press.page
    assert filters is not None  # the kind decodes only packed filters
    shown = await results_message(context, filters, page, year_given=True)
    if shown is None:
        await stale_button(update, context)  # the budget changed under the page
        return
    await answer(update, context)
    body, markup = shown
    try:
        await query.edit_message_text(body, reply_markup=markup)
    except BadRequest:
        await reply(update, context, body, reply_markup=markup)


async def rw_pressed(update: Update, context: BKMContext) -> None:
    year = btn.PerRw.pressed(update).year
    rows = await context.db.read(budget.by_rw, year)
    if not rows:
        await stale_button(update, context)
        return
    await answer(update, context)
    for page in paginate(text.rw_blocks(context.tr, year, rows)):
        await reply(update, context, page)


async def programs_pressed(update: Update, context: BKMContext) -> None:
    """Per program, a page at a time (◀ ▶ edit the message)."""
    query = update.callback_query
    assert query is not None
    press = btn.Programs.of(update) or btn.ProgramsPage.pressed(update)
    year, page = press.year, press.page
    rows = await context.db.read(budget.by_program, year)
    pages = (len(rows) + PROGRAMS_PER_PAGE - 1) // PROGRAMS_PER_PAGE
    if page >= pages:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    chunk = rows[page * PROGRAMS_PER_PAGE : (page + 1) * PROGRAMS_PER_PAGE]
    head = tr._("<b>Budget {year} per program</b>").format(year=year)
    if pages > 1:
        head += "\n" + tr._("Page {page} of {pages}").format(
            page=tr.number(page + 1), pages=tr.number(pages)
        )
    body = paginate([head, *text.program_lines(tr, chunk)])[0]
    navigation = []
    if page > 0:
        navigation.append((tr._("◀ Previous"), btn.ProgramsPage(year, page - 1).data))
    if page + 1 < pages:
        navigation.append((tr._("Next ▶"), btn.ProgramsPage(year, page + 1).data))
    markup = keyboard([navigation]) if navigation else None
    if isinstance(press, btn.ProgramsPage):
        try:
            await query.edit_message_text(body, reply_markup=markup)
            return
        except BadRequest:
            pass
    await reply(update, context, body, reply_markup=markup)


async def loans_pressed(update: Update, context: BKMContext) -> None:
    year = btn.Loans.pressed(update).year
    await answer(update, context)
    loans = await context.db.read(budget.loans, year)
    for page in paginate([text.loans_text(context.tr, year, loans)]):
        await reply(update, context, page)


async def line_pressed(update: Update, context: BKMContext) -> None:
    """A line's details: allocation, realisation, every entry, receipts to open."""
    line_id = btn.LineDetails.pressed(update).line

    def read(conn: sqlite3.Connection) -> tuple[Line | None, tuple[list[budget.Entry], int]]:
        return budget.line(conn, line_id), budget.entries(conn, line_id)

    line, (entries, count) = await context.db.read(read)
    if line is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    note = await proposal_note(context.db, tr, line.proposal_ref) if line.proposal_ref else None
    receipts = [
        (tr._("Receipt {number}").format(number=i), btn.Receipt(e.id).data)
        for i, e in enumerate(entries, start=1)
        if e.receipt
    ][:MAX_RECEIPT_BUTTONS]
    rows = [receipts[i : i + 4] for i in range(0, len(receipts), 4)]
    pages = paginate([text.line_detail(tr, line, entries, note, count)])
    for index, page in enumerate(pages):
        last = index == len(pages) - 1
        await reply(update, context, page, reply_markup=keyboard(rows) if last and rows else None)


async def receipt_pressed(update: Update, context: BKMContext) -> None:
    entry_id = btn.Receipt.pressed(update).entry
    entry = await context.db.read(budget.entry, entry_id)
    if entry is None or entry.receipt is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    caption = tr._("Receipt: {amount} on {day}").format(
        amount=tr.money(entry.amount), day=text.day(tr, entry.spent_on)
    )
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, entry.receipt, caption=caption)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    text_only = ptb_filters.TEXT & ~ptb_filters.COMMAND
    ask = ConversationHandler(
        name=ASK,
        persistent=True,
        entry_points=[
            CommandHandler(["anggaran", "budget"], budget_command),
            on(btn.BUDGET, budget_menu),
            on(btn.ASK, ask_begin),
        ],
        states={Step.ASK: [MessageHandler(text_only, ask_answer)]},
        fallbacks=[CommandHandler(["batal", "cancel"], ask_cancel)],
        allow_reentry=True,
    )
    return [
        ask,
        on(btn.Year, year_pressed),
        on(btn.Query, page_pressed),
        on(btn.PerRw, rw_pressed),
        on(btn.Programs, programs_pressed),
        on(btn.ProgramsPage, programs_pressed),
        on(btn.Loans, loans_pressed),
        on(btn.Chart, chart_pressed),
        on(btn.LineDetails, line_pressed),
        on(btn.Receipt, receipt_pressed),
    ]


PART = Feature(
    name="budget",
    order=40,
    handlers=_handlers,
    commands=(
        Command("anggaran", "budget", N_("The BKM budget and its realisation"), public=True),
    ),
    main_menu=(MenuItem("budget", N_("Budget"), order=40),),
    transparency=(Section("budget", 40, transparency_section),),
    digest=(Section("budget", 40, transparency_section, chart=digest_chart),),
    exports=(Exporter("budget", budget.HEADER, budget.export_rows),),
    demo=(DemoSeeder(40, seed_demo),),
)
