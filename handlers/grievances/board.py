"""/pengaduan: the board's queue, a report's card, and what the board does with a report.

A board member excluded from a Perilaku pengurus report never sees it: the queue leaves it
out and every button on it refuses them as a stale button would (storage.for_board).
"""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import confirm, flows
from bot.access import BoardConversation, answer, board_only, private_only, reply, stale_button
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing, notify
from bot.i18n import Translator
from bot.keyboards import column, keyboard
from handlers import moderation
from handlers.grievances.view import (
    CATEGORY_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
    arm_all,
    card,
    excerpt,
    queue_line,
    send_pages,
    status,
    status_change_render,
    tell_escalation_chat,
    tell_reporter,
)
from rules.grievance_status import Action, Refused, Status, allowed
from rules.validate import Invalid, text_length
from storage import people
from storage.flows import steps as flow_rows
from storage.grievances import actions
from storage.grievances import reports as store
from storage.grievances.reports import Grievance, QueueFilter

BOARD = "grievance_board"
PAGE = 8
STATUS_FILTERS = ("open", "diterima", "diverifikasi", "diproses", "selesai", "ditolak")
TEXT_MAX = 2000


class Step(IntEnum):
    TEXT = 1


def _id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _data(update: Update) -> str:
    query = update.callback_query
    return (query.data or "") if query else ""


# ---- the queue -------------------------------------------------------------------------------
def parse_filter(raw: str) -> tuple[QueueFilter, int] | None:
    """grv:q:<status>:<category>:<overdue>:<page>"""
    parts = raw.split(":")
    if len(parts) != 4:
        return None
    state, cat, overdue, page = parts
    if state not in STATUS_FILTERS or (cat != "all" and cat not in CATEGORY_LABELS):
        return None
    if overdue not in ("0", "1") or not page.isdigit() or len(page) > 4:
        return None
    return QueueFilter(state, None if cat == "all" else cat, overdue == "1"), int(page)


def filter_data(flt: QueueFilter, page: int = 0, **change: Any) -> str:
    state = change.get("status", flt.status or "open")
    cat = change.get("category", flt.category) or "all"
    overdue = change.get("overdue", flt.overdue)
    return f"grv:q:{state}:{cat}:{int(overdue)}:{page}"


@board_only
@private_only("admin")
async def board_queue(update: Update, context: BKMContext) -> None:
    """/pengaduan: reports by age, filtered by status, category and overdue."""
    parsed: tuple[QueueFilter, int] | None = (QueueFilter("open"), 0)
    if _data(update).startswith("grv:q:"):
        parsed = parse_filter(_data(update).removeprefix("grv:q:"))
    if parsed is None:
        await stale_button(update, context)
        return
    flt, page = parsed
    await answer(update, context)
    tr = context.tr
    found, total = await context.db.read(
        store.queue, context.person.id, flt, limit=PAGE, offset=page * PAGE
    )
    state_label = (
        tr._("still open") if flt.status == "open" else status(tr, flt.status or "diterima")
    )
    header = tr._("<b>Reports: {status}</b> · {category}{overdue} · {n} in all").format(
        status=state_label,
        category=tr._(CATEGORY_LABELS[flt.category]) if flt.category else tr._("all categories"),
        overdue=" · " + tr._("overdue only") if flt.overdue else "",
        n=total,
    )
    now = context.clock.now()
    lines = [header] + [queue_line(tr, g, now) for g in found]
    if not found:
        lines.append(tr._("No reports here."))
    rows: list[list[tuple[str, str]]] = [[(g.ref, f"grv:b:{g.id}")] for g in found]
    nav = []
    if page > 0:
        nav.append(("◀", filter_data(flt, page - 1)))
    if (page + 1) * PAGE < total:
        nav.append(("▶", filter_data(flt, page + 1)))
    if nav:
        rows.append(nav)
    rows.append(
        [(tr._("Still open"), filter_data(flt, status="open"))]
        + [
            (tr._(STATUS_LABELS[Status(s)]), filter_data(flt, status=s))
            for s in STATUS_FILTERS[1:4]
        ]
    )
    rows.append(
        [(tr._(STATUS_LABELS[Status(s)]), filter_data(flt, status=s)) for s in STATUS_FILTERS[4:]]
        + [(tr._("Overdue") if not flt.overdue else tr._("All"), filter_data(
            flt, overdue=not flt.overdue))]
    )  # fmt: skip
    codes = [None, *CATEGORY_LABELS]
    following = codes[(codes.index(flt.category) + 1) % len(codes)]
    rows.append(
        [
            (
                tr._("Category: {next}").format(
                    next=tr._(CATEGORY_LABELS[following]) if following else tr._("all")
                ),
                filter_data(flt, category=following or "all"),
            )
        ]
    )
    rows.append([(tr._("File a report for a resident"), "grv:behalf")])
    await reply(update, context, "\n".join(lines), reply_markup=keyboard(rows))


