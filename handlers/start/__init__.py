"""Who is writing, /start, /bantuan, /bahasa, /batal, hints for stray input, the error handler."""

from __future__ import annotations

import html
import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

from telegram import Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import flows, menus
from bot.access import (
    answer,
    ask_again,
    is_expired_query,
    is_stale_edit,
    reply,
    stale_button,
    tell_no_longer_board,
)
from bot.buttons import on
from bot.context import BKMContext
from bot.delivery import alerts
from bot.features import Command, Feature, MenuItem
from bot.flood import FloodGate, Verdict
from bot.i18n import LANGUAGES, N_, pick_language
from bot.keyboards import column
from bot.logs import current_update
from handlers.start import buttons as btn
from storage import people
from storage.audit import NotBoard
from storage.rows import day_iso

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
MAX_TEXT = 4096  # Telegram's own limit for a message; longer text is refused politely


@dataclass
class Memory:
    """What this feature keeps in memory (Services.memory)."""

    flood_gate: FloodGate | None = None  # made on first use, from BKM_FLOOD_LIMIT
    # by Telegram id: (display name, client language, UTC day) when last recorded as seen
    recently_seen: dict[int, tuple[str | None, str | None, str]] = field(default_factory=dict)


def _flood_gate(context: BKMContext) -> FloodGate:
    memory = context.services.memory(Memory)
    if memory.flood_gate is None:
        limit, seconds = context.settings.flood_limit
        memory.flood_gate = FloodGate(limit, seconds)
    return memory.flood_gate


async def _refuse(update: Update, context: BKMContext, language: str, text: str) -> None:
    """Tell the person why nothing happens, in their client's language; stop the update."""
    tr = context.services.tr(language)
    if update.callback_query is not None:
        await answer(update, context, tr._(text), alert=True)
    elif update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await context.bot.send_message(update.effective_chat.id, tr._(text))
    raise ApplicationHandlerStop


async def guard(update: Update, context: BKMContext, language: str) -> None:
    """The abuse limits, before any database work: the flood limit and oversize text."""
    assert update.effective_user is not None
    verdict = _flood_gate(context).check(update.effective_user.id, context.clock.now().timestamp())
    if verdict is Verdict.DROP:  # a dropped press still gets its one empty answer, cheaply,
        raise ApplicationHandlerStop  # from the update processor (bot.access.answer_leftover)
    if verdict is Verdict.WARN:
        log.info("flood limit reached: update %s refused, cooling down", update.update_id)
        await _refuse(
            update,
            context,
            language,
            N_(
                "You are sending messages very fast. Please wait a moment; "
                "I will answer again shortly."
            ),
        )
    message = update.effective_message
    text = (message.text or message.caption or "") if message is not None else ""
    if len(text) > MAX_TEXT:
        await _refuse(
            update,
            context,
            language,
            N_("That message is too long for me. Please send at most 4096 characters."),
        )


async def identify(update: object, context: BKMContext) -> None:
    """Group -1, every update: record the person and keep their command menu right."""
    if not isinstance(update, Update):
        return
    current_update.set(update.update_id)
    user = update.effective_user
    if user is None or user.is_bot:
        return
    settings = context.settings
    await guard(update, context, pick_language(user.language_code, settings.locale))
    context.person = await _seen(user, context)
    await sync_menu(context)


SEEN_REMEMBERED = 10_000  # people kept in memory before the stale ones are forgotten


async def _seen(user: User, context: BKMContext) -> people.Person:
    """The person writing, recorded as seen.

    `last_seen_at` is kept to the day, so the write (a transaction) happens on first contact,
    when their name or client language changed, and on their first update of a (UTC) day
    (remembered in memory, per process); in between one read gets the person, so a role or
    language changed a moment ago counts, and a chat marked unreachable is cleared at once.
    """
    settings = context.settings
    display_name = (user.first_name or "")[:64] or None
    now = context.clock.now()
    today = day_iso(now)
    recent = context.services.memory(Memory).recently_seen
    remembered = recent.get(user.id)
    if remembered is not None and remembered == (display_name, user.language_code, today):
        person, unreachable = await context.db.read(people.by_telegram_id_marked, user.id)
        if person is not None and not unreachable:
            return person
    person = await context.db.write(
        people.seen,
        telegram_id=user.id,
        display_name=display_name,
        client_language=user.language_code,
        language=pick_language(user.language_code, settings.locale),
        now=now,
    )
    if len(recent) >= SEEN_REMEMBERED:
        for key in [k for k, (_n, _l, day) in recent.items() if day != today]:
            del recent[key]
        if len(recent) >= SEEN_REMEMBERED:
            recent.clear()
    recent[user.id] = (display_name, user.language_code, today)
    return person


async def sync_menu(context: BKMContext) -> None:
    """Redo this person's per-chat command menu when their role or language changed."""
    person = context.person
    if menus.wanted_menu(person, context.settings.locale) == person.menu_key:
        return
    try:
        key = await menus.sync_person_menu(
            context.bot, context.services.registry, person, context.tr, context.settings.locale
        )
    except TelegramError as exc:
        log.warning("could not set a per-chat menu: %s", exc)
        return
    await context.db.write(people.set_menu_key, person.id, key)


def main_menu_markup(context: BKMContext) -> Any:
    items = context.services.registry.main_menu(context.person.role)
    return column([(context.tr._(item.label), item.callback_data) for item in items])


async def start(update: Update, context: BKMContext) -> None:
    """/start: a greeting in the person's language and the main menu."""
    tr = context.tr
    name = html.escape(context.person.display_name or tr._("resident"))
    text = tr._(
        "Welcome, {name}! This is the BKM bot of our kelurahan.\n"
        "Here you can take part: propose, report, vote and see where the budget goes.\n"
        "Choose from the menu below, or send /bantuan for all commands."
    ).format(name=name)
    await reply(update, context, text, reply_markup=main_menu_markup(context))


