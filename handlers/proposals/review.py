"""The board's side of proposals: /tinjau, status changes with reasons, progress.

Hiding a proposal or a progress note goes through the moderation seam (handlers/moderation.py,
storage/moderation.py) from the detail view's buttons here or from /admin › Hide public content."""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import confirm, flows
from bot.access import answer, ask_again, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.flowrunner import (
    END,
    Answer,
    Ask,
    Cancel,
    Flow,
    Question,
    Take,
    Turn,
    message,
    press,
    text,
    unusable,
)
from bot.i18n import N_, Translator
from bot.keyboards import keyboard
from handlers import moderation
from handlers.proposals import buttons
from handlers.proposals.browse import PAGE, list_line, list_markup
from handlers.proposals.view import cost_text, shown_title, status_label
from rules.amounts import parse_amount
from rules.proposal_status import Actor, InvalidTransition, Status, needs_plan, needs_reason
from rules.validate import text_length
from storage import proposals
from storage.flows import steps as flow_rows

FLOW = "proposal_review"


class Step(IntEnum):
    REASON = 1
    COST = 2
    PERIOD = 3
    PERCENT = 4
    NOTE = 5
    PHOTO = 6
    HIDE = 7


# ---- the queue --------------------------------------------------------------------------------
async def send_queue(update: Update, context: BKMContext, page: int = 0) -> None:
    """/tinjau: baru and terverifikasi, "didukung warga" first, then the oldest."""
    tr = context.tr
    threshold = context.settings.endorsement_threshold
    items, total = await context.db.read(
        proposals.review_queue, threshold=threshold, offset=page * PAGE, limit=PAGE
    )
    if not total:
        await reply(update, context, tr._("No proposals are waiting for review."))
        return
    pages = max(1, -(-total // PAGE))
    text = (
        tr.ngettext(
            "<b>Review</b>: {n} proposal waits (page {page} of {pages}).",
            "<b>Review</b>: {n} proposals wait (page {page} of {pages}).",
            total,
        ).format(n=total, page=page + 1, pages=pages)
        + "\n\n"
        + "\n\n".join(list_line(tr, p, threshold) for p in items)
    )
    await reply(
        update,
        context,
        text,
        reply_markup=list_markup(
            tr, items, page=page, pages=pages, nav=lambda to: buttons.QueuePage(to).data
        ),
    )


@board_only
@private_only("tinjau")
async def queue_page(update: Update, context: BKMContext) -> None:
    await send_queue(update, context, buttons.QueuePage.pressed(update).page)


@board_only
@private_only("tinjau")
async def queue_command(update: Update, context: BKMContext) -> None:
    await send_queue(update, context)


# ---- status changes -----------------------------------------------------------------------------
@board_only
@private_only("tinjau")
async def transition_pressed(update: Update, context: BKMContext) -> int | None:
    """A status button: done at once, or asking for the reason / the board's plan first."""
    press = buttons.Transition.pressed(update)
    proposal_id, target = press.proposal, press.target
    found = await context.db.read(proposals.get, proposal_id)
    if found is None or found.status is not press.current:
        await answer(
            update, context, context.tr._("This proposal has changed; open it again."), alert=True
        )
        return flows.END
    if target is Status.REJECTED:  # the detail view's token; the reason rejects the draft's one
        try:
            await confirm.consume(update, context, confirm.PROPOSAL_REJECT, proposal_id)
        except confirm.Refused:
            return None  # a step of this flow that was waiting keeps waiting
    data = {"id": proposal_id, "target": target.value, "expected": press.current.value}
    if needs_reason(target):
        return await REVIEW.go(update, context, Step.REASON, data)
    if needs_plan(target):
        return await REVIEW.go(update, context, Step.COST, data)
    await apply_transition(update, context, data)
    return END


async def reference_of(context: BKMContext, proposal_id: int) -> str:
    """The proposal's number, for a step's question (read again at each asking)."""
    found = await context.db.read(proposals.get, proposal_id)
    return found.reference if found is not None else "-"


async def ask_status_reason(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._(
            "Why? Your reason is shown publicly and sent to the proposer ({ref})."
        ).format(ref=await reference_of(context, data["id"])),
    )


async def ask_cost(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    found = await context.db.read(proposals.get, data["id"])
    same = None
    if found is not None and found.estimated_cost:
        label = tr._("Same as proposed: {cost}").format(cost=tr.money(found.estimated_cost))
        same = keyboard([[(label, buttons.SAME_COST.data)]])
    await reply(
        update,
        context,
        tr._("The board's cost estimate for {ref}? For example 15 juta.").format(
            ref=found.reference if found is not None else "-"
        ),
        reply_markup=same,
    )


async def ask_period(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("When is it planned to be carried out? For example: Juli–Agustus 2027."),
    )


async def apply_transition(
    update: Update, context: BKMContext, data: dict[str, Any], *, close_flow: bool = False
) -> bool:
    """One transaction: the status change, its trail row and audit (and the flow's end)."""
    board_id = context.person.id
    key = flows.conversation_key_of(update)
    now = context.clock.now()

    def change(conn: Any) -> tuple[proposals.Proposal, proposals.Proposal]:
        result = proposals.transition(
            conn,
            proposal_id=data["id"],
            target=Status(data["target"]),
            actor_id=board_id,
            actor=Actor.BOARD,
            now=now,
            reason=data.get("reason"),
            board_cost=data.get("cost"),
            planned_period=data.get("period"),
            expected=Status(data["expected"]),
        )
        if close_flow:
            flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return result

    tr = context.tr
    try:
        _, after = await context.db.write(change)
    except (InvalidTransition, proposals.NotFound):
        if close_flow:
            await flows.end_flow(update, context, FLOW, keep=False)
        await answer(
            update, context, tr._("This proposal has changed; open it again."), alert=True
        )
        if update.callback_query is None:
            await reply(update, context, tr._("This proposal has changed; open it again."))
        return False
    await answer(update, context)
    await reply(
        update,
        context,
        tr._("{ref} is now: {status}. The proposer has been told.").format(
            ref=after.reference, status=status_label(tr, after.status)
        ),
    )
    await tell_proposer(context, after, data.get("reason"))
    return True


async def tell_proposer(
    context: BKMContext, proposal: proposals.Proposal, reason: str | None
) -> None:
    """A notification to the proposer, in their language, with the board's reason."""

    def render(tr: Translator) -> Outgoing:
        lines = [
            tr._("Your proposal {ref} ({title}) is now: {status}.").format(
                ref=proposal.reference,
                title=html.escape(proposal.title),
                status=status_label(tr, proposal.status),
            )
        ]
        if reason:
            lines.append(tr._("Reason: {reason}").format(reason=html.escape(reason)))
        if proposal.status is Status.ACCEPTED:
            lines.append(
                tr._("Board's cost estimate: {cost}").format(
                    cost=cost_text(tr, proposal.board_cost)
                )
            )
            lines.append(
                tr._("Planned for: {period}").format(
                    period=html.escape(proposal.planned_period or "-")
                )
            )
        if proposal.status is Status.REVISION:
            lines.append(tr._('Open the proposal and press "Revise my proposal".'))
        return Outgoing(
            "\n".join(lines), buttons=(((tr._("View proposal"), buttons.View(proposal.id).data),),)
        )

    if proposal.proposer_id is not None:
        await outbox.notify(
            context.application, [proposal.proposer_id], render, kind="proposal.status"
        )


async def take_status_reason(turn: Turn[Step]) -> int:
    turn.data["reason"] = text_length(turn.value, 5, 500)  # or Invalid: said, step stays
    await apply_transition(turn.update, turn.context, turn.data, close_flow=True)
    return END


async def take_same_cost(turn: Turn[Step]) -> Step | None:
    found = await turn.context.db.read(proposals.get, turn.data["id"])
    if found is None or not found.estimated_cost:
        await stale_button(turn.update, turn.context)
        return None
    turn.data["cost"] = found.estimated_cost
    return Step.PERIOD


async def take_cost(turn: Turn[Step]) -> Step:
    turn.data["cost"] = parse_amount(
        turn.value, turn.tr.language, ceiling=turn.context.settings.cost_ceiling
    )
    return Step.PERIOD


async def take_period(turn: Turn[Step]) -> int:
    turn.data["period"] = text_length(turn.value, 3, 100)
    await apply_transition(turn.update, turn.context, turn.data, close_flow=True)
    return END


# ---- progress -----------------------------------------------------------------------------------
@board_only
@private_only("tinjau")
async def progress_pressed(update: Update, context: BKMContext) -> int:
    proposal_id = buttons.Progress.pressed(update).proposal
    found = await context.db.read(proposals.get, proposal_id)
    if found is None or found.status.value not in ("didanai", "dikerjakan"):
        await stale_button(update, context)
        return flows.END
    return await REVIEW.go(update, context, Step.PERCENT, {"id": found.id})


async def ask_percent(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(
        update,
        context,
        context.tr._("Progress of {ref}: how many percent is done (0 to 100)?").format(
            ref=await reference_of(context, data["id"])
        ),
    )


async def ask_note(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    await reply(update, context, context.tr._("A short note on what was done?"))


async def ask_photo(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    tr = context.tr
    await reply(
        update,
        context,
        tr._("Send one photo of the work, or skip."),
        reply_markup=keyboard([[(tr._("Skip"), buttons.SKIP_PHOTO.data)]]),
    )


async def take_percent(turn: Turn[Step]) -> Step | None:
    typed = turn.value.strip().rstrip("%").strip()
    if not typed.isdigit() or int(typed) > 100:
        await reply(turn.update, turn.context, turn.tr._("Write a number from 0 to 100."))
        return None
    turn.data["percent"] = int(typed)
    return Step.NOTE


async def take_note(turn: Turn[Step]) -> Step:
    turn.data["note"] = text_length(turn.value, 3, 1000)
    return Step.PHOTO


async def take_photo(turn: Turn[Step]) -> int:
    """The photo, or Skip: the note posted and the flow ended in one transaction."""
    update, context, data = turn.update, turn.context, turn.data
    photo = None
    if update.message is not None and update.message.photo:
        photo = update.message.photo[-1].file_id
    await answer(update, context)
    board_id = context.person.id
    key = flows.conversation_key_of(update)
    now = context.clock.now()

    def post(conn: Any) -> tuple[proposals.Proposal, proposals.Progress, list[int]]:
        proposal, note = proposals.add_progress(
            conn,
            proposal_id=data["id"],
            author_id=board_id,
            percent=data["percent"],
            note=data["note"],
            photo=photo,
            now=now,
        )
        flow_rows.end(conn, person_id=board_id, flow=FLOW, conversation_key=key, keep=False)
        return proposal, note, proposals.endorsers(conn, proposal.id)

    tr = context.tr
    try:
        proposal, note, endorsers = await context.db.write(post)
    except (proposals.NotFound, proposals.NotOpenForProgress):
        await flows.end_flow(update, context, FLOW, keep=False)
        await reply(update, context, tr._("This proposal has changed; open it again."))
        return END
    await reply(
        update,
        context,
        tr._("Progress posted on {ref}. The proposer and supporters are told.").format(
            ref=proposal.reference
        ),
    )

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._("Progress on proposal {ref} ({title}): {percent}% done.\n{note}").format(
                ref=proposal.reference,
                title=shown_title(tr, proposal),  # supporters see what the public sees
                percent=note.percent,
                note=html.escape(note.note),
            ),
            buttons=(((tr._("View proposal"), buttons.View(proposal.id).data),),),
            photo=note.photo,
        )

    people = [p for p in [proposal.proposer_id, *endorsers] if p is not None and p != board_id]
    await outbox.notify(context.application, people, render, kind="proposal.progress")
    return END


async def want_photo(update: Update, context: BKMContext) -> int | None:
    await reply(update, context, context.tr._("Please send a photo, or press Skip."))
    await ask_again(update, context, FLOW)
    return None


# ---- hiding: the moderation seam, asked from the detail view ------------------------------
@board_only
@private_only("tinjau")
async def hide_pressed(update: Update, context: BKMContext) -> int:
    """usl:h:USL-2026-0001 (the proposal) or usl:h:USL-2026-0001/2 (its second progress note):
    checked again, then the reason is asked, as /admin › Hide public content does."""
    key = buttons.Hide.pressed(update).key[:40]
    found = await context.db.read(proposals.hideable, key)
    if found is None:
        await stale_button(update, context)
        return flows.END
    object_type, object_id = found
    return await REVIEW.go(update, context, Step.HIDE, {"type": object_type, "id": object_id})


async def want_text(update: Update, context: BKMContext) -> int | None:
    await reply(update, context, context.tr._("Please write your answer as text."))
    await ask_again(update, context, FLOW)
    return None


NOT_TEXT = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL
# text where a photo or Skip is asked
NOT_PHOTO = ~filters.COMMAND & ~filters.StatusUpdate.ALL


def typed(state: Step, question: Question, take: Take, *more: Answer) -> Ask[Step]:
    """A step answered with text (or `more`); anything else but a command is told to write
    text, and asked again."""
    return Ask(state, question, [*more, text(take)], [unusable(NOT_TEXT, callback=want_text)])


REVIEW: Flow[Step] = Flow(
    FLOW,
    [
        typed(Step.REASON, ask_status_reason, take_status_reason),
        typed(Step.COST, ask_cost, take_cost, press(buttons.SAME_COST, take_same_cost)),
        typed(Step.PERIOD, ask_period, take_period),
        typed(Step.PERCENT, ask_percent, take_percent),
        typed(Step.NOTE, ask_note, take_note),
        Ask(
            Step.PHOTO,
            ask_photo,
            [message(filters.PHOTO, take_photo), press(buttons.SKIP_PHOTO, take_photo)],
            [unusable(NOT_PHOTO, callback=want_photo)],
        ),
        typed(Step.HIDE, moderation.reason_question, moderation.take_reason),
    ],
    entry=[
        on(buttons.Transition, transition_pressed),
        on(buttons.Progress, progress_pressed),
        on(buttons.Hide, hide_pressed),
    ],
    cancel=Cancel(N_("Cancelled. Nothing was changed.")),
    board=True,
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        REVIEW.handler(),
        CommandHandler(["tinjau", "review"], queue_command),
        CommandHandler("start", queue_command, filters=filters.Regex(r"^/start tinjau$")),
        on(buttons.REVIEW, queue_command),
        on(buttons.QueuePage, queue_page),
    ]
