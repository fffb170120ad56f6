"""How one message reaches Telegram, for the engine and for a preview alike: a document or
photo with the text as its caption when it fits (else the text after it), or the text; and
what a Telegram error means for a delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import RetryAfter

from storage.deliveries import Rendering

CAPTION_LIMIT = 1024
# 400s that are about the chat, not the content: the chat cannot be reached
CHAT_ERRORS = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated",
               "have no rights", "not enough rights", "chat_write_forbidden",
               "bot was kicked", "group chat was upgraded")  # fmt: skip

Button = tuple[str, str]  # (label, callback_data) or (label, "https://…" link)
Buttons = tuple[tuple[Button, ...], ...]
# One API call: `call(bot.send_message, text, reply_markup=…)` sends to the caller's chat (the
# engine adds its pacing and its `sending` mark around each call).
Call = Callable[..., Awaitable[Any]]


def markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    """Inline buttons: a link when the data is a URL, else callback data."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith(("https://", "http://", "tg://"))
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in buttons
        ]
    )


async def send(
    call: Call,
    bot: Bot,
    message: Rendering,
    on_photo: Callable[[Message], None] | None = None,
) -> None:
    """Send `message` through `call`; `on_photo` gets the sent photo's Message at once (its
    file_id serves the next recipients), before a text that did not fit as its caption."""
    buttons = markup(message.buttons)
    text = message.text
    if message.document_id is not None:
        if len(text) <= CAPTION_LIMIT:
            await call(bot.send_document, message.document_id,
                       caption=text or None, reply_markup=buttons)  # fmt: skip
            return
        await call(bot.send_document, message.document_id)
    elif message.photo is not None or message.photo_id is not None:
        photo: bytes | str = message.photo_id or message.photo  # type: ignore[assignment]
        if len(text) <= CAPTION_LIMIT:
            sent = await call(bot.send_photo, photo, caption=text or None, reply_markup=buttons)
            if on_photo is not None:
                on_photo(sent)
            return
        sent = await call(bot.send_photo, photo)
        if on_photo is not None:
            on_photo(sent)
    await call(bot.send_message, text, reply_markup=buttons)


def chat_error(text: str) -> bool:
    """A 400 about the chat (it cannot be reached), not about the message's content."""
    lowered = text.lower()
    return any(marker in lowered for marker in CHAT_ERRORS)


def retry_seconds(exc: RetryAfter) -> float:
    """How long Telegram asked everyone to wait (a timedelta with PTB_TIMEDELTA, bot/app.py)."""
    seconds: float | timedelta = exc.retry_after
    return seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)
