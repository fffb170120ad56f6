"""/admin → Catat realisasi: a board member records spending on a budget line by chat.

Line (found by words), amount, day, what it was for, receipt photo (bukti), confirm: one
transaction with its audit row; residents see the entry and can open the receipt.
"""

from __future__ import annotations

import contextlib
import html
from datetime import date
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    MessageHandler,
)
from telegram.ext import filters as ptb_filters

from bot import flows
from bot.access import BoardConversation, answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.features import AdminItem, Feature
from bot.i18n import N_
from bot.keyboards import column, keyboard
from handlers.budget import buttons as btn
from handlers.budget import view as text
from handlers.budget.ask import default_year
from rules.amounts import parse_amount
from rules.budget_query import parse_question, parse_spent_on
from rules.validate import Invalid, text_length
from storage import budget
from storage.budget import Filters
from storage.flows import steps as flow_rows

REALISE = "budget_realise"
LINE_CHOICES = 8


class Step(IntEnum):
    LINE = 3
    AMOUNT = 4
    DAY = 5
    WHAT = 6
    RECEIPT = 7
    CONFIRM = 8


async def confirm_reminder(update: Update, context: BKMContext) -> int | None:
    await reply(update, context, context.tr._("Please choose one of the buttons."))
    return None


@board_only
@private_only("admin")
async def realise_begin(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.save_step(update, context, REALISE, Step.LINE, {})
    await reply(
        update,
        context,
        context.tr._(
            "Recording spending (realisasi). Which budget line? Write words from the program "
            "or activity, for example: drainase RW 2. Send /batal to stop."
        ),
    )
    return Step.LINE


async def _draft(update: Update, context: BKMContext) -> dict[str, Any] | None:
    draft = await flows.load(context, REALISE)
    if draft is not None and not flows.is_idle(context, draft):
        return dict(draft.data)
    await flows.end_flow(update, context, REALISE, keep=False)
    await reply(
        update,
        context,
        context.tr._("That took a while, so I stopped. Start again from /admin."),
    )
    return None


@board_only
async def realise_find(update: Update, context: BKMContext) -> int | None:
    """Words → a short list of lines to choose from."""
    assert update.message is not None
    data = await _draft(update, context)
    if data is None:
        return flows.END
    tr = context.tr
    question = parse_question(
        update.message.text or "", context.clock.now().astimezone(context.settings.timezone).date()
    )
    year = question.year or await default_year(context)
    if year is None:
        await flows.end_flow(update, context, REALISE, keep=False)
        await reply(update, context, tr._("No budget has been published yet."))
        return flows.END
    wanted = Filters(year, question.rw, question.field, question.source, question.keywords)
    lines, total = await context.db.read(budget.search, wanted, LINE_CHOICES)
    if not lines:
        await reply(update, context, tr._("No budget line matches. Try other words."))
        return None
    choices = [
        (
            f"{line.program} — {line.activity} ({text.rw_label(tr, line.rw)}, {line.source})"[:60],
            btn.RealiseLine(line.id).data,
        )
        for line in lines
    ]
    message = tr._("Which line?")
    if total.lines > len(lines):
        message += " " + tr._("Only the first {n} are shown; add words to narrow it.").format(
            n=len(lines)
        )
    await reply(update, context, message, reply_markup=column(choices))
    return None


@board_only
async def realise_line(update: Update, context: BKMContext) -> int | None:
    data = await _draft(update, context)
    if data is None:
        return flows.END
    line = await context.db.read(budget.line, btn.RealiseLine.pressed(update).line)
    if line is None:
        await stale_button(update, context)
        return None
    await answer(update, context)
    data["line_id"] = line.id
    await flows.save_step(update, context, REALISE, Step.AMOUNT, data)
    tr = context.tr
    await reply(
        update,
        context,
        tr._("{line}\nHow much was spent? For example 2.500.000 or 2,5 juta.").format(
            line=text.line_block(tr, 1, line).split("\n", 1)[0].removeprefix("1. ")
        ),
    )
    return Step.AMOUNT


@board_only
async def realise_amount(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await _draft(update, context)
    if data is None:
        return flows.END
    try:
        data["amount"] = parse_amount(
            update.message.text or "", context.tr.language, context.settings.cost_ceiling
        )
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    await flows.save_step(update, context, REALISE, Step.DAY, data)
    await reply(
        update,
        context,
        context.tr._("On which day? For example 12/11/2026, or press Today."),
        reply_markup=keyboard([[(context.tr._("Today"), btn.TODAY.data)]]),
    )
    return Step.DAY


async def _take_day(update: Update, context: BKMContext, typed: str) -> int | None:
    data = await _draft(update, context)
    if data is None:
        return flows.END
    today = context.clock.now().astimezone(context.settings.timezone).date()
    try:
        data["spent_on"] = parse_spent_on(typed, today).isoformat()
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    await answer(update, context)
    await flows.save_step(update, context, REALISE, Step.WHAT, data)
    await reply(update, context, context.tr._("What was it for? For example: 50 sacks of cement."))
    return Step.WHAT


@board_only
async def realise_day_typed(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    return await _take_day(update, context, update.message.text or "")


@board_only
async def realise_today(update: Update, context: BKMContext) -> int | None:
    return await _take_day(update, context, "today")


@board_only
async def realise_what(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await _draft(update, context)
    if data is None:
        return flows.END
    try:
        data["description"] = text_length(update.message.text or "", 3, 300).replace("\n", " ")
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return None
    await flows.save_step(update, context, REALISE, Step.RECEIPT, data)
    await reply(
        update,
        context,
        context.tr._("Send a photo of the receipt (bukti). Residents can open it."),
        reply_markup=keyboard([[(context.tr._("No receipt"), btn.NO_RECEIPT.data)]]),
    )
    return Step.RECEIPT


async def _confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> int:
    tr = context.tr
    line = await context.db.read(budget.line, data["line_id"])
    if line is None:
        await flows.end_flow(update, context, REALISE, keep=False)
        await reply(update, context, tr._("That budget line was removed by an import."))
        return flows.END
    await flows.save_step(update, context, REALISE, Step.CONFIRM, data)
    summary = tr._(
        "<b>Record this spending?</b>\n{program} — {activity}\nAmount: {amount}\nDay: {day}\n"
        "For: {what}\nReceipt: {receipt}"
    ).format(
        program=html.escape(line.program),
        activity=html.escape(line.activity),
        amount=tr.money(data["amount"]),
        day=text.day(tr, date.fromisoformat(data["spent_on"])),
        what=html.escape(data["description"]),
        receipt=tr._("photo attached") if data.get("receipt") else tr._("none"),
    )
    after = line.realised + data["amount"]
    if after > line.allocation:
        summary += "\n" + tr._(
            "Note: realised would be {after}, more than the allocation {allocation}."
        ).format(after=tr.money(after), allocation=tr.money(line.allocation))
    await reply(
        update,
        context,
        summary,
        reply_markup=keyboard(
            [[(tr._("Submit"), btn.SUBMIT.data), (tr._("Cancel"), btn.CANCEL.data)]]
        ),
    )
    return Step.CONFIRM


@board_only
async def realise_receipt(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    data = await _draft(update, context)
    if data is None:
        return flows.END
    data["receipt"] = update.message.photo[-1].file_id
    return await _confirm(update, context, data)


@board_only
async def realise_no_receipt(update: Update, context: BKMContext) -> int | None:
    data = await _draft(update, context)
    if data is None:
        return flows.END
    await answer(update, context)
    data["receipt"] = None
    return await _confirm(update, context, data)


async def receipt_reminder(update: Update, context: BKMContext) -> int | None:
    await reply(
        update,
        context,
        context.tr._("Please send the receipt as a photo, or press No receipt."),
    )
    return None


@board_only
async def realise_submit(update: Update, context: BKMContext) -> int | None:
    data = await _draft(update, context)
    if data is None:
        return flows.END
    if not {"line_id", "amount", "spent_on", "description"} <= data.keys():
        await stale_button(update, context)
        return None
    await answer(update, context)
    person = context.person
    key = flows.conversation_key_of(update)
    now = context.clock.now()

    def record(conn: Any) -> budget.Entry:
        entry = budget.add_entry(
            conn,
            line_id=data["line_id"],
            spent_on=date.fromisoformat(data["spent_on"]),
            amount=data["amount"],
            description=data["description"],
            receipt=data.get("receipt"),
            actor_id=person.id,
            now=now,
        )
        flow_rows.end(conn, person_id=person.id, flow=REALISE, conversation_key=key, keep=False)
        return entry

    tr = context.tr
    try:
        await context.db.write(record)
    except budget.NoSuchLine:
        await flows.end_flow(update, context, REALISE, keep=False)
        await reply(update, context, tr._("That budget line was removed by an import."))
        return flows.END
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)
    line = await context.db.read(budget.line, data["line_id"])
    assert line is not None
    await reply(
        update,
        context,
        tr._("Recorded. The line has now realised {realised} of {allocation} ({percent}).").format(
            realised=tr.money(line.realised),
            allocation=tr.money(line.allocation),
            percent=text.percent(tr, line.realised, line.allocation),
        ),
    )
    return flows.END


async def realise_cancel(update: Update, context: BKMContext) -> int:
    await answer(update, context)
    await flows.end_flow(update, context, REALISE, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was recorded."))
    return flows.END


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    text_only = ptb_filters.TEXT & ~ptb_filters.COMMAND
    cancel = ["batal", "cancel"]
    realising = BoardConversation(
        name=REALISE,
        persistent=True,
        entry_points=[on(btn.REALISE, realise_begin)],
        states={
            Step.LINE: [
                MessageHandler(text_only, realise_find),
                on(btn.RealiseLine, realise_line),
            ],
            Step.AMOUNT: [MessageHandler(text_only, realise_amount)],
            Step.DAY: [
                MessageHandler(text_only, realise_day_typed),
                on(btn.TODAY, realise_today),
            ],
            Step.WHAT: [MessageHandler(text_only, realise_what)],
            Step.RECEIPT: [
                MessageHandler(ptb_filters.PHOTO, realise_receipt),
                on(btn.NO_RECEIPT, realise_no_receipt),
                MessageHandler(~ptb_filters.COMMAND, receipt_reminder),
            ],
            Step.CONFIRM: [
                on(btn.SUBMIT, realise_submit),
                on(btn.CANCEL, realise_cancel),
                MessageHandler(text_only, confirm_reminder),
            ],
        },
        fallbacks=[CommandHandler(cancel, realise_cancel)],
        allow_reentry=True,
    )
    return [realising]


PART = Feature(
    name="budget_realise",
    order=42,
    handlers=_handlers,
    admin_menu=(AdminItem("budget_realise", N_("Record realisation"), order=41),),
)
