"""What the bot sends to people who did not just write to it: notifications and broadcasts.

Every feature sends through these three functions (design.md, "Messages"):
- `notify(app, person_ids, render, kind=)`: the person's own business (their proposal,
  report, membership, a poll closing that they were invited to). Always delivered.
- `notify_board(app, render, kind=, exclude=)`: every board member (minus `exclude`).
- `broadcast(app, person_ids, render, topic=, author_id=)`: what the board sends to many;
  respects /langganan topics and /berhenti (the broadcasts issue).

A message is rendered per recipient, in their language: `render(tr) -> Outgoing`, plain
data (text, buttons, an optional photo), so the delivery engine can store and resend it.

Until the delivery engine exists this module sends directly, one after another, and logs
what could not be delivered; the broadcasts issue puts the queue behind the same calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import services_of
from bot.i18n import Translator
from storage import people

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024

Button = tuple[str, str]  # (label, callback_data) or (label, "https://…" link)


@dataclass(frozen=True)
class Outgoing:
    """One message as one recipient sees it. `text` is HTML; a photo is PNG/JPEG bytes or a
    Telegram file_id; with a photo, a text that fits goes as its caption, else after it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: bytes | str | None = None

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(label, url=data)
                    if data.startswith(("https://", "http://", "tg://"))
                    else InlineKeyboardButton(label, callback_data=data)
                    for label, data in row
                ]
                for row in self.buttons
            ]
        )


Render = Callable[[Translator], Outgoing]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def send_outgoing(application: AnyApplication, chat_id: int, message: Outgoing) -> None:
    """One message to one chat: photo then text where a caption would be too long."""
    bot = application.bot
    markup = message.markup()
    if message.photo is None:
        await bot.send_message(chat_id, message.text, reply_markup=markup)
        return
    if len(message.text) <= CAPTION_LIMIT:
        await bot.send_photo(chat_id, message.photo, caption=message.text, reply_markup=markup)
        return
    await bot.send_photo(chat_id, message.photo)
    await bot.send_message(chat_id, message.text, reply_markup=markup)


async def _deliver(
    application: AnyApplication, recipients: Iterable[tuple[int, str]], render: Render, kind: str
) -> int:
    services = services_of(application)
    delivered = 0
    rendered: dict[str, Outgoing] = {}
    for chat_id, language in recipients:
        if language not in rendered:
            rendered[language] = render(services.tr(language))
        try:
            await send_outgoing(application, chat_id, rendered[language])
        except TelegramError as exc:
            log.warning("could not deliver a %s message: %s", kind, exc)
        else:
            delivered += 1
    return delivered


async def _chats(application: AnyApplication, person_ids: Iterable[int]) -> list[tuple[int, str]]:
    services = services_of(application)
    wanted = list(dict.fromkeys(person_ids))

    def lookup(conn: Any) -> list[tuple[int, str]]:
        found = []
        for person_id in wanted:
            person = people.by_id(conn, person_id)
            if person is not None and person.telegram_id is not None:
                found.append((person.telegram_id, person.language))
        return found

    return await services.db.read(lookup)


async def notify(
    application: AnyApplication, person_ids: Iterable[int], render: Render, *, kind: str
) -> int:
    """Tell people about their own business; returns how many were reached."""
    return await _deliver(application, await _chats(application, person_ids), render, kind)


async def notify_board(
    application: AnyApplication, render: Render, *, kind: str, exclude: Sequence[int] = ()
) -> int:
    """Tell every board member except the internal person ids in `exclude`."""
    services = services_of(application)
    board = await services.db.read(people.board_members)
    chats = [
        (person.telegram_id, person.language)
        for person in board
        if person.telegram_id is not None and person.id not in exclude
    ]
    return await _deliver(application, chats, render, kind)


async def broadcast(
    application: AnyApplication,
    person_ids: Iterable[int],
    render: Render,
    *,
    topic: str,
    author_id: int | None,
) -> int:
    """Send to many on a topic (pengumuman, polling, anggaran, laporan_bulanan)."""
    return await _deliver(
        application, await _chats(application, person_ids), render, f"broadcast:{topic}"
    )
