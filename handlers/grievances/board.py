"""/pengaduan: the board's queue, a report's card, and what the board does with a report.

A board member excluded from a Perilaku pengurus report never sees it: the queue leaves it
out and every button on it refuses them as a stale button would (storage.for_board).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CommandHandler

from bot import confirm, flows
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery.outbox import Outgoing, notify
from bot.flowrunner import END, Ask, Cancel, Flow, Lapse, Turn, text
from bot.i18n import N_, Translator
from bot.keyboards import column, keyboard
from handlers import moderation
from handlers.grievances import buttons as btn
from handlers.grievances.buttons import STATUS_FILTERS
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
from rules.validate import text_length
from storage import people
from storage.flows import steps as flow_rows
from storage.grievances import actions
from storage.grievances import reports as store
from storage.grievances.reports import Grievance, QueueFilter

BOARD = "grievance_board"
PAGE = 8
TEXT_MAX = 2000


class Step(IntEnum):
    TEXT = 1


# ---- the queue -------------------------------------------------------------------------------
@board_only
@private_only("admin")
async def board_queue(update: Update, context: BKMContext) -> None:
    """/pengaduan: reports by age, filtered by status, category and overdue."""
    flt, page = QueueFilter("open"), 0
    pressed = btn.Queue.of(update)  # a filter or page button (else /pengaduan, /admin's)
    if pressed is not None:
        flt, page = pressed.filter, pressed.page
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
    markup = keyboard(queue_buttons(tr, flt, page, found, total))
    await reply(update, context, "\n".join(lines), reply_markup=markup)


def queue_buttons(
    tr: Translator, flt: QueueFilter, page: int, found: list[Grievance], total: int
) -> list[list[tuple[str, str]]]:
    """A button per report, the pages, the filters, and filing for a resident."""
    rows: list[list[tuple[str, str]]] = [[(g.ref, btn.Card(g.id).data)] for g in found]
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
    rows.append([(tr._("File a report for a resident"), btn.BEHALF.data)])
    return rows


def filter_data(flt: QueueFilter, page: int = 0, **change: Any) -> str:
    return btn.Queue.showing(flt, page, **change).data


# ---- one report ------------------------------------------------------------------------------
async def load_for_board(
    update: Update, context: BKMContext, grievance_id: int
) -> Grievance | None:
    """The report as this board member may see it; None when absent or they are excluded."""
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
        status_row.append((tr._("Verify"), btn.Act("verify", gid).data))
    if Action.PROCESS in possible:
        status_row.append((tr._("Take it"), btn.Act("take", gid).data))
        status_row.append((tr._("Assign"), btn.Assignees(gid).data))
    if Action.RESOLVE in possible:
        status_row.append((tr._("Resolve"), btn.Act("resolve", gid).data))
    if status_row:
        rows.append(status_row)
    if Action.REJECT in possible and reject_token is not None:
        rows.append([(tr._("Reject"), btn.Act("reject", gid, reject_token).data)])
    rows.append([(tr._("Reply to the reporter"), btn.Act("reply", gid).data)])
    extra = []
    if evidence:
        extra.append((tr._("Evidence ({n})").format(n=evidence), btn.Evidence(gid).data))
    if grievance.status.is_open and grievance.level != store.LEVELS[-1]:
        extra.append((tr._("Raise level"), btn.Level(gid).data))
    if extra:
        rows.append(extra)
    if grievance.public and grievance.hidden_reason is None:
        rows.append([(tr._("Hide public summary"), btn.Act("hide", gid).data)])
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
    grievance = await load_for_board(update, context, btn.Card.pressed(update).grievance)
    if grievance is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    await show_card(update, context, grievance)


@board_only
@private_only("admin")
async def send_evidence(update: Update, context: BKMContext) -> None:
    """The bot re-sends each piece of evidence by its Telegram file_id."""
    grievance = await load_for_board(update, context, btn.Evidence.pressed(update).grievance)
    if grievance is None:
        await stale_button(update, context)
        return
    await answer(update, context)
    chat = update.effective_chat
    assert chat is not None
    bot = context.bot
    senders: dict[str, Callable[..., Awaitable[Any]]] = {
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
    """Ask before raising the level (the escalation chat will be told)."""
    grievance = await load_for_board(update, context, btn.Level.pressed(update).grievance)
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
        reply_markup=keyboard([[(tr._("Yes, raise it"), btn.Raise(grievance.id, level).data)]]),
    )


@board_only
@private_only("admin")
async def raise_level(update: Update, context: BKMContext) -> None:
    pressed = btn.Raise.pressed(update)
    try:
        changed = await context.db.write(
            actions.raise_level,
            grievance_id=pressed.grievance,
            board_id=context.person.id,
            to=pressed.level,
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
    grievance = await load_for_board(update, context, btn.Assignees.pressed(update).grievance)
    if grievance is None or Action.PROCESS not in allowed(grievance.facts):
        await stale_button(update, context)
        return
    await answer(update, context)
    shut_out = await context.db.read(store.excluded, grievance.id)
    board = [p for p in await context.db.read(people.board_members) if p.id not in shut_out]
    options = [
        (p.full_name or p.display_name or str(p.id), btn.Act.assign(p.id, grievance.id).data)
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
    """An action button: ask for the reason, the answer or the reply, then apply it."""
    pressed = btn.Act.pressed(update)
    op, assignee = pressed.action, pressed.assignee
    grievance = await load_for_board(update, context, pressed.grievance)
    if grievance is None or not possible(grievance, op):
        await stale_button(update, context)
        return END
    if assignee is not None:
        member = await context.db.read(people.by_id, assignee)
        if member is None or not member.is_board:
            await stale_button(update, context)
            return END
    if op == "reject":  # the card's one-time token; the typed reason rejects the draft's report
        try:
            await confirm.consume(update, context, confirm.GRIEVANCE_REJECT, grievance.id)
        except confirm.Refused:
            return None  # a step of this flow that was waiting keeps waiting
    data = {"grievance_id": grievance.id, "op": op, "assignee": assignee}
    return await BOARD_FLOW.go(update, context, Step.TEXT, data)


async def ask_text(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
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
    grievance = await context.db.read(store.get, data["grievance_id"])
    ref = grievance.ref if grievance is not None else "-"
    await reply(update, context, questions[data["op"]].format(ref=ref))


async def take_text(turn: Turn[Step]) -> int | None:
    """The typed note, answer, reply or hiding reason: applied, and those concerned told."""
    update, context, data = turn.update, turn.context, turn.data
    if data["op"] == "hide":
        return await hide_given(update, context, data["grievance_id"])
    note = text_length(turn.value, 3, TEXT_MAX)  # or Invalid: the reason, asked again
    try:
        changed = await context.db.write(apply_text(update, context, data, note))
    except (Refused, store.NotFound):
        await flows.end_flow(update, context, BOARD, keep=False)
        await reply(
            update, context, turn.tr._("That is not possible any more: the report has changed.")
        )
        return END
    arm_all(context.application, changed.schedules)
    await tell_after_text(update, context, data["op"], changed.after, note)
    return END


def apply_text(
    update: Update, context: BKMContext, data: dict[str, Any], note: str
) -> Callable[[Any], actions.Changed]:
    """The transaction: the reply or the status change, and the end of the flow."""
    op = data["op"]
    board_id = context.person.id
    now = context.clock.now()
    key = flows.conversation_key_of(update)
    keep_evidence = timedelta(days=context.settings.retention_evidence_days)

    def apply(conn: Any) -> actions.Changed:
        gid = data["grievance_id"]
        if op == "reply":
            result = actions.board_reply(
                conn, grievance_id=gid, board_id=board_id, text=note, now=now
            )
        else:
            result = actions.act(
                conn,
                grievance_id=gid,
                board_id=board_id,
                action=NEEDS[op],
                text=note,
                assignee_id=board_id if op == "take" else data.get("assignee"),
                now=now,
                keep_evidence=keep_evidence,
            )
        flow_rows.end(conn, person_id=board_id, flow=BOARD, conversation_key=key, keep=False)
        return result

    return apply


async def tell_after_text(
    update: Update, context: BKMContext, op: str, grievance: Grievance, note: str
) -> None:
    """Confirm to the board member; tell the reporter, and a new assignee."""
    tr = context.tr
    if op == "reply":
        await reply(update, context, tr._("Reply saved for {ref}.").format(ref=grievance.ref))
        await tell_reporter(context.application, grievance, reply_render(grievance, note))
        return
    await reply(
        update,
        context,
        tr._("{ref} is now: {status}.").format(
            ref=grievance.ref, status=status(tr, grievance.status)
        ),
    )
    await tell_reporter(context.application, grievance, status_change_render(grievance, note))
    assignee = grievance.assignee_id
    if op == "assign" and assignee is not None and assignee != context.person.id:
        await notify(
            context.application,
            [assignee],
            assigned_render(grievance),
            kind="grievance.assigned",
        )


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


BOARD_FLOW: Flow[Step] = Flow(
    BOARD,
    [Ask(Step.TEXT, ask_text, [text(take_text)])],
    entry=[on(btn.Act, begin_text)],
    cancel=Cancel(N_("Cancelled. Nothing was changed.")),
    lapse=Lapse(N_("That took too long; please press the button again."), keep=False),
    board=True,
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        BOARD_FLOW.handler(),
        CommandHandler(["pengaduan", "grievances"], board_queue),
        on(btn.QUEUE, board_queue),
        on(btn.Queue, board_queue),
        on(btn.Card, open_card),
        on(btn.Evidence, send_evidence),
        on(btn.Level, confirm_level),
        on(btn.Raise, raise_level),
        on(btn.Assignees, choose_assignee),
    ]
