"""What the bot sends to people who did not just write to it: notifications and broadcasts.

Every feature sends through these three functions (design.md, "Messages"):
- `notify(app, person_ids, render, kind=)`: the person's own business (their proposal,
  report, membership, a poll closing that they were invited to). Always delivered.
- `notify_board(app, render, kind=, exclude=)`: every board member (minus `exclude`).
- `broadcast(app, person_ids, render, topic=, author_id=)`: what the board sends to many;
  respects /langganan topics and /berhenti (the broadcasts issue).

A message is rendered per recipient, in their language: `render(tr) -> Outgoing`, plain
data (text, buttons, an optional photo), so the delivery engine can store and resend it.
`post(app, chat, render, kind=)` is for a chat that is no person's (BKM_CHANNEL), and
`queue(app, store)` for several messages queued in one transaction with the caller's own
writes (the monthly digest).

These functions only store the message, one delivery per chat, in one transaction, and wake
the delivery engine (bot/delivery/engine.py), which sends them paced and records every
outcome. `send_outgoing` sends a preview now, through the engine's own code path (send.py).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.context import services_of
from bot.delivery import engine, send
from bot.delivery.send import Button
from bot.i18n import Translator
from rules.recurrence import next_daily
from storage import deliveries, people, subscriptions

log = logging.getLogger(__name__)

NOTIFY_WAIT = 5.0  # seconds notify() and broadcast() wait for their deliveries at most
T = TypeVar("T")


@dataclass(frozen=True)
class Outgoing:
    """One message as one recipient sees it. `text` is HTML; a photo is PNG/JPEG bytes or a
    Telegram file_id; with a photo, a text that fits goes as its caption, else after it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: bytes | str | None = None
    document: str | None = None  # a Telegram file_id (a /siaran document)

    def markup(self) -> InlineKeyboardMarkup | None:
        return send.markup(self.buttons)


Render = Callable[[Translator], Outgoing]
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def send_outgoing(application: AnyApplication, chat_id: int, message: Outgoing) -> None:
    """One message to one chat, now (a preview), exactly as the engine sends it; everything
    else goes through the queue (notify, broadcast)."""

    async def call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await method(chat_id, *args, **kwargs)

    await send.send(call, application.bot, _rendering(message))


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


class Queue:
    """Queues messages inside one write transaction (`queue()`): the recipients' topics,
    /berhenti and daily-digest time are applied here, as for every broadcast."""

    def __init__(self, conn: sqlite3.Connection, now: datetime, services: Any) -> None:
        self.conn = conn
        self.now = now
        self._tz = services.settings.timezone
        self._locale: str = services.settings.locale

    def add(
        self,
        renderings: Mapping[str, deliveries.Rendering],
        person_ids: Iterable[int],
        *,
        kind: str,
        topic: str | None,
        author_id: int | None = None,
        broadcast_id: int | None = None,
        chats: Sequence[int | str] = (),
        rendered_only: bool = False,
    ) -> tuple[int, int]:
        """One message for people (and `chats` that are no person's, in the default
        language); with `rendered_only`, people whose language the message has no rendering
        in are left out. Returns (message id, deliveries queued)."""
        now, tz = self.now, self._tz
        recipients = subscriptions.recipients(
            self.conn, person_ids, topic=topic, hold_until=lambda clock: next_daily(clock, now, tz)
        )
        if rendered_only:
            recipients = [r for r in recipients if r.language in renderings]
        recipients += [deliveries.Recipient(None, chat, self._locale) for chat in chats]  # type: ignore[arg-type]
        return deliveries.enqueue(
            self.conn,
            kind=kind,
            topic=topic,
            author_id=author_id,
            renderings=renderings,
            recipients=recipients,
            now=now,
            broadcast_id=broadcast_id,
        )


async def queue(application: AnyApplication, store: Callable[[Queue], T]) -> T:
    """Run `store` in one write transaction with a Queue to add messages to, then wake the
    engine; returns what `store` returns."""
    services = services_of(application)
    now = services.clock.now()
    result = await services.db.write(lambda conn: store(Queue(conn, now, services)))
    engine.wake(application)
    return result


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

    def store(q: Queue) -> tuple[int, int]:
        ids = person_ids(q.conn) if callable(person_ids) else person_ids
        return q.add(
            renderings, ids, kind=kind, topic=topic, author_id=author_id,
            broadcast_id=broadcast_id,
        )  # fmt: skip

    message_id, queued = await queue(application, store)
    if not (wait and queued):
        return queued
    await engine.wait_sent(application, message_id, wait)
    if not count_delivered:
        return queued
    services = services_of(application)
    statuses = await services.db.read(deliveries.statuses_for, message_id)
    return sum(1 for status in statuses.values() if status == "sent")


async def post(application: AnyApplication, chat: int | str, render: Render, *, kind: str) -> int:
    """A message to a chat that is no person's (BKM_CHANNEL, BKM_ESCALATION_CHAT), in the
    default language, through the engine like everything else; does not wait for it."""
    services = services_of(application)
    language = services.settings.locale
    renderings = {language: _rendering(render(services.tr(language)))}
    target = int(chat) if isinstance(chat, str) and chat.lstrip("-").isdigit() else chat

    def store(q: Queue) -> int:
        return q.add(renderings, (), kind=kind, topic=None, chats=[target])[1]

    return await queue(application, store)


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