# ---- one report ------------------------------------------------------------------------------
async def load_for_board(update: Update, context: BKMContext, raw: str) -> Grievance | None:
    grievance_id = _id(raw)
    if grievance_id is None:
        return None
    try:
        return await context.db.read(store.for_board, grievance_id, context.person.id)
    except store.NotFound:
        return None


def action_buttons(
    tr: Translator, grievance: Grievance, evidence: int, reject_token: str | None = None
) -> Any:
    gid = grievance.id
    rows: list[list[tuple[str, str]]] = []
    possible = allowed(grievance.facts)
    status_row = []
    if Action.VERIFY in possible:
        status_row.append((tr._("Verify"), f"grv:do:verify:{gid}"))
    if Action.PROCESS in possible:
        status_row.append((tr._("Take it"), f"grv:do:take:{gid}"))
        status_row.append((tr._("Assign"), f"grv:asg:{gid}"))
    if Action.RESOLVE in possible:
        status_row.append((tr._("Resolve"), f"grv:do:resolve:{gid}"))
    if status_row:
        rows.append(status_row)
    if Action.REJECT in possible and reject_token is not None:
        rows.append([(tr._("Reject"), confirm.data(f"grv:do:reject:{gid}", reject_token))])
    rows.append([(tr._("Reply to the reporter"), f"grv:do:reply:{gid}")])
    extra = []
    if evidence:
        extra.append((tr._("Evidence ({n})").format(n=evidence), f"grv:ev:{gid}"))
    if grievance.status.is_open and grievance.level != store.LEVELS[-1]:
        extra.append((tr._("Raise level"), f"grv:lvl:{gid}"))
    if extra:
        rows.append(extra)
    if grievance.public and grievance.hidden_reason is None:
        rows.append([(tr._("Hide public summary"), f"grv:do:hide:{gid}")])
    return keyboard(rows)


async def show_card(update: Update, context: BKMContext, grievance: Grievance) -> None:
    timeline = await context.db.read(store.messages, grievance.id)
    evidence = await context.db.read(store.evidence, grievance.id)
    ids = [i for i in (grievance.reporter_id, grievance.assignee_id) if i]
    names = await context.db.read(store.names, ids)
    text = card(
        context.tr,
        grievance,
        names=names,
        evidence_count=len(evidence),
        board=True,
        timeline=timeline,
    )
    reject_token = None
    if Action.REJECT in allowed(grievance.facts):
        reject_token = await confirm.issue(context, confirm.GRIEVANCE_REJECT, grievance.id)
    markup = action_buttons(context.tr, grievance, len(evidence), reject_token)
    await send_pages(update, context, text, markup)


@board_only
@private_only("admin")
async def open_card(update: Update, context: BKMContext) -> None:
    grievance = await load_for_board(update, context, _data(update).removeprefix("grv:b:"))
    if grievance is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    await show_card(update, context, grievance)


@board_only
@private_only("admin")
async def send_evidence(update: Update, context: BKMContext) -> None:
    """The bot re-sends each piece of evidence by its Telegram file_id."""
    grievance = await load_for_board(update, context, _data(update).removeprefix("grv:ev:"))
    if grievance is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    bot = context.bot
    senders = {
        "photo": bot.send_photo,
        "voice": bot.send_voice,
        "audio": bot.send_audio,
        "video": bot.send_video,
        "document": bot.send_document,
    }
    for number, item in enumerate(await context.db.read(store.evidence, grievance.id), 1):
        caption = f"{grievance.ref} · {number}"
        if item.file_id is None:
            await reply(update, context, context.tr._("{ref}: erased").format(ref=caption))
            continue
        try:
            await senders[item.kind](chat.id, item.file_id, caption=caption)
        except TelegramError:
            await reply(
                update,
                context,
                context.tr._("{ref}: Telegram no longer has this file.").format(ref=caption),
            )


@board_only
@private_only("admin")
async def confirm_level(update: Update, context: BKMContext) -> None:
    """grv:lvl:<id>: ask before raising the level (the escalation chat will be told)."""
    grievance = await load_for_board(update, context, _data(update).removeprefix("grv:lvl:"))
    level = actions.next_level(grievance) if grievance else None
    if grievance is None or level is None or not grievance.status.is_open:
        await stale_button(update, context)
        return
    await answer(update, context)
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Raise {ref} to the {level} level? The board's escalation contact is told.").format(
            ref=grievance.ref, level=tr._(LEVEL_LABELS[level])
        ),
        reply_markup=keyboard([[(tr._("Yes, raise it"), f"grv:up:{grievance.id}:{level}")]]),
    )


