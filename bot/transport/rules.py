"""What Telegram refuses, with Telegram's own words.

VERDICTS is a fixed table of error responses the real Bot API gives (status code and
description as Telegram words them); the checks below pick from it and never invent text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256

VERDICTS: dict[str, tuple[int, str]] = {
    "text_too_long": (400, "Bad Request: message is too long"),
    "text_empty": (400, "Bad Request: message text is empty"),
    "caption_too_long": (400, "Bad Request: message caption is too long"),
    "parse_entities": (400, "Bad Request: can't parse entities: {detail}"),
    "button_data_invalid": (400, "Bad Request: BUTTON_DATA_INVALID"),
    "markup_too_long": (400, "Bad Request: reply markup is too long"),
    "not_modified": (
        400,
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same as a current content and reply markup of the message",
    ),
    "message_to_edit_not_found": (400, "Bad Request: message to edit not found"),
    "chat_not_found": (400, "Bad Request: chat not found"),
    "file_invalid": (400, "Bad Request: invalid file_id"),
    "media_group_invalid": (400, "Bad Request: wrong number of media in the album"),
    "query_invalid": (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    ),
    "answer_too_long": (400, "Bad Request: MESSAGE_TOO_LONG"),
    "command_invalid": (400, "Bad Request: BOT_COMMAND_INVALID"),
    "command_description_invalid": (400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "cant_initiate": (403, "Forbidden: bot can't initiate conversation with a user"),
    "retry_after": (429, "Too Many Requests: retry after {seconds}"),
    "internal": (500, "Internal Server Error"),
    "bad_gateway": (502, "Bad Gateway"),
    "method_not_found": (404, "Not Found: method not found"),
}

_ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
    "a", "code", "pre", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)\s*(/?)>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass(frozen=True)
class Refusal(Exception):
    """A Bot API error response: HTTP status, description, optional parameters."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def refusal(key: str, **fields: Any) -> Refusal:
    status, text = VERDICTS[key]
    parameters = {"retry_after": fields["seconds"]} if key == "retry_after" else None
    return Refusal(status, text.format(**fields), parameters)


def utf16_len(text: str) -> int:
    """Telegram counts lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str, parse_mode: str | None) -> str:
    """The text a person sees, after entity parsing; raises the parse Refusal."""
    if parse_mode is None:
        return text
    if parse_mode.upper() != "HTML":
        return text  # only HTML is used by this bot; others are passed through unchecked
    return _parse_html(text)


def _parse_html(text: str) -> str:
    # As Telegram's parser (tdlib parse_html): only "<" and "&" are special; a bare ">" is text.
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG.match(text, pos)
            offset = len(text[:pos].encode())
            if match is None:
                raise refusal(
                    "parse_entities",
                    detail=f"Unsupported start tag at byte offset {offset}",
                )
            closing, name, _attrs, _self_closing = match.groups()
            name = name.lower()
            if name not in _ALLOWED_TAGS:
                raise refusal(
                    "parse_entities",
                    detail=f'Unsupported start tag "{name}" at byte offset {offset}',
                )
            if closing:
                if not stack or stack[-1] != name:
                    expected = f'"</{stack[-1]}>"' if stack else "no end tag"
                    raise refusal(
                        "parse_entities",
                        detail=f"Unmatched end tag at byte offset {offset}, expected {expected}, "
                        f'found "</{name}>"',
                    )
                stack.pop()
            else:
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY.match(text, pos)
            if match is None:
                out.append("&")
                pos += 1
            else:
                out.append(html.unescape(match.group(0)))
                pos = match.end()
        else:
            out.append(char)
            pos += 1
    if stack:
        raise refusal(
            "parse_entities",
            detail=f'Can\'t find end tag corresponding to start tag "{stack[-1]}"',
        )
    return "".join(out)


def check_text(text: Any, parse_mode: str | None) -> str:
    """A message text as Telegram checks it; returns the visible text."""
    visible = plain_text(str(text or ""), parse_mode)
    if not visible.strip():
        raise refusal("text_empty")
    if utf16_len(visible) > MAX_TEXT:
        raise refusal("text_too_long")
    return visible


def check_caption(caption: Any, parse_mode: str | None) -> str:
    visible = plain_text(str(caption or ""), parse_mode)
    if utf16_len(visible) > MAX_CAPTION:
        raise refusal("caption_too_long")
    return visible


def check_markup(markup: Any) -> None:
    """Inline keyboards: callback_data 1–64 bytes, at most 100 buttons."""
    if not isinstance(markup, dict) or "inline_keyboard" not in markup:
        return
    buttons = [button for row in markup["inline_keyboard"] for button in row]
    if len(buttons) > MAX_BUTTONS:
        raise refusal("markup_too_long")
    for button in buttons:
        if "callback_data" in button:
            size = len(str(button["callback_data"]).encode())
            if not 1 <= size <= MAX_CALLBACK_DATA:
                raise refusal("button_data_invalid")


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise refusal("command_invalid")
    for command in commands:
        if not _COMMAND.match(str(command.get("command", ""))):
            raise refusal("command_invalid")
        description = str(command.get("description", ""))
        if not 1 <= len(description) <= MAX_COMMAND_DESCRIPTION:
            raise refusal("command_description_invalid")


def check_callback_answer(text: Any) -> None:
    if text is not None and utf16_len(str(text)) > MAX_CALLBACK_ANSWER:
        raise refusal("answer_too_long")
