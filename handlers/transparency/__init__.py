"""/transparansi: the public summary, one section per feature (the registry)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot import buttons
from bot.access import reply
from bot.buttons import on
from bot.context import BKMContext
from bot.disclosure import NOT_BOARD_ACTIONS, participation, public_action
from bot.features import Command, Feature, MenuItem, Section
from bot.i18n import N_, Translator
from bot.paginate import paginate
from storage import audit, board, disclosure
from storage.db import Database

SHOWN_ACTIONS = 10


async def transparency(update: Update, context: BKMContext) -> None:
    """/transparansi: answered in groups too; long pages are split within Telegram's limit."""
    tr = context.tr
    parts = [tr._("<b>BKM transparency</b>")]
    for section in context.services.registry.transparency:
        text = await section.render(context.db, tr, context.clock.now())
        if text:
            parts.append(text)
    for page in paginate(parts):
        await reply(update, context, page)


async def participation_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """Members by RW and by gender; a group under 5 shows "< 5"."""
    by_rw, by_gender = await db.read(board.participation)
    heading_rw, heading_gender = tr._("<b>Members by RW</b>"), tr._("<b>Members by gender</b>")
    return participation(tr, heading_rw, heading_gender, by_rw, by_gender)


async def board_actions_section(db: Database, tr: Translator, now: datetime) -> str | None:
    """The latest board actions from the audit log: what and when, never who it concerned."""

    def read(conn: Any) -> Any:
        entries = audit.public_actions(conn, SHOWN_ACTIONS * 5)
        entries += disclosure.system_actions(conn, SHOWN_ACTIONS)
        entries.sort(key=lambda a: a.id, reverse=True)
        polls = [a.object_id for a in entries if a.object_type == "poll" and a.object_id]
        return entries, disclosure.poll_references(conn, polls), audit.head(conn)

    entries, polls, (rows, head) = await db.read(read)
    actions = [a for a in entries if a.action not in NOT_BOARD_ACTIONS][:SHOWN_ACTIONS]
    lines = [tr._("<b>Latest board actions</b>")]
    for a in actions:
        shown_id = polls.get(a.object_id or "") if a.object_type == "poll" else a.object_id
        text = public_action(tr, a.action, a.object_type, shown_id, a.after)
        lines.append(f"{tr.datetime(a.at)} — {text}")
    if not actions:
        lines.append(tr._("None yet."))
    lines.append(
        tr._("Audit log: {rows} entries; fingerprint of the latest: {head}").format(
            rows=tr.number(rows), head=head[:16]
        )
    )
    return "\n".join(lines)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["transparansi", "transparency"], transparency),
        on(buttons.menu("transparency"), transparency),
    ]


FEATURE = Feature(
    name="transparency",
    order=20,
    handlers=_handlers,
    commands=(
        Command("transparansi", "transparency", N_("Public summary of the BKM"), public=True),
    ),
    main_menu=(MenuItem("transparency", N_("Transparency"), order=70),),
    transparency=(
        Section("participation", 11, participation_section),
        Section("board_actions", 95, board_actions_section),
    ),
)
