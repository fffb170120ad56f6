"""/transparansi: the public summary, one section per feature (the registry)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.access import reply
from bot.context import BKMContext
from bot.features import Command, Feature, MenuItem
from bot.i18n import N_
from bot.paginate import paginate


async def transparency(update: Update, context: BKMContext) -> None:
    """/transparansi: answered in groups too; long pages are split within Telegram's limit."""
    tr = context.tr
    parts = [tr._("<b>BKM transparency</b>")]
    for section in context.services.registry.transparency:
        text = await section.render(context.db, tr)
        if text:
            parts.append(text)
    for page in paginate(parts):
        await reply(update, context, page)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["transparansi", "transparency"], transparency),
        CallbackQueryHandler(transparency, pattern=r"^menu:transparency$"),
    ]


FEATURE = Feature(
    name="transparency",
    order=20,
    handlers=_handlers,
    commands=(
        Command("transparansi", "transparency", N_("Public summary of the BKM"), public=True),
    ),
    main_menu=(MenuItem("transparency", N_("Transparency"), order=70),),
)
