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
from telegram.ext import BaseHandler
from telegram.ext import filters as ptb_filters

from bot import flows
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.features import AdminItem, Feature
from bot.flowrunner import TEXT, Ask, Cancel, Flow, Lapse, Turn, message, press, text, unusable
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers.budget import buttons as btn
from handlers.budget import view
from handlers.budget.ask import default_year
from rules.amounts import parse_amount
from rules.budget_query import parse_question, parse_spent_on
from rules.validate import text_length
from storage import budget
from storage.budget import Filters, Line
from storage.flows import steps as flow_rows

REALISE = "budget_realise"
LINE_CHOICES = 8
REMOVED = N_("That budget line was removed by an import.")


class Step(IntEnum):
    LINE = 3
    AMOUNT = 4
    DAY = 5
    WHAT = 6
    RECEIPT = 7
    CONFIRM = 8


@board_only
@private_only("admin")
async def realise_begin(update: Update, context: BKMContext) -> int:
    return await REALISING.go(update, context, Step.LINE, {})


def _today(context: BKMContext) -> date:
    return context.clock.now().astimezone(context.settings.timezone).date()


# ---- questions ---------------------------------------------------------------------------------
async def ask_line(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "Recording spending (realisasi). Which budget line? Write words from the program "
            "or activity, for example: drainase RW 2. Send /batal to stop."
        ),
    )


async def ask_amount(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    line = await context.db.read(budget.line, data["line_id"])
    if line is None:
        await reply(update, context, tr._(REMOVED))
        return
    await reply(
        update,
        context,
        tr._("{line}\nHow much was spent? For example 2.500.000 or 2,5 juta.").format(
            line=view.line_block(tr, 1, line).split("\n", 1)[0].removeprefix("1. ")
        ),
    )


async def ask_day(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("On which day? For example 12/11/2026, or press Today."),
        reply_markup=keyboard([[(context.tr._("Today"), btn.TODAY.data)]]),
    )


async def ask_what(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("What was it for? For example: 50 sacks of cement."))


async def ask_receipt(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("Send a photo of the receipt (bukti). Residents can open it."),
        reply_markup=keyboard([[(context.tr._("No receipt"), btn.NO_RECEIPT.data)]]),
    )


def _summary(tr: Translator, line: Line, data: dict[str, Any]) -> str:
    summary = tr._(
        "<b>Record this spending?</b>\n{program} — {activity}\nAmount: {amount}\nDay: {day}\n"
        "For: {what}\nReceipt: {receipt}"
    ).format(
        program=html.escape(line.program),
        activity=html.escape(line.activity),
        amount=tr.money(data["amount"]),
        day=view.day(tr, date.fromisoformat(data["spent_on"])),
        what=html.escape(data["description"]),
        receipt=tr._("photo attached") if data.get("receipt") else tr._("none"),
    )
    after = line.realised + data["amount"]
    if after > line.allocation:
        summary += "\n" + tr._(
            "Note: realised would be {after}, more than the allocation {allocation}."
        ).format(after=tr.money(after), allocation=tr.money(line.allocation))
    return summary


async def ask_confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    line = await context.db.read(budget.line, data["line_id"])
    if line is None:
        await reply(update, context, tr._(REMOVED))
        return
    await reply(
        update,
        context,
        _summary(tr, line, data),
        reply_markup=keyboard(
            [[(tr._("Submit"), btn.SUBMIT.data), (tr._("Cancel"), btn.CANCEL.data)]]
        ),
    )


# ---- answers -----------------------------------------------------------------------------------
async def take_words(turn: Turn[Step]) -> int | None:
    """Words → a short list of lines to choose from (the step stays)."""
    update, context, tr = turn.update, turn.context, turn.tr
    question = parse_question(turn.value, _today(context))
    year = question.year or await default_year(context)
    if year is None:
        await REALISING.end(update, context)
        await reply(update, context, tr._("No budget has been published yet."))
        return flows.END
    wanted = Filters(year, question.rw, question.field, question.source, question.keywords)
    lines, total = await context.db.read(budget.search, wanted, LINE_CHOICES)
    if not lines:
        await reply(update, context, tr._("No budget line matches. Try other words."))
        return None
    choices = [
        (
            f"{line.program} — {line.activity} ({view.rw_label(tr, line.rw)}, {line.source})"[:60],
            btn.RealiseLine(line.id).data,
        )
        for line in lines
    ]
    shown = tr._("Which line?")
    if total.lines > len(lines):
        shown += " " + tr._("Only the first {n} are shown; add words to narrow it.").format(
            n=len(lines)
        )
    await reply(update, context, shown, reply_markup=column(choices))
    return None


async def take_line(turn: Turn[Step]) -> Step | None:
    line = await turn.context.db.read(budget.line, btn.RealiseLine.pressed(turn.update).line)
    if line is None:
        await stale_button(turn.update, turn.context)
        return None
    turn.data["line_id"] = line.id
    return Step.AMOUNT


async def take_amount(turn: Turn[Step]) -> Step:
    settings = turn.context.settings
    turn.data["amount"] = parse_amount(turn.value, turn.tr.language, settings.cost_ceiling)
    return Step.DAY


def _spent_on(turn: Turn[Step], typed: str) -> Step:
    turn.data["spent_on"] = parse_spent_on(typed, _today(turn.context)).isoformat()
    return Step.WHAT


async def take_day(turn: Turn[Step]) -> Step:
    return _spent_on(turn, turn.value)


async def take_today(turn: Turn[Step]) -> Step:
    return _spent_on(turn, "today")


async def take_what(turn: Turn[Step]) -> Step:
    turn.data["description"] = text_length(turn.value, 3, 300).replace("\n", " ")
    return Step.RECEIPT


async def _to_confirm(turn: Turn[Step], receipt: str | None) -> int:
    turn.data["receipt"] = receipt
    if await turn.context.db.read(budget.line, turn.data["line_id"]) is None:
        await answer(turn.update, turn.context)
        await REALISING.end(turn.update, turn.context)
        await reply(turn.update, turn.context, turn.tr._(REMOVED))
        return flows.END
    return Step.CONFIRM


async def take_receipt(turn: Turn[Step]) -> int:
    return await _to_confirm(turn, turn.message.photo[-1].file_id)


async def take_no_receipt(turn: Turn[Step]) -> int:
    return await _to_confirm(turn, None)


async def _record(update: Update, context: BKMContext, data: dict[str, Any]) -> bool:
    """The entry and the end of the flow, in one transaction; False: the line was removed."""
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

    try:
        await context.db.write(record)
    except budget.NoSuchLine:
        return False
    return True


async def take_submit(turn: Turn[Step]) -> int | None:
    update, context, tr, data = turn.update, turn.context, turn.tr, turn.data
    if not {"line_id", "amount", "spent_on", "description"} <= data.keys():
        await stale_button(update, context)
        return None
    await answer(update, context)
    if not await _record(update, context, data):
        await REALISING.end(update, context)
        await reply(update, context, tr._(REMOVED))
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
            percent=view.percent(tr, line.realised, line.allocation),
        ),
    )
    return flows.END


