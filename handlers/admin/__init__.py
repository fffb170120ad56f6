"""/admin: the board's menu, assembled from what each feature registers."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import buttons
from bot.access import board_only, private_only, reply
from bot.buttons import on
from bot.context import BKMContext
from bot.features import Command, Feature, MenuItem
from bot.i18n import N_
from bot.keyboards import column
from storage.people import Role


@board_only
@private_only("admin")
async def admin_menu(update: Update, context: BKMContext) -> None:
    """/admin: one button per board task."""
    tr = context.tr
    items = context.services.registry.admin_menu
    await reply(
        update,
        context,
        tr._("<b>Board menu</b>\nWhat would you like to do?"),
        reply_markup=column([(tr._(item.label), item.callback_data) for item in items]),
    )


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler("admin", admin_menu),
        CommandHandler("start", admin_menu, filters=filters.Regex(r"^/start admin$")),
        on(buttons.menu("admin"), admin_menu),
    ]


FEATURE = Feature(
    name="admin",
    order=5,
    handlers=_handlers,
    commands=(Command("admin", None, N_("Board menu"), role=Role.BOARD),),
    main_menu=(MenuItem("admin", N_("Board menu"), order=99, role=Role.BOARD),),
)
