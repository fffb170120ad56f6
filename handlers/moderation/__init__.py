"""/admin › Hide public content: the board hides a proposal, grievance summary or progress
note with a reason; the public then sees "disembunyikan oleh pengurus" and the reason.

The one hiding mechanism: a feature whose board view has its own "Hide" button (proposals)
asks `ask_reason` in its own conversation and finishes with `hide_with_reason`, so every hide
is checked, stored (storage/moderation.py) and audited alike, from either place. A flow of
the flow runner (bot/flowrunner.py) whose draft holds "type" and "id" takes the two as its
hiding step: `reason_question` and `take_reason`, as /admin › Hide public content does."""

from __future__ import annotations

import html
from enum import IntEnum
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot import flows, moderation
from bot.access import answer, board_only, private_only, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import AdminItem, Feature
from bot.flowrunner import END, Ask, Cancel, Flow, Lapse, Turn, text
from bot.i18n import N_, Translator
from bot.keyboards import column
from bot.moderation import Moderatable
from handlers.moderation import buttons as btn
from rules.validate import Invalid, clean_text, text_length
from storage import moderation as rows
from storage.flows import steps as flow_rows

FLOW = "moderation_hide"
REASON_MIN, REASON_MAX = 3, 300


class Step(IntEnum):
    REFERENCE = 1
    REASON = 2


def kinds(context: BKMContext) -> dict[str, Moderatable]:
    return context.services.registry.moderatable


@board_only
@private_only("admin")
async def choose_kind(update: Update, context: BKMContext) -> None:
    tr = context.tr
    await answer(update, context)
    available = kinds(context)
    if not available:
        await reply(update, context, tr._("There is no public content that can be hidden yet."))
        return
    await reply(
        update,
        context,
        tr._("What do you want to hide from the public?"),
        reply_markup=column(
            [(tr._(k.label), btn.ContentKind(t).data) for t, k in available.items()]
        ),
    )


@board_only
@private_only("admin")
async def kind_chosen(update: Update, context: BKMContext) -> int:
    kind = kinds(context).get(btn.ContentKind.pressed(update).object_type)
    if kind is None:
        await stale_button(update, context)
        return END
    return await HIDE_FLOW.go(update, context, Step.REFERENCE, {"type": kind.object_type})


async def ask_reference(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    kind = kinds(context).get(data["type"])
    label, example = (kind.label, kind.example) if kind is not None else ("", "")
    what = context.tr._(label).lower() if label else ""
    if example:
        text = context.tr._("Send the number of the {what} to hide, e.g. {example}.")
    else:
        text = context.tr._("Send the number of the {what} to hide (e.g. as shown in the list).")
    await reply(update, context, text.format(what=what, example=example))


def ask_reason(context: BKMContext) -> str:
    """The reason question, the same wherever a hide starts."""
    return context.tr._(
        'Why hide it? The public sees "hidden by the board" and this reason, so do not '
        "repeat the personal or abusive content."
    )


async def reason_question(update: Update, context: BKMContext, data: dict[str, Any]) -> None:
    """The hiding step's question (a flow runner `Question`)."""
    await reply(update, context, ask_reason(context))


async def take_reason(turn: Turn[Any]) -> int | None:
    """The hiding step's take (a flow runner `Take`) for a draft holding "type" and "id":
    nothing is hidden when the step was left for another flow; else `hide_with_reason`, which
    ends the flow in the hide's transaction (END), or refuses the reason (the step stays)."""
    update, context, flow = turn.update, turn.context, turn.flow.name
    if await abandoned(update, context, flow):
        return END
    hidden = await hide_with_reason(
        update, context, flow=flow, object_type=turn.data["type"], object_id=turn.data["id"]
    )
    return END if hidden else None


async def hide_with_reason(
    update: Update, context: BKMContext, *, flow: str, object_type: str, object_id: str
) -> bool:
    """The typed reason: checked, then the hide (audited once) and the end of `flow` in one
    transaction, and the confirmation. False when the reason was refused (ask again)."""
    assert update.message is not None
    try:
        reason = text_length(update.message.text or "", REASON_MIN, REASON_MAX)
    except Invalid as exc:
        await reply(update, context, exc.text(context.tr))
        return False
    key, board_id, now = flows.conversation_key_of(update), context.person.id, context.clock.now()

    def hide_and_close(conn: Any) -> bool:
        done = rows.hide(
            conn, object_type=object_type, object_id=object_id, reason=reason,
            board_id=board_id, now=now,
        )  # fmt: skip
        flow_rows.end(conn, person_id=board_id, flow=flow, conversation_key=key, keep=False)
        return done

    await context.db.write(hide_and_close)
    await reply(
        update,
        context,
        context.tr._("Hidden. The public now sees: {text}").format(
            text=moderation.hidden_text(context.tr, reason)
        ),
    )
    await _tell_owners(context, object_type, object_id, reason, exclude=board_id)
    return True


async def _tell_owners(
    context: BKMContext, object_type: str, object_id: str, reason: str, *, exclude: int
) -> None:
    """Whoever wrote the hidden content learns it was hidden, and why (a notification)."""
    kind = kinds(context).get(object_type)
    if kind is None or kind.owners is None:
        return
    owners = [p for p in await context.db.read(kind.owners, object_id) if p != exclude]

    def render(tr: Translator) -> Outgoing:
        return Outgoing(
            tr._(
                "The board hid your {what} {reference} from the public. Reason: {reason}\n"
                "Ask the board if you think this is a mistake."
            ).format(
                what=tr._(kind.label).lower(),
                reference=html.escape(object_id),
                reason=html.escape(reason),
            )
        )

    if owners:
        await outbox.notify(context.application, owners, render, kind="moderation.hidden")


async def abandoned(update: Update, context: BKMContext, flow: str) -> bool:
    """True (flow ended, person told, nothing hidden) when a hiding step of `flow` was left
    for another flow: the text that arrived now is not a hiding reason."""
    draft = await flows.load(context, flow)
    if draft is None or not await context.db.read(
        rows.other_flow_since, context.person.id, flow, draft.updated_at
    ):
        return False
    await flows.end_flow(update, context, flow, keep=False)
    await reply(
        update,
        context,
        context.tr._(
            "You started something else, so hiding was cancelled and nothing was hidden. "
            "Please send your message again."
        ),
    )
    return True


async def take_reference(turn: Turn[Step]) -> Step | int | None:
    if await abandoned(turn.update, turn.context, FLOW):
        return END
    kind = kinds(turn.context).get(turn.data["type"])
    reference = clean_text(turn.value)[:40]
    object_id = await turn.context.db.read(kind.find, reference) if kind and reference else None
    if object_id is None:
        await reply(
            turn.update, turn.context, turn.tr._("I found nothing with that number. Try again.")
        )
        return None
    turn.data["id"] = object_id
    return Step.REASON


HIDE_FLOW: Flow[Step] = Flow(
    FLOW,
    [
        Ask(Step.REFERENCE, ask_reference, [text(take_reference)]),
        Ask(Step.REASON, reason_question, [text(take_reason)]),
    ],
    entry=[on(btn.ContentKind, kind_chosen)],
    cancel=Cancel(N_("Cancelled. Nothing was changed.")),
    lapse=Lapse(N_("That took too long. Please start again."), keep=False),
    board=True,
)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [HIDE_FLOW.handler(), on(btn.HIDE, choose_kind)]


FEATURE = Feature(
    name="moderation",
    order=12,
    handlers=_handlers,
    admin_menu=(AdminItem("hide", N_("Hide public content"), order=40),),
)