@board_only
@private_only("admin")
async def raise_level(update: Update, context: BKMContext) -> None:
    raw, _, level = _data(update).removeprefix("grv:up:").partition(":")
    grievance_id = _id(raw)
    try:
        if grievance_id is None:
            raise store.NotFound
        changed = await context.db.write(
            actions.raise_level,
            grievance_id=grievance_id,
            board_id=context.person.id,
            to=level,
            now=context.clock.now(),
        )
    except (store.NotFound, Refused):
        await stale_button(update, context)
        return
    await answer(update, context)
    await reply(
        update,
        context,
        context.tr._("Report {ref} is now at the {level} level.").format(
            ref=changed.after.ref, level=context.tr._(LEVEL_LABELS[changed.after.level])
        ),
    )
    await tell_escalation_chat(context.application, changed.after)


@board_only
@private_only("admin")
async def choose_assignee(update: Update, context: BKMContext) -> None:
    grievance = await load_for_board(update, context, _data(update).removeprefix("grv:asg:"))
    if grievance is None or Action.PROCESS not in allowed(grievance.facts):
        await stale_button(update, context)
        return
    await answer(update, context)
    shut_out = await context.db.read(store.excluded, grievance.id)
    board = [p for p in await context.db.read(people.board_members) if p.id not in shut_out]
    options = [
        (p.full_name or p.display_name or str(p.id), f"grv:do:to{p.id}:{grievance.id}")
        for p in board[:90]
    ]
    await reply(
        update,
        context,
        context.tr._("Who handles {ref}?").format(ref=grievance.ref),
        reply_markup=column(options),
    )


# ---- actions that need a text: status changes, replies, hiding -------------------------------
NEEDS = {
    "verify": Action.VERIFY,
    "take": Action.PROCESS,
    "assign": Action.PROCESS,
    "resolve": Action.RESOLVE,
    "reject": Action.REJECT,
}


def possible(grievance: Grievance, op: str) -> bool:
    """Whether the button still fits the report (a stale card, a forged press)."""
    if op in NEEDS:
        return NEEDS[op] in allowed(grievance.facts)
    if op == "hide":
        return grievance.public and grievance.hidden_reason is None
    return op == "reply"


@board_only
@private_only("admin")
async def begin_text(update: Update, context: BKMContext) -> int | None:
    """grv:do:<op>:<id>: ask for the reason, the answer or the reply, then apply it."""
    op, _, raw = _data(update).removeprefix("grv:do:").partition(":")
    if op == "reject":  # grv:do:reject:<id>:<one-time token>
        raw = raw.partition(":")[0]
    assignee: int | None = None
    if op.startswith("to") and _id(op[2:]) is not None:
        assignee, op = _id(op[2:]), "assign"
    grievance = await load_for_board(update, context, raw)
    if grievance is None or not possible(grievance, op):
        await stale_button(update, context)
        return flows.END
    if assignee is not None:
        member = await context.db.read(people.by_id, assignee)
        if member is None or not member.is_board:
            await stale_button(update, context)
            return flows.END
    if op == "reject":  # the card's one-time token; the typed reason rejects the draft's report
        try:
            await confirm.consume(update, context, confirm.GRIEVANCE_REJECT, grievance.id)
        except confirm.Refused:
            return None  # a step of this flow that was waiting keeps waiting
    await answer(update, context)
    tr = context.tr
    questions = {
        "verify": tr._("Verifying {ref}. Write a short note for the reporter (the reason)."),
        "take": tr._("You take {ref}. Write a short note for the reporter (what happens next)."),
        "assign": tr._("Assigning {ref}. Write a short note for the reporter (the reason)."),
        "resolve": tr._("Resolving {ref}. Write the answer to the reporter."),
        "reject": tr._("Rejecting {ref}. Write the reason; it is sent to the reporter."),
        "reply": tr._("Write your reply to the reporter of {ref}."),
        "hide": "{ref}: " + moderation.ask_reason(context),
    }
    data = {"grievance_id": grievance.id, "op": op, "assignee": assignee}
    await flows.save_step(update, context, BOARD, Step.TEXT, data)
    await reply(update, context, questions[op].format(ref=grievance.ref))
    return Step.TEXT


