"""/privasi, /datasaya and /hapusdata: what is stored, a copy of it, and erasure (UU PDP)."""

from __future__ import annotations

import json
from typing import Any

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CommandHandler, filters

from bot import confirm, personal
from bot.access import answer, private_only, remove_buttons, reply, stale_button
from bot.buttons import on
from bot.context import BKMContext
from bot.features import Command, Feature, MenuItem
from bot.i18n import N_
from bot.keyboards import keyboard
from handlers.privacy import buttons as btn


async def privacy(update: Update, context: BKMContext) -> None:
    """/privasi: what we store, why, for how long, who sees it — in plain words."""
    tr = context.tr
    settings = context.settings
    text = tr._(
        "<b>Your personal data in the BKM bot</b>\n\n"
        "<b>What we store</b>: your Telegram number and first name, your chosen language; "
        "if you apply for membership, your full name, RT/RW and (if you choose) gender; "
        "what you send: proposals, reports, votes, answers to questions.\n\n"
        "<b>Why</b>: to answer you, to check that one member has one vote, to count "
        "participation per RW, and so the board can account for its work.\n\n"
        "<b>Who sees it</b>: the BKM board sees names and RT/RW to verify members and "
        "handle reports. The public sees totals; your name only where you chose it: a "
        "proposal with your name shown, a Terbuka report listed publicly, a vote in an "
        "open-ballot poll (its voter list is published). Anonymous reports "
        "are stored without your identity. A secret ballot is never linked to you.\n\n"
        "<b>How long</b>: while you use the bot. If you do not use it for {inactive} days, "
        "your personal data is erased automatically. Photos and evidence of reports are "
        "erased {evidence} days after the report is closed.\n\n"
        "<b>Your rights (UU PDP 27/2022)</b>: /datasaya sends you everything stored about "
        "you. /hapusdata erases your personal data; your proposals and counted votes stay "
        "as records without your name."
    ).format(
        inactive=tr.number(settings.retention_inactive_days),
        evidence=tr.number(settings.retention_evidence_days),
    )
    await reply(update, context, text)


@private_only("datasaya")
async def my_data(update: Update, context: BKMContext) -> None:
    """/datasaya: a JSON file with everything stored about the person, in every feature."""
    items = personal.parts(context.services.registry)
    data = await context.db.read(personal.export_everything, items, context.person.id)
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    await answer(update, context)
    assert update.effective_chat is not None
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"datasaya-{context.person.id}.json"),
        caption=context.tr._("Everything the BKM bot stores about you."),
    )


@private_only("hapusdata")
async def erase_ask(update: Update, context: BKMContext) -> None:
    """/hapusdata: explain and ask for confirmation."""
    tr = context.tr
    if context.person.is_board:
        await reply(
            update,
            context,
            tr._(
                "You are a BKM board member. Ask another board member to take you off "
                "the board first; then you can erase your data."
            ),
        )
        return
    token = await confirm.issue(context, confirm.ERASE_SELF, context.person.id)
    await reply(
        update,
        context,
        tr._(
            "<b>Erase your personal data?</b>\n"
            "Your name, RT/RW, gender, Telegram number and unfinished answers are erased. "
            "Your proposals and reports stay as records shown as “resident (erased)”; "
            "votes you cast stay counted. This cannot be undone."
        ),
        reply_markup=keyboard(
            [
                [
                    (tr._("Yes, erase my data"), btn.Erase(token).data),
                    (tr._("Cancel"), btn.KEEP.data),
                ]
            ]
        ),
    )


async def erase_confirmed(update: Update, context: BKMContext) -> None:
    """The confirmation press: erase in one transaction, then flush the WAL. Only with the
    one-time token /hapusdata issued to this person just now (bot/confirm.py)."""
    chat, user = update.effective_chat, update.effective_user
    person = context.person
    if chat is None or user is None or chat.id != user.id or person.is_board:
        await stale_button(update, context)
        return
    tr = context.tr
    items = personal.parts(context.services.registry)
    try:
        await confirm.write(
            update,
            context,
            confirm.ERASE_SELF,
            person.id,
            personal.erase_everything,
            items,
            person.id,
            context.clock.now(),
            actor_id=person.id,
            reason="request",
        )
    except confirm.Refused:
        return
    # Old page images stay in the WAL until a checkpoint; secure_delete zeroes the file.
    await context.db.checkpoint()
    context.application.drop_user_data(user.id)
    await answer(update, context)
    await remove_buttons(update)
    await reply(
        update,
        context,
        tr._(
            "Your personal data has been erased. If you write to the bot again, "
            "you start as a new resident."
        ),
    )


async def erase_cancelled(update: Update, context: BKMContext) -> None:
    await answer(update, context)
    await reply(update, context, context.tr._("Nothing was erased."))


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    return [
        CommandHandler(["privasi", "privacy"], privacy),
        on(btn.PRIVACY, privacy),
        CommandHandler(["datasaya", "mydata"], my_data),
        CommandHandler("start", my_data, filters=filters.Regex(r"^/start datasaya$")),
        CommandHandler("start", erase_ask, filters=filters.Regex(r"^/start hapusdata$")),
        CommandHandler(["hapusdata", "deletemydata"], erase_ask),
        on(btn.Erase, erase_confirmed),
        on(btn.KEEP, erase_cancelled),
    ]


FEATURE = Feature(
    name="privacy",
    order=30,
    handlers=_handlers,
    commands=(
        Command("privasi", "privacy", N_("How your personal data is used")),
        Command("datasaya", "mydata", N_("Get a copy of your data")),
        Command("hapusdata", "deletemydata", N_("Erase your personal data")),
    ),
    main_menu=(MenuItem("privacy", N_("Privacy"), order=88),),
    personal_data=(personal.FOUNDATION,),
)
