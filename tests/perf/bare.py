"""The reference: a bare python-telegram-bot Application making the BKM bot's Telegram calls.

No database, no persistence, no identify handler, no i18n: one handler per update that
sends what the BKM bot sent for the same input (the texts, keyboards and command lists
are copied from the BKM bot's own calls during the run, see `Script`). It runs on the
same offline transport, with PTB's own concurrent update processor (plus a counter) and
the same concurrency limit, so bkm/bare is the cost of everything the BKM bot adds.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
)

from bot.app import MAX_CONCURRENT_UPDATES, OFFLINE_TOKEN
from bot.transport.offline import OfflineTransport
from tests.perf.harness import BenchmarkError, CountingUpdateProcessor

BareApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Reply:
    """A sendMessage: its text (the person's name cut out of it) and its inline keyboard."""

    before_name: str
    after_name: str | None = None  # None: the text names nobody
    markup: dict[str, Any] | None = None

    @classmethod
    def learned(cls, params: dict[str, Any], name: str | None = None) -> Reply:
        """From the params of a sendMessage the BKM bot made to the person called `name`."""
        text = str(params["text"])
        markup = params.get("reply_markup")
        markup = dict(markup) if markup else None
        if name is None:
            return cls(text, None, markup)
        before, found, after = text.partition(html.escape(name))
        if not found:
            raise BenchmarkError("the learned reply does not contain the person's name")
        return cls(before, after, markup)

    def text(self, name: str | None = None) -> str:
        if self.after_name is None:
            return self.before_name
        return self.before_name + html.escape(name or "") + self.after_name

    def keyboard(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup.de_json(self.markup, None) if self.markup else None


@dataclass(frozen=True)
class Script:
    """What the bare bot answers, learned from the BKM bot's calls."""

    start: Reply  # /start
    language: Reply  # /bahasa
    chosen: dict[str, Reply]  # lang:<code> -> the confirmation
    chat_menu: dict[
        str, list[dict[str, str]] | None
    ]  # lang:<code> -> commands set (None: deleted)


def build_bare(script: Script, transport: OfflineTransport) -> BareApplication:
    """The bare Application; start it with bot.simulator.running()."""
    start_markup = script.start.keyboard()
    language_markup = script.language.keyboard()
    menus = {
        code: None if commands is None else [BotCommand(**c) for c in commands]
        for code, commands in script.chat_menu.items()
    }

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None and user is not None
        text = script.start.text(user.first_name)
        await context.bot.send_message(chat.id, text, reply_markup=start_markup)

    async def language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_message(
            chat.id, script.language.text(), reply_markup=language_markup
        )

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, chat = update.callback_query, update.effective_chat
        assert query is not None and query.data is not None and chat is not None
        code = query.data.removeprefix("lang:")
        await query.answer(None, show_alert=False)
        commands = menus[code]
        scope = BotCommandScopeChat(chat.id)
        if commands is None:
            await context.bot.delete_my_commands(scope=scope)
        else:
            await context.bot.set_my_commands(commands, scope=scope)
        await context.bot.send_message(chat.id, script.chosen[code].text())

    application: BareApplication = (
        Application.builder()
        .token(OFFLINE_TOKEN)
        .request(transport)
        .get_updates_request(transport)
        .concurrent_updates(CountingUpdateProcessor(MAX_CONCURRENT_UPDATES))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .build()
    )
    application.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("bahasa", language),
            CallbackQueryHandler(chosen, pattern=r"^lang:"),
        ]
    )
    return application