REALISING: Flow[Step] = Flow(
    REALISE,
    [
        Ask(Step.LINE, ask_line, [text(take_words), press(btn.RealiseLine, take_line)]),
        Ask(Step.AMOUNT, ask_amount, [text(take_amount)]),
        Ask(Step.DAY, ask_day, [text(take_day), press(btn.TODAY, take_today)]),
        Ask(Step.WHAT, ask_what, [text(take_what)]),
        Ask(
            Step.RECEIPT,
            ask_receipt,
            [message(ptb_filters.PHOTO, take_receipt), press(btn.NO_RECEIPT, take_no_receipt)],
            unusable=[
                unusable(
                    ~ptb_filters.COMMAND,
                    N_("Please send the receipt as a photo, or press No receipt."),
                )
            ],
        ),
        Ask(
            Step.CONFIRM,
            ask_confirm,
            [press(btn.SUBMIT, take_submit)],
            unusable=[unusable(TEXT, N_("Please choose one of the buttons."))],
        ),
    ],
    entry=[on(btn.REALISE, realise_begin)],
    cancel=Cancel(N_("Cancelled. Nothing was recorded."), pattern=btn.CANCEL),
    lapse=Lapse(N_("That took a while, so I stopped. Start again from /admin."), keep=False),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [REALISING.handler()]


PART = Feature(
    name="budget_realise",
    order=42,
    handlers=_handlers,
    admin_menu=(AdminItem("budget_realise", N_("Record realisation"), order=41),),
)