async def text_given(update: Update, context: BKMContext) -> int | None:
    assert update.message is not None
    draft = await flows.load(context, BOARD)
    if draft is None or flows.is_idle(context, draft):
        await flows.end_flow(update, context, BOARD, keep=False)
        await reply(
            update, context, context.tr._("That took too long; please press the button again.")
        )
        return flows.END
    tr = context.tr
    if draft.data["op"] == "hide":
        return await hide_given(update, context, draft.data["grievance_id"])
    try:
        text = text_length(update.message.text or "", 3, TEXT_MAX)
    except Invalid as exc:
        await reply(update, context, exc.text(tr))
        return None
    data = draft.data
    op = data["op"]
    board_id = context.person.id
    now = context.clock.now()
    key = flows.conversation_key_of(update)

    def apply(conn: Any) -> actions.Changed:
        gid = data["grievance_id"]
        if op == "reply":
            result = actions.board_reply(
                conn, grievance_id=gid, board_id=board_id, text=text, now=now
            )
        else:
            action = NEEDS[op]
            assignee = board_id if op == "take" else data.get("assignee")
            result = actions.act(
                conn,
                grievance_id=gid,
                board_id=board_id,
                action=action,
                text=text,
                assignee_id=assignee,
                now=now,
                keep_evidence=timedelta(days=context.settings.retention_evidence_days),
            )
        flow_rows.end(conn, person_id=board_id, flow=BOARD, conversation_key=key, keep=False)
        return result

    try:
        changed = await context.db.write(apply)
    except (Refused, store.NotFound):
        await flows.end_flow(update, context, BOARD, keep=False)
        await reply(
            update, context, tr._("That is not possible any more: the report has changed.")
        )
        return flows.END
    arm_all(context.application, changed.schedules)
    grievance = changed.after
    if op == "reply":
        await reply(update, context, tr._("Reply saved for {ref}.").format(ref=grievance.ref))
        await tell_reporter(context.application, grievance, reply_render(grievance, text))
    else:
        await reply(
            update,
            context,
            tr._("{ref} is now: {status}.").format(
                ref=grievance.ref, status=status(tr, grievance.status)
            ),
        )
        await tell_reporter(context.application, grievance, status_change_render(grievance, text))
        assignee = grievance.assignee_id
        if op == "assign" and assignee is not None and assignee != board_id:
            await notify(
                context.application,
                [assignee],
                assigned_render(grievance),
                kind="grievance.assigned",
            )
    return flows.END


async def hide_given(update: Update, context: BKMContext, grievance_id: int) -> int | None:
    """The reason for hiding a public summary: through the one moderation seam (checked,
    stored, audited and confirmed as /admin › Hide public content does)."""
    if await moderation.abandoned(update, context, BOARD):
        return flows.END
    try:
        grievance = await context.db.read(store.for_board, grievance_id, context.person.id)
    except store.NotFound:
        grievance = None
    reference = None
    if grievance is not None:
        reference = await context.db.read(actions.find_public, grievance.ref)
    if reference is None:
        await flows.end_flow(update, context, BOARD, keep=False)
        await reply(
            update,
            context,
            context.tr._("That is not possible any more: the report has changed."),
        )
        return flows.END
    hidden = await moderation.hide_with_reason(
        update, context, flow=BOARD, object_type=actions.MODERATION_TYPE, object_id=reference
    )
    return flows.END if hidden else None


def reply_render(grievance: Grievance, text: str) -> Any:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("The board replied about your report {ref}:\n{text}").format(
                ref=grievance.ref, text=excerpt(text)
            )
        )

    return render


def assigned_render(grievance: Grievance) -> Any:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("Report {ref} was assigned to you. Open it: /pengaduan").format(ref=grievance.ref)
        )

    return render


async def text_cancel(update: Update, context: BKMContext) -> int:
    await flows.end_flow(update, context, BOARD, keep=False)
    await reply(update, context, context.tr._("Cancelled. Nothing was changed."))
    return flows.END


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        BoardConversation(
            name=BOARD,
            persistent=True,
            entry_points=[CallbackQueryHandler(begin_text, pattern=r"^grv:do:")],
            states={Step.TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text_given)]},
            fallbacks=[CommandHandler(["batal", "cancel"], text_cancel)],
            allow_reentry=True,
        ),
        CommandHandler(["pengaduan", "grievances"], board_queue),
        CallbackQueryHandler(board_queue, pattern=r"^(adm:grievances|grv:q:)"),
        CallbackQueryHandler(open_card, pattern=r"^grv:b:"),
        CallbackQueryHandler(send_evidence, pattern=r"^grv:ev:"),
        CallbackQueryHandler(confirm_level, pattern=r"^grv:lvl:"),
        CallbackQueryHandler(raise_level, pattern=r"^grv:up:"),
        CallbackQueryHandler(choose_assignee, pattern=r"^grv:asg:"),
    ]