async def help_command(update: Update, context: BKMContext) -> None:
    """/bantuan: the commands this person's role may use."""
    tr = context.tr
    lines = [tr._("<b>What you can do</b>")]
    for command in context.services.registry.commands_for(context.person.role):
        lines.append(f"/{command.name(tr.language)} — {html.escape(tr._(command.description))}")
    lines.append("")
    lines.append(tr._("In any step, /batal stops what you are doing."))
    await reply(update, context, "\n".join(lines))


async def language_command(update: Update, context: BKMContext) -> None:
    """/bahasa: choose the language the bot speaks to you."""
    choices = [(LANGUAGE_NAMES[code], btn.Language(code).data) for code in LANGUAGES]
    await reply(
        update, context, context.tr._("Choose your language:"), reply_markup=column(choices)
    )


async def language_chosen(update: Update, context: BKMContext) -> None:
    """A language button: store the choice, answer in the new language, redo the menu."""
    code = btn.Language.pressed(update).code
    context.person = await context.db.write(people.set_language, context.person.id, code)
    await answer(update, context)
    await sync_menu(context)
    await reply(
        update,
        context,
        context.tr._("Done. I will speak {language} with you.").format(
            language=LANGUAGE_NAMES[code]
        ),
    )


async def cancel_outside_flow(update: Update, context: BKMContext) -> None:
    """/batal when nothing is in progress."""
    await reply(update, context, context.tr._("There is nothing to cancel right now."))


async def unknown_command(update: Update, context: BKMContext) -> None:
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return  # a group has other bots and people; only our own public commands answer there
    await reply(
        update, context, context.tr._("I don't know that command. Send /bantuan to see the list.")
    )


async def stray_message(update: Update, context: BKMContext) -> None:
    flow = flows.waiting_flow(update, context)
    if flow is not None:  # a step of a flow got what it cannot use (a photo for text, ...)
        await unusable_in_flow(update, context, flow)
        return
    await reply(
        update,
        context,
        context.tr._(
            "I did not understand that. Choose from the menu, or send /bantuan for the commands."
        ),
        reply_markup=main_menu_markup(context),
    )


async def unusable_in_flow(update: Update, context: BKMContext, flow: str) -> None:
    """Keep the flow and its draft; say so and ask the step's question again, with its
    example and buttons (the question is remembered in memory; after a restart, a pointer)."""
    tr = context.tr
    await reply(update, context, tr._("I cannot use that here. My question again:"))
    if not await ask_again(update, context, flow):
        await reply(
            update,
            context,
            tr._("Please answer the question above, or send /batal to stop."),
        )


async def on_error(update: object, context: BKMContext) -> None:
    """Log with context (update id, handler), tell the person something went wrong."""
    error = context.error
    frames = traceback.extract_tb(error.__traceback__) if error else []
    handler = next(
        (
            f"handlers/{f.filename.rsplit('/handlers/', 1)[-1]}:{f.name}"
            for f in reversed(frames)
            if "/handlers/" in f.filename
        ),
        "-",
    )
    update_id = update.update_id if isinstance(update, Update) else "-"
    if is_stale_edit(error) or is_expired_query(error):
        # An old or deleted message could not be edited, or a press could not be answered
        # any more (anyone can press old buttons): not an error, not counted toward the
        # board's alert; the press is answered where Telegram still takes it.
        log.info("update %s in %s: the message to edit is gone or unchanged", update_id, handler)
        if isinstance(update, Update):
            try:
                await answer(update, context)
            except TelegramError:
                log.warning("could not answer update %s", update_id)
        return
    if isinstance(error, NotBoard):
        # A board action refused by storage (the actor was demoted meanwhile) that no guard
        # caught: nothing was stored; not a fault of the bot, so no alert.
        log.info("update %s: board action refused in %s (not on the board)", update_id, handler)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await tell_no_longer_board(update, context)
            except TelegramError:
                log.warning("could not tell update %s about the refusal", update_id)
        return
    log.error("update %s failed in %s", update_id, handler, exc_info=error)
    await alerts.error_happened(context.application)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await answer(update, context)
            await context.bot.send_message(
                update.effective_chat.id,
                context.tr._("Sorry, something went wrong. Please try again in a moment."),
            )
        except TelegramError:
            log.warning("could not tell update %s about the error", update_id)


def _handlers() -> list[BaseHandler[Any, Any, Any]]:
    no_payload = ~filters.Regex(r"^/start(@\w+)?\s+\S")
    return [
        CommandHandler("start", start, filters=no_payload),
        CommandHandler(["bantuan", "help"], help_command),
        CommandHandler(["bahasa", "language"], language_command),
        on(btn.LANGUAGE, language_command),
        on(btn.HELP, help_command),
        on(btn.Language, language_chosen),
    ]


def fallback_handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Registered last in group 0: what nothing else answered."""
    return [
        CommandHandler("start", start),  # /start with a payload no feature knows
        CommandHandler(["batal", "cancel"], cancel_outside_flow),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, stray_message),
        CallbackQueryHandler(stale_button),
    ]


FEATURE = Feature(
    name="core",
    order=0,
    handlers=_handlers,
    commands=(
        Command("bantuan", "help", N_("What I can do for you")),
        Command("bahasa", "language", N_("Choose your language")),
        Command("batal", "cancel", N_("Stop what you are doing")),
    ),
    main_menu=(
        MenuItem("help", N_("Help"), order=90),
        MenuItem("language", N_("Language / Bahasa"), order=95),
    ),
)
