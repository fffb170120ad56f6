"""The board itself: two-person promotion and demotion (buttons on the member card).

A promotion takes effect only when a second board member confirms it; the last board
member cannot be taken off, and BKM_ADMINS cannot be demoted from the chat.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler

from bot.access import (
    answer,
    board_flow_names,
    board_only,
    forget_board_flows,
    private_only,
    reply,
    stale_button,
)
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import outbox
from bot.delivery.outbox import Outgoing
from bot.features import Feature
from bot.i18n import Translator
from handlers.membership import buttons as btn
from handlers.membership.members import target_member
from storage import board


@board_only
@private_only("admin")
async def propose(update: Update, context: BKMContext) -> None:
    person = await target_member(update, context, btn.Propose.pressed(update).person)
    if person is None:
        return
    tr = context.tr
    try:
        promotion = await context.db.write(
            board.propose_promotion,
            person_id=person.id,
            board_id=context.person.id,
            now=context.clock.now(),
        )
    except board.AlreadyPending:
        await answer(
            update,
            context,
            tr._("This promotion already waits for a second board member."),
            alert=True,
        )
        return
    except board.NotFound:
        await stale_button(update, context)
        return
    await answer(update, context)
    await reply(
        update,
        context,
        tr._("Proposed. {name} joins the board when another board member confirms.").format(
            name=html.escape(person.full_name or "-")
        ),
    )
    name = html.escape(person.full_name or "-")

    def render(t: Translator) -> Outgoing:
        return Outgoing(
            t._(
                "A board member proposes {name} (No. {id}) for the BKM board. "
                "It takes effect when a second board member confirms."
            ).format(name=name, id=person.id),
            buttons=(((t._("Confirm"), btn.ConfirmPromotion(promotion.id).data),),),
        )

    await outbox.notify_board(
        context.application, render, kind="board.promotion", exclude=[context.person.id]
    )


@board_only
@private_only("admin")
async def confirm(update: Update, context: BKMContext) -> None:
    promotion_id = btn.ConfirmPromotion.pressed(update).promotion
    tr = context.tr
    try:
        promoted = await context.db.write(
            board.confirm_promotion,
            promotion_id=promotion_id,
            board_id=context.person.id,
            now=context.clock.now(),
        )
    except board.SamePerson:
        await answer(update, context, tr._("A second board member must confirm this."), alert=True)
        return
    except board.NotFound:
        await stale_button(update, context)
        return
    await answer(update, context, tr._("Confirmed."))
    await reply(
        update,
        context,
        tr._("Confirmed: {name} is now a board member.").format(
            name=html.escape(promoted.full_name or "-")
        ),
    )

    def render(t: Translator) -> Outgoing:
        return Outgoing(t._("You are now a member of the BKM board. Open /admin to begin."))

    await outbox.notify(context.application, [promoted.id], render, kind="board.promoted")


@board_only
@private_only("admin")
async def demote(update: Update, context: BKMContext) -> None:
    person_id = btn.Demote.pressed(update).person
    tr = context.tr
    try:
        demoted = await context.db.write(
            board.demote,
            person_id=person_id,
            board_id=context.person.id,
            config_admins=context.settings.admins,
            now=context.clock.now(),
            board_flows=board_flow_names(context.application),
        )
    except board.LastBoardMember:
        await answer(update, context, tr._("The last board member cannot be removed."), alert=True)
        return
    except board.ConfigAdmin:
        await answer(
            update,
            context,
            tr._(
                "This board member is set in BKM_ADMINS; "
                "only the server configuration can change that."
            ),
            alert=True,
        )
        return
    except board.NotFound:
        await stale_button(update, context)
        return
    # Their open board flows ended in the demotion's transaction (drafts discarded); end
    # them in PTB's memory too, before anything is awaited, and tell them below.
    forget_board_flows(context.application, demoted.telegram_id)
    await answer(update, context)
    await reply(
        update,
        context,
        tr._("{name} is no longer on the board (still a member).").format(
            name=html.escape(demoted.full_name or demoted.display_name or "-")
        ),
    )

    def render(t: Translator) -> Outgoing:
        return Outgoing(
            t._(
                "You are no longer a member of the BKM board; you remain a registered "
                "resident. Any board task you had open was ended and not carried out."
            )
        )

    await outbox.notify(context.application, [demoted.id], render, kind="board.demoted")


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        on(btn.Propose, propose),
        on(btn.ConfirmPromotion, confirm),
        on(btn.Demote, demote),
    ]


PART = Feature(name="board_roles", order=11, handlers=_handlers)
