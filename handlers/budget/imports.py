"""/admin → Impor anggaran: a board member sends the CSV or XLSX file.

Every bad row is listed and nothing changes; a good file shows the diff first (added,
removed, changed, realisation conflicts) and is applied, whole, only when confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import io
from enum import IntEnum
from typing import Any

from telegram import Document, InputFile, Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler
from telegram.ext import filters as ptb_filters

from bot import flows
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import AdminItem, Feature
from bot.flowrunner import TEXT, Ask, Cancel, Flow, Lapse, Turn, message, press, unusable
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from bot.paginate import paginate
from handlers.budget import buttons as btn
from handlers.budget import view as text
from handlers.budget.spreadsheet import MAX_FILE_BYTES, Parsed, parse
from storage import budget
from storage.flows import steps as flow_rows
from storage.people import Role

IMPORT = "budget_import"
PROBLEM_PAGES = 3  # more problems than fit here go as an attached list too
IGNORED = "ignored"  # the draft's columns of the checked file that were not read
NOT_A_FILE = N_("Please send the budget as a file (CSV or XLSX).")


class Step(IntEnum):
    FILE = 1
    CONFIRM_IMPORT = 2


# ---- import ------------------------------------------------------------------------------------
@board_only
@private_only("admin")
async def import_begin(update: Update, context: BKMContext) -> int:
    return await IMPORTING.go(update, context, Step.FILE, {})


async def ask_file(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "Send the budget file (CSV or XLSX) as a document. Columns: tahun, program, "
            "kegiatan, bidang, sumber_dana, rw, ksm, anggaran; optional: realisasi, usulan, "
            "disalurkan, kembali, tunggakan. The years in the file are replaced by its lines; "
            "nothing changes until you confirm. Send /batal to stop."
        ),
    )


async def _download(context: BKMContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


async def _parse(content: bytes) -> Parsed:
    return await asyncio.to_thread(parse, content)


async def _tell_problems(update: Update, context: BKMContext, parsed: Parsed) -> None:
    tr = context.tr
    pages = paginate(text.problem_blocks(tr, parsed.problems))
    for page in pages[:PROBLEM_PAGES]:
        await reply(update, context, page)
    if len(pages) > PROBLEM_PAGES or len(parsed.problems) > 150:
        listing = "\n".join(p.text(tr) for p in parsed.problems).encode("utf-8")
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_document(
            chat.id,
            InputFile(io.BytesIO(listing), filename="masalah-impor.txt"),
            caption=tr._("Every problem in the file, one per line."),
        )
    await reply(update, context, tr._("Fix the file and send it again, or send /batal."))


async def _content(update: Update, context: BKMContext, document: Document | None) -> bytes | None:
    """The file's bytes, or None after saying why not (not a file, too large, not downloaded)."""
    tr = context.tr
    if document is None:
        await reply(update, context, tr._(NOT_A_FILE))
        return None
    if (document.file_size or 0) > MAX_FILE_BYTES:
        await reply(update, context, tr._("That file is too large (at most 20 MB)."))
        return None
    try:
        return await _download(context, document.file_id)
    except TelegramError:
        await reply(update, context, tr._("I could not download that file. Please send it again."))
        return None


async def take_file(turn: Turn[Step]) -> Step | None:
    """The file: check every row; show the problems (the step stays), or the diff to confirm."""
    content = await _content(turn.update, turn.context, turn.message.document)
    if content is None:
        return None
    parsed = await _parse(content)
    if not parsed.ok:
        await _tell_problems(turn.update, turn.context, parsed)
        return None
    # Parsed once: the confirm step applies these lines, it never reads the file again.
    turn.data["lines"] = [list(dataclasses.astuple(line)) for line in parsed.lines]
    turn.data.pop(IGNORED, None)
    if parsed.ignored_columns:
        turn.data[IGNORED] = list(parsed.ignored_columns)
    return Step.CONFIRM_IMPORT


def _lines(data: dict[str, Any]) -> list[budget.LineInput]:
    return [budget.LineInput(*values) for values in data["lines"]]


async def ask_confirm(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    """The diff of the checked file against the budget, and Import / Cancel."""
    tr = context.tr
    report = await context.db.read(budget.preview, _lines(data))
    blocks = text.report_blocks(tr, report, applied=False)
    if data.get(IGNORED):
        blocks.append(
            tr._("Columns ignored: {columns}").format(
                columns=html.escape(", ".join(data[IGNORED]))
            )
        )
    pages = paginate(blocks)
    for page in pages[:-1]:
        await reply(update, context, page)
    await reply(
        update,
        context,
        pages[-1],
        reply_markup=keyboard(
            [[(tr._("Import"), btn.IMPORT_OK.data), (tr._("Cancel"), btn.IMPORT_NO.data)]]
        ),
    )


async def take_confirm(turn: Turn[Step]) -> int:
    """Apply the file that was checked, whole, with the flow's end, in one transaction."""
    update, context = turn.update, turn.context
    if not isinstance(turn.data.get("lines"), list):
        await stale_button(update, context)
        return flows.END
    await answer(update, context)
    lines = _lines(turn.data)
    person = context.person
    key = flows.conversation_key_of(update)
    now = context.clock.now()

    def apply(conn: Any) -> budget.ImportReport:
        report = budget.apply_import(
            conn, lines, now=now, actor_id=person.id, actor_role=Role.BOARD.value
        )
        flow_rows.end(conn, person_id=person.id, flow=IMPORT, conversation_key=key, keep=False)
        return report

    report = await context.db.write(apply)
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(reply_markup=None)
    for page in paginate(text.report_blocks(context.tr, report, applied=True)):
        await reply(update, context, page)
    await tell_other_board_members(context, report)
    return flows.END


async def tell_other_board_members(context: BKMContext, report: budget.ImportReport) -> None:
    """Accountability: the rest of the board learns that the budget changed, and how much."""

    def render(tr: Translator) -> Outgoing:
        return Outgoing(text.report_blocks(tr, report, applied=True, show=0)[0])

    await outbox.notify_board(
        context.application, render, kind="budget.imported", exclude=[context.person.id]
    )


IMPORTING: Flow[Step] = Flow(
    IMPORT,
    [
        Ask(
            Step.FILE,
            ask_file,
            [message(ptb_filters.Document.ALL, take_file)],
            # a photo of the sheet, a text…
            unusable=[unusable(~ptb_filters.COMMAND, NOT_A_FILE)],
        ),
        Ask(
            Step.CONFIRM_IMPORT,
            ask_confirm,
            [
                press(btn.IMPORT_OK, take_confirm),
                message(ptb_filters.Document.ALL, take_file),  # another file instead
            ],
            unusable=[unusable(TEXT, N_("Please choose one of the buttons."))],
        ),
    ],
    entry=[on(btn.IMPORT, import_begin)],
    cancel=Cancel(N_("Cancelled. The budget was not changed."), pattern=btn.IMPORT_NO),
    lapse=Lapse(N_("That took a while, so I stopped. Start again from /admin."), keep=False),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [IMPORTING.handler()]


PART = Feature(
    name="budget_admin",
    order=41,
    handlers=_handlers,
    admin_menu=(AdminItem("budget_import", N_("Import budget"), order=40),),
)
