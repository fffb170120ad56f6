"""The Bot API stand-in over loopback HTTP, for `bkm-bot run` as a subprocess.

One FakeBotAPI answers (same checks, same refusals as the in-process transport), behind a
lock, served by a threaded http.server so a waiting long poll never blocks other calls.
Point BKM_API_BASE_URL at `LoopbackServer.url`; push updates and wait for replies here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.transport.fake_api import ApiCall, FakeBotAPI

# Parameters the Bot API types as String: kept as sent, even when they look like a number.
# Every other form value is JSON (python-telegram-bot json-encodes non-string values).
STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_query_id",
        "language_code", "url", "secret_token", "ip_address", "action", "emoji", "title",
        "description", "short_description", "name", "question", "explanation",
        "inline_message_id", "business_connection_id", "message_effect_id", "first_name",
        "last_name", "phone_number", "vcard", "address", "foursquare_id", "custom_title",
        "invite_link", "next_offset", "switch_pm_text", "switch_pm_parameter", "payload",
        "currency", "provider_token", "start_parameter", "photo", "document", "audio",
        "video", "animation", "voice", "video_note", "sticker", "thumbnail", "certificate",
    }
)  # fmt: skip
_PATH = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?")
# Under libfaketime (Debian's `faketime`, used to prove the suite passes on any machine
# date) the faked monotonic clock makes a timed lock wait never time out (the kernel waits
# for an absolute deadline on the real clock): a notify still wakes it, a timeout never.
# There, waits are short sleeps; elsewhere the condition's own timed wait.
_UNDER_FAKETIME = "faketime" in os.environ.get("LD_PRELOAD", "")
_SLICE = 0.005


def _wait(cond: threading.Condition, seconds: float) -> None:
    """`cond.wait(seconds)` (the caller holds `cond` and re-checks its predicate)."""
    if not _UNDER_FAKETIME:
        cond.wait(seconds)
        return
    cond.release()
    try:
        time.sleep(min(seconds, _SLICE))
    finally:
        cond.acquire()


def decode_value(name: str, raw: str) -> Any:
    """One form value as the Bot API reads it: String parameters raw, the rest as JSON."""
    if name in STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # e.g. chat_id "@channel"


def decode_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    """Parameters from the query string and a form, multipart or JSON body."""
    params = {name: decode_value(name, raw) for name, raw in parse_qsl(query)}
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params
    if kind == "application/json":
        decoded = json.loads(body)
        if not isinstance(decoded, dict):
            raise ValueError("a JSON body must be an object")
        params.update(decoded)
    elif kind == "application/x-www-form-urlencoded":
        form = parse_qsl(body.decode(), keep_blank_values=True)
        params.update({name: decode_value(name, raw) for name, raw in form})
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        if not message.is_multipart():
            raise ValueError("malformed multipart body")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if not isinstance(name, str) or not isinstance(payload, bytes):
                continue
            if part.get_filename() is None:
                params[name] = decode_value(name, payload.decode())
            else:
                params[name] = payload  # an uploaded file: its bytes
    else:
        raise ValueError(f"unsupported content type {kind!r}")
    return params


def _number(params: dict[str, Any], name: str, default: float) -> float:
    try:
        return float(params.get(name, default))
    except (TypeError, ValueError):
        return default


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], loopback: LoopbackServer) -> None:
        super().__init__(address, _Handler)
        self.loopback = loopback

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a killed bot) is not an error of the server."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    timeout = 30  # an idle keep-alive connection is closed after this many seconds

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = _PATH.fullmatch(url.path)
        status: int
        payload: dict[str, Any]
        if match is None:
            status, payload = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        else:
            try:
                params = decode_params(url.query, self.headers.get("Content-Type", ""), body)
            except (ValueError, UnicodeDecodeError) as exc:
                description = f"Bad Request: {exc}"
                status, payload = 400, {"ok": False, "error_code": 400, "description": description}
            else:
                status, payload = self.server.loopback.call(match["method"], params)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines hold the token."""


