"""The state of a stand-in Bot API: chats, sent messages, faults, and updates to deliver.

Both the in-process transport (tests, `bkm-bot shell`) and the loopback HTTP server wrap
one FakeBotAPI. It answers like Telegram, refuses what Telegram refuses (see rules.py),
and records every call so tests and the shell can read what the bot sent.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.transport import rules
from bot.transport.rules import Refusal, refusal

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "BKM Bot",
    "username": "bkm_kelurahan_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

FAULT_KINDS = ("retry_after", "blocked", "internal", "bad_gateway")


@dataclass
class Fault:
    """An error to inject: for a method and/or a chat, a number of times (None: until removed)."""

    kind: str
    method: str | None = None
    chat_id: int | None = None
    seconds: int = 1
    times: int | None = 1

    def matches(self, method: str, chat_id: int | None) -> bool:
        return (self.method is None or self.method == method) and (
            self.chat_id is None or self.chat_id == chat_id
        )


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made, and what it got back."""

    method: str
    params: dict[str, Any]
    result: Any = None
    error: Refusal | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return None if value is None else int(value)

    @property
    def text(self) -> str:
        """The visible text (tags stripped) of a message call, else ''."""
        raw = self.params.get("text", self.params.get("caption", ""))
        try:
            return rules.plain_text(str(raw or ""), self.params.get("parse_mode"))
        except Refusal:
            return str(raw)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        if not isinstance(markup, dict):
            return []
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [
            button if isinstance(button, dict) else {"text": str(button)}
            for row in rows
            for button in row
        ]


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded (a chart, an export): which call, which field, its bytes."""

    method: str
    field: str
    filename: str
    content: bytes


def _sent_file(kind: str) -> Any:
    """The file fields of a sent media message (a photo comes as a list of sizes)."""
    file = {"file_id": f"{kind}-sent", "file_unique_id": kind}
    if kind == "photo":
        return [{**file, "width": 800, "height": 600}]
    if kind == "video":
        return {**file, "width": 640, "height": 480, "duration": 5}
    if kind in ("voice", "audio"):
        return {**file, "duration": 5}
    return file


class FakeBotAPI:
    """A Bot API that lives in memory. Not thread-safe: use it from one event loop."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.known_chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.updates: deque[dict[str, Any]] = deque()
        self.listeners: list[Callable[[ApiCall], None]] = []
        self.webhook: dict[str, Any] = {}
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.uploads: list[Upload] = []
        self._update_ids = itertools.count(1)
        self.last_update_id = 0  # the newest update id handed out
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._callback_ids = itertools.count(1)
        self._open_queries: set[str] = set()

    # ---- faults -------------------------------------------------------------------------
    def inject(
        self,
        kind: str,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        seconds: int = 1,
        times: int | None = 1,
    ) -> Fault:
        """Make matching calls fail: 'retry_after' (429), 'blocked' (403), 'internal' (500)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        fault = Fault(kind, method, chat_id, seconds, times)
        self.faults.append(fault)
        return fault

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every call to their chat is a 403 from now on."""
        self.blocked.add(chat_id)

    def _take_fault(self, method: str, chat_id: int | None) -> Refusal | None:
        for fault in self.faults:
            if fault.matches(method, chat_id):
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                return refusal(fault.kind, seconds=fault.seconds)
        return None

    # ---- inbound: what people do ---------------------------------------------------------
    def _user(self, user_id: int, first_name: str, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, user: dict[str, Any], chat_id: int | None, chat_type: str) -> dict[str, Any]:
        if chat_type == "private":
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        else:
            chat = {"id": chat_id, "type": chat_type, "title": "Grup Warga"}
        self.known_chats[chat["id"]] = chat
        return chat

    def message_update(
        self,
        user_id: int,
        text: str | None = None,
        *,
        first_name: str = "Warga",
        language_code: str | None = "id",
        chat_id: int | None = None,
        chat_type: str = "private",
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An update for a message a person sends (text, or other content via extra).

        Returned, not queued: the simulator feeds it to update_queue, the loopback server
        to getUpdates (push)."""
        user = self._user(user_id, first_name, language_code)
        chat = self._chat(user, chat_id, chat_type)
        message_id = self._next_message_id(chat["id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": rules.utf16_len(command)}
                ]
        message.update(extra or {})
        return {"update_id": self._next_update_id(), "message": message}

    def callback_update(
        self,
        user_id: int,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        first_name: str = "Warga",
        language_code: str | None = "id",
    ) -> dict[str, Any]:
        """An update for a button press on a message the bot sent."""
        stored = self.messages.get((chat_id, message_id), {})
        query_id = str(next(self._callback_ids))
        self._open_queries.add(query_id)
        chat = self.known_chats.get(chat_id, {"id": chat_id, "type": "private"})
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": stored.get("text", ""),
        }
        if stored.get("reply_markup"):
            message["reply_markup"] = stored["reply_markup"]
        return {
            "update_id": self._next_update_id(),
            "callback_query": {
                "id": query_id,
                "from": self._user(user_id, first_name, language_code),
                "chat_instance": str(chat_id),
                "message": message,
                "data": data,
            },
        }

    def add_file(self, content: bytes, filename: str = "file.bin") -> dict[str, Any]:
        """Keep a file a person sends, as Telegram would; returns its Bot API fields."""
        number = len(self.files) + 1
        file_id = f"file-{number}"
        self.files[file_id] = (f"documents/{number}-{filename}", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_name": filename,
        }

    def download(self, file_path: str) -> bytes | None:
        """The content behind a getFile path (what the file URL serves), or None."""
        for path, content in self.files.values():
            if path == file_path:
                return content
        return None

    def record_uploads(self, method: str, parts: dict[str, Any]) -> None:
        """Keep what the bot uploaded (multipart parts: name -> (filename, content, mime))."""
        for name, part in parts.items():
            filename, content = part[0], part[1]
            data = content if isinstance(content, bytes) else content.read()
            self.uploads.append(Upload(method, name, str(filename), data))

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (the loopback server's long polling)."""
        self.updates.append(update)

    def last_buttons(self, chat_id: int) -> tuple[int, list[dict[str, Any]]] | None:
        """The newest message in the chat that has inline buttons: (message_id, buttons)."""
        for (chat, message_id), stored in sorted(self.messages.items(), reverse=True):
            if chat != chat_id:
                continue
            markup = stored.get("reply_markup") or {}
            rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
            if rows:
                return message_id, [button for row in rows for button in row]
        return None

    def take_updates(self, offset: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """getUpdates semantics: an offset confirms (drops) everything before it."""
        if offset is not None:
            while self.updates and self.updates[0]["update_id"] < offset:
                self.updates.popleft()
        return list(itertools.islice(self.updates, 0, limit))

    # ---- outbound: what the bot calls ----------------------------------------------------
    def continue_update_ids_after(self, last: int) -> None:
        """Number the next updates after `last`, as Telegram does for a bot that already
        handled updates up to it (`bkm-bot shell` on a kept database)."""
        self._update_ids = itertools.count(max(last, self.last_update_id) + 1)

    def _next_update_id(self) -> int:
        self.last_update_id = next(self._update_ids)
        return self.last_update_id

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, response body)."""
        chat_id = params.get("chat_id")
        chat_id = (
            int(chat_id) if chat_id is not None and str(chat_id).lstrip("-").isdigit() else None
        )
        try:
            fault = self._take_fault(method, chat_id)
            if fault is not None:
                raise fault
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                raise refusal("method_not_found")
            result = handler(params, chat_id)
        except Refusal as exc:
            self._record(ApiCall(method, params, error=exc))
            return exc.status, exc.payload()
        self._record(ApiCall(method, params, result=result))
        return 200, {"ok": True, "result": result}

    def _record(self, call: ApiCall) -> None:
        self.calls.append(call)
        for listener in list(self.listeners):
            listener(call)

    def _reachable(self, chat_id: int | None) -> dict[str, Any]:
        if chat_id is None:
            raise refusal("chat_not_found")
        if chat_id in self.blocked:
            raise refusal("blocked")
        chat = self.known_chats.get(chat_id)
        if chat is None:
            raise refusal("cant_initiate" if chat_id > 0 else "chat_not_found")
        return chat

    def _store(self, chat: dict[str, Any], params: dict[str, Any], body: dict[str, Any]) -> Any:
        message_id = self._next_message_id(chat["id"])
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **body,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat["id"], message_id)] = {
            "text": body.get("text", body.get("caption", "")),
            "raw": params.get("text", params.get("caption", "")),
            "reply_markup": params.get("reply_markup"),
        }
        return message

    def _m_getMe(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return BOT_USER

    def _m_sendMessage(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        visible = rules.check_text(params.get("text"), params.get("parse_mode"))
        rules.check_markup(params.get("reply_markup"))
        return self._store(chat, params, {"text": visible})

    def _m_sendPhoto(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        caption = rules.check_caption(params.get("caption"), params.get("parse_mode"))
        rules.check_markup(params.get("reply_markup"))
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 600}]
        body: dict[str, Any] = {"photo": photo}
        if caption:
            body["caption"] = caption
        return self._store(chat, params, body)

    def _m_sendDocument(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        caption = rules.check_caption(params.get("caption"), params.get("parse_mode"))
        body: dict[str, Any] = {"document": {"file_id": "doc-1", "file_unique_id": "d1"}}
        if caption:
            body["caption"] = caption
        return self._store(chat, params, body)

    def _media(self, kind: str, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        caption = rules.check_caption(params.get("caption"), params.get("parse_mode"))
        rules.check_markup(params.get("reply_markup"))
        body: dict[str, Any] = {kind: _sent_file(kind)}
        if caption:
            body["caption"] = caption
        return self._store(chat, params, body)

    def _m_sendVoice(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return self._media("voice", params, chat_id)

    def _m_sendVideo(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return self._media("video", params, chat_id)

    def _m_sendAudio(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return self._media("audio", params, chat_id)

    def _m_sendLocation(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
        return self._store(chat, params, {"location": location})

    def _m_sendMediaGroup(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        media = params.get("media")
        if isinstance(media, str):
            media = json.loads(media)
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise refusal("media_group_invalid")
        sent = []
        for item in media:
            caption = rules.check_caption(item.get("caption"), item.get("parse_mode"))
            kind = str(item.get("type", "photo"))
            body: dict[str, Any] = {kind: _sent_file(kind)}
            if caption:
                body["caption"] = caption
            sent.append(self._store(chat, item, body))
        return sent

    def _m_editMessageCaption(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        key = (chat["id"], int(params.get("message_id", 0)))
        stored = self.messages.get(key)
        if stored is None:
            raise refusal("message_to_edit_not_found")
        caption = rules.check_caption(params.get("caption"), params.get("parse_mode"))
        rules.check_markup(params.get("reply_markup"))
        stored.update(text=caption, raw=params.get("caption", ""))
        if "reply_markup" in params:
            stored["reply_markup"] = params.get("reply_markup")
        return {"message_id": key[1], "date": int(time.time()), "chat": chat, "caption": caption}

    def _m_getFile(self, params: dict[str, Any], chat_id: int | None) -> Any:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise refusal("file_invalid")
        path, content = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": path,
        }

    def _m_sendChatAction(self, params: dict[str, Any], chat_id: int | None) -> Any:
        self._reachable(chat_id)
        return True

    def _m_editMessageText(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        message_id = int(params.get("message_id", 0))
        stored = self.messages.get((chat["id"], message_id))
        if stored is None:
            raise refusal("message_to_edit_not_found")
        visible = rules.check_text(params.get("text"), params.get("parse_mode"))
        rules.check_markup(params.get("reply_markup"))
        if stored["raw"] == params.get("text") and stored["reply_markup"] == params.get(
            "reply_markup"
        ):
            raise refusal("not_modified")
        stored.update(
            text=visible, raw=params.get("text"), reply_markup=params.get("reply_markup")
        )
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": visible,
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        message_id = int(params.get("message_id", 0))
        stored = self.messages.get((chat["id"], message_id))
        if stored is None:
            raise refusal("message_to_edit_not_found")
        rules.check_markup(params.get("reply_markup"))
        if stored["reply_markup"] == params.get("reply_markup"):
            raise refusal("not_modified")
        stored["reply_markup"] = params.get("reply_markup")
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": stored["text"],
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _m_deleteMessage(self, params: dict[str, Any], chat_id: int | None) -> Any:
        chat = self._reachable(chat_id)
        if self.messages.pop((chat["id"], int(params.get("message_id", 0))), None) is None:
            raise refusal("message_to_edit_not_found")
        return True

    def _m_answerCallbackQuery(self, params: dict[str, Any], chat_id: int | None) -> Any:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_queries:
            raise refusal("query_invalid")
        rules.check_callback_answer(params.get("text"))
        self._open_queries.discard(query_id)
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope") or {"type": "default"}
        chat = scope.get("chat_id")
        return scope["type"] if chat is None else f"{scope['type']}:{chat}"

    def _m_setMyCommands(self, params: dict[str, Any], chat_id: int | None) -> Any:
        rules.check_commands(params.get("commands"))
        key = (self._scope_key(params), str(params.get("language_code", "")))
        self.commands[key] = list(params["commands"])
        return True

    def _m_deleteMyCommands(self, params: dict[str, Any], chat_id: int | None) -> Any:
        self.commands.pop((self._scope_key(params), str(params.get("language_code", ""))), None)
        return True

    def _m_getMyCommands(self, params: dict[str, Any], chat_id: int | None) -> Any:
        key = (self._scope_key(params), str(params.get("language_code", "")))
        return self.commands.get(key, [])

    def _m_getUpdates(self, params: dict[str, Any], chat_id: int | None) -> Any:
        offset = params.get("offset")
        return self.take_updates(
            None if offset is None else int(offset), int(params.get("limit", 100))
        )

    def _m_setWebhook(self, params: dict[str, Any], chat_id: int | None) -> Any:
        self.webhook = dict(params)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], chat_id: int | None) -> Any:
        self.webhook = {}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }

    def _m_close(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any], chat_id: int | None) -> Any:
        return True
