"""What the bot sends to people who did not just write to it: notifications and broadcasts.

Every feature sends through these three functions (design.md, "Messages"):
- `notify(app, person_ids, render, kind=)`: the person's own business (their proposal,
  report, membership, a poll closing that they were invited to). Always delivered.
- `notify_board(app, render, kind=, exclude=)`: every board member (minus `exclude`).
- `broadcast(app, person_ids, render, topic=, author_id=)`: what the board sends to many;
  respects /langganan topics and /berhenti (the broadcasts issue).

A message is rendered per recipient, in their language: `render(tr) -> Outgoing`, plain
data (text, buttons, an optional photo), so the delivery engine can store and resend it.

These functions only store the message, one delivery per chat, in one transaction, and wake
the delivery engine (bot/delivery.py), which sends them paced and records every outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from bot import delivery
from bot.context import services_of
from bot.i18n import Translator
from rules.recurrence import next_daily
from storage import deliveries, people, subscriptions

log = logging.getLogger(__name__)

CAPTION_LIMIT = 1024
NOTIFY_WAIT = 5.0  # seconds notify() and broadcast() wait for their deliveries at most

Button = tuple[str, str]  # (label, callback_data) or (label, "https://…" link)


@dataclass(frozen=True)
class Outgoing:
    """One message as one recipient sees it. `text` is HTML; a photo is PNG/JPEG bytes or a
    Telegram file_id; with a photo, a text that fits goes as its caption, else after it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: bytes | str | None = None
    document: str | None = None  # a Telegram file_id (a /siaran document)

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
    """One message to one chat, now (a preview): photo or document then text where a caption
    would be too long. Everything else goes through the queue (notify, broadcast)."""
    bot = application.bot
    markup = message.markup()
    if message.document is not None:
        if len(message.text) <= CAPTION_LIMIT:
            await bot.send_document(
                chat_id, message.document, caption=message.text or None, reply_markup=markup
            )
            return
        await bot.send_document(chat_id, message.document)
        await bot.send_message(chat_id, message.text, reply_markup=markup)
        return
    if message.photo is None:
        await bot.send_message(chat_id, message.text, reply_markup=markup)
        return
    if len(message.text) <= CAPTION_LIMIT:
        await bot.send_photo(chat_id, message.photo, caption=message.text, reply_markup=markup)
        return
    await bot.send_photo(chat_id, message.photo)
    await bot.send_message(chat_id, message.text, reply_markup=markup)


def _rendering(message: Outgoing) -> deliveries.Rendering:
    photo_bytes = message.photo if isinstance(message.photo, bytes) else None
    photo_id = message.photo if isinstance(message.photo, str) else None
    return deliveries.Rendering(
        text=message.text,
        buttons=tuple(tuple(row) for row in message.buttons),
        photo=photo_bytes,
        photo_id=photo_id,
        document_id=message.document,
    )


def render_all(application: AnyApplication, render: Render) -> dict[str, deliveries.Rendering]:
    """The message in every language the bot speaks (stored only for those used)."""
    services = services_of(application)
    return {
        language: _rendering(render(translator))
        for language, translator in services.translators.items()
    }


async def enqueue(
    application: AnyApplication,
    person_ids: Iterable[int] | Callable[[Any], Iterable[int]],
    renderings: dict[str, deliveries.Rendering],
    *,
    kind: str,
    topic: str | None,
    author_id: int | None,
    broadcast_id: int | None = None,
    wait: float = 0.0,
    count_delivered: bool = False,
) -> int:
    """Queue one message for people (ids, or a function of the connection that finds them)
    in one transaction, and wake the engine; returns how many deliveries were queued.
    With `wait`, return once they are sent (or failed…), or after that many seconds; with
    `count_delivered`, return how many were delivered by then (the rest go on)."""
    services = services_of(application)
    now = services.clock.now()
    tz = services.settings.timezone

    def store(conn: Any) -> int:
        ids = person_ids(conn) if callable(person_ids) else person_ids
        recipients = subscriptions.recipients(
            conn, ids, topic=topic, hold_until=lambda clock: next_daily(clock, now, tz)
        )
        message_id, queued = deliveries.enqueue(
            conn,
            kind=kind,
            topic=topic,
            author_id=author_id,
            renderings=renderings,
            recipients=recipients,
            now=now,
            broadcast_id=broadcast_id,
        )
        return message_id, queued

    message_id, queued = await services.db.write(store)
    delivery.wake(application)
    if not (wait and queued):
        return queued
    await delivery.wait_sent(application, message_id, wait)
    if not count_delivered:
        return queued
    statuses = await services.db.read(deliveries.statuses_for, message_id)
    return sum(1 for status in statuses.values() if status == "sent")


async def post(application: AnyApplication, chat: int | str, render: Render, *, kind: str) -> int:
    """A message to a chat that is no person's (BKM_CHANNEL, BKM_ESCALATION_CHAT), in the
    default language, through the engine like everything else; does not wait for it."""
    services = services_of(application)
    language = services.settings.locale
    renderings = {language: _rendering(render(services.tr(language)))}
    target: Any = int(chat) if isinstance(chat, str) and chat.lstrip("-").isdigit() else chat

    def store(conn: Any) -> int:
        _, queued = deliveries.enqueue(
            conn,
            kind=kind,
            topic=None,
            author_id=None,
            renderings=renderings,
            recipients=[deliveries.Recipient(None, target, language)],
            now=services.clock.now(),
        )
        return queued

    queued = await services.db.write(store)
    delivery.wake(application)
    return queued


async def notify(
    application: AnyApplication, person_ids: Iterable[int], render: Render, *, kind: str
) -> int:
    """Tell people about their own business (whatever their subscriptions); returns how many
    were delivered. Returns once the engine has sent them (each chat at most one message a
    second), or after NOTIFY_WAIT seconds; they are stored before anything is sent."""
    wanted = list(person_ids)
    return await enqueue(
        application, wanted, render_all(application, render), kind=kind, topic=None,
        author_id=None, wait=NOTIFY_WAIT, count_delivered=True,
    )  # fmt: skip


async def notify_board(
    application: AnyApplication,
    render: Render,
    *,
    kind: str,
    exclude: Sequence[int] = (),
    discreet: bool = False,
) -> int:
    """Tell every board member except the internal person ids in `exclude`. A `discreet`
    notification (an anonymous report, its follow-ups) stores only the day and its rows are
    deleted once final, so its time cannot be joined with anything kept about residents."""

    def board(conn: Any) -> list[int]:
        return [p.id for p in people.board_members(conn) if p.id not in exclude]

    return await enqueue(
        application, board, render_all(application, render),
        kind=deliveries.discreet(kind) if discreet else kind, topic=None,
        author_id=None, wait=NOTIFY_WAIT, count_delivered=True,
    )  # fmt: skip


async def broadcast(
    application: AnyApplication,
    person_ids: Iterable[int],
    render: Render,
    *,
    topic: str,
    author_id: int | None,
) -> int:
    """Send to many on a topic (pengumuman, polling, anggaran, laporan_bulanan): respects
    /langganan, /berhenti and the daily-digest choice; the author gets a report. Waits like
    notify (at most NOTIFY_WAIT seconds: a large audience goes on in the background)."""
    wanted = list(person_ids)
    return await enqueue(
        application,
        wanted,
        render_all(application, render),
        kind=f"broadcast:{topic}",
        topic=topic,
        author_id=author_id,
        wait=NOTIFY_WAIT,
    )