class LoopbackServer:
    """A FakeBotAPI served at http://127.0.0.1:PORT/bot<token>/<method>; thread-safe."""

    def __init__(self, api: FakeBotAPI | None = None, host: str = "127.0.0.1", port: int = 0):
        self.api = api or FakeBotAPI()
        self.host = host
        self.port = port
        self._cond = threading.Condition()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self._last_pushed = 0
        self._confirmed = 0

    # ---- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL for BKM_API_BASE_URL (PTB appends the token and the method)."""
        return f"http://{self.host}:{self.port}/bot"

    def start(self) -> LoopbackServer:
        """Listen (on an ephemeral port when port is 0) and serve in a background thread."""
        self._closing = False
        self._httpd = _HTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="loopback-bot-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release waiting long polls, stop serving and close the socket."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- the Bot API ----------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call; getUpdates waits up to its timeout for an update."""
        with self._cond:
            if method == "getUpdates":
                # An offset confirms the updates before it as soon as the request arrives.
                self._confirmed = max(self._confirmed, int(_number(params, "offset", 0)))
                self._cond.notify_all()
                self._await_updates(params)
            status, body = self.api.handle(method, params)
            self._cond.notify_all()
        return status, body

    def _await_updates(self, params: dict[str, Any]) -> None:
        offset = params.get("offset")
        offset = int(offset) if isinstance(offset, int | float) else None
        deadline = time.monotonic() + _number(params, "timeout", 0)
        while not self._closing and not self.api.take_updates(offset, 1):
            if any(fault.matches("getUpdates", None) for fault in self.api.faults):
                return  # an injected error answers at once
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            _wait(self._cond, remaining)

    # ---- people ---------------------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates and wake a waiting long poll."""
        with self._cond:
            self.api.push(update)
            self._last_pushed = max(self._last_pushed, int(update["update_id"]))
            self._cond.notify_all()
        return update

    def send_text(self, user_id: int, text: str, **kwargs: Any) -> dict[str, Any]:
        """A person sends a text message (FakeBotAPI.message_update keywords); the update."""
        with self._cond:
            update = self.api.message_update(user_id, text, **kwargs)
        return self.push(update)

    def press(
        self, user_id: int, choice: str, *, chat_id: int | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Press a button (by label or callback_data) on the newest message with buttons."""
        chat = user_id if chat_id is None else chat_id
        with self._cond:
            found = self.api.last_buttons(chat)
            if found is None:
                raise LookupError(f"no message with buttons in chat {chat}")
            message_id, buttons = found
            matching = [b for b in buttons if choice in (b.get("text"), b.get("callback_data"))]
            if not matching or "callback_data" not in matching[0]:
                labels = ", ".join(str(b.get("text")) for b in buttons)
                raise LookupError(f"no callback button {choice!r} (there are: {labels})")
            data = str(matching[0]["callback_data"])
            update = self.api.callback_update(user_id, chat, message_id, data, **kwargs)
        return self.push(update)

    # ---- what the bot sent ------------------------------------------------------------------
    @property
    def calls(self) -> list[ApiCall]:
        """A snapshot of every call the bot made."""
        with self._cond:
            return list(self.api.calls)

    def _messages(self, chat_id: int) -> list[ApiCall]:
        return [
            call
            for call in self.api.calls
            if call.method.startswith("send")
            and call.method != "sendChatAction"
            and call.error is None
            and call.chat_id == chat_id
        ]

    def messages(self, chat_id: int) -> list[ApiCall]:
        """The messages the bot has sent to a chat so far (accepted send* calls)."""
        with self._cond:
            return self._messages(chat_id)

    def wait_messages(
        self, chat_id: int, count: int, *, after: int, timeout: float = 15.0
    ) -> list[ApiCall]:
        """Wait until the chat has `count` messages beyond the first `after`; return the new."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                sent = self._messages(chat_id)
                if len(sent) >= after + count:
                    return sent[after:]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    texts = [call.text for call in sent[after:]]
                    raise TimeoutError(
                        f"chat {chat_id}: {count} new message(s) expected within {timeout}s, "
                        f"got {len(texts)}: {texts}"
                    )
                _wait(self._cond, remaining)

    def say(
        self, user_id: int, text: str, *, expect: int = 1, timeout: float = 15.0, **kwargs: Any
    ) -> list[ApiCall]:
        """send_text, then wait for `expect` replies in that chat; returns the new messages."""
        chat = kwargs.get("chat_id") or user_id
        mark = len(self.messages(chat))
        self.send_text(user_id, text, **kwargs)
        return self.wait_messages(chat, expect, after=mark, timeout=timeout)

    def tap(
        self,
        user_id: int,
        choice: str,
        *,
        expect: int = 1,
        timeout: float = 15.0,
        chat_id: int | None = None,
    ) -> list[ApiCall]:
        """press, then wait for `expect` messages in that chat; returns the new messages."""
        chat = user_id if chat_id is None else chat_id
        mark = len(self.messages(chat))
        self.press(user_id, choice, chat_id=chat)
        return self.wait_messages(chat, expect, after=mark, timeout=timeout)

    def wait_confirmed(self, timeout: float = 15.0) -> None:
        """Wait until getUpdates confirmed every pushed update (so none is delivered again)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._confirmed <= self._last_pushed:
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    _wait(self._cond, remaining)
                    continue
                raise TimeoutError(
                    f"updates up to {self._last_pushed} pushed, confirmed below {self._confirmed}"
                )


def _print_call(call: ApiCall) -> None:
    if call.method in ("getUpdates", "getMe"):
        return
    if call.error is not None:
        print(f"  ! {call.method}: {call.error.description}", flush=True)
    elif call.method.startswith("send") or call.method.startswith("edit"):
        buttons = " ".join(f"[{b.get('text')}]" for b in call.buttons)
        print(f"bot -> {call.chat_id} ({call.method}): {call.text} {buttons}".rstrip(), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C; stdin lines are messages from one person, `!Label` presses."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.transport.loopback", description=main.__doc__
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--user-id", type=int, default=1, help="the person typing (default 1)")
    parser.add_argument("--language", default="id", help="their client language (default id)")
    args = parser.parse_args(argv)
    server = LoopbackServer(host=args.host, port=args.port)
    server.api.listeners.append(_print_call)
    with server:
        print(f"Bot API stand-in at {server.url}\n  BKM_API_BASE_URL={server.url}", flush=True)
        print("Type a message to send it; `!Label` presses a button. Ctrl-C stops.", flush=True)
        try:
            for line in sys.stdin:
                text = line.rstrip("\n")
                try:
                    if text.startswith("!"):
                        server.press(args.user_id, text[1:], language_code=args.language)
                    elif text:
                        server.send_text(args.user_id, text, language_code=args.language)
                except LookupError as exc:
                    print(f"  ! {exc}", flush=True)
            threading.Event().wait()  # stdin closed: keep serving until interrupted
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
