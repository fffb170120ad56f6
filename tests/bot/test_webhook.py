"""`bkm-bot run` as a subprocess: webhook mode with its secret, and SIGTERM mid-update."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.transport.loopback import LoopbackServer
from tests.conftest import BOARD_ID
from tests.support.cli import EXIT_TIMEOUT, START_TIMEOUT, TOKEN, BotProcess, Runs, run_cli

PERSON = 4343
SECRET = "s3cret-Token_42"


class SlowServer(LoopbackServer):
    """The Bot API stand-in, with sendMessage taking `delay` seconds when asked to."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.sending = threading.Event()

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "sendMessage" and self.delay:
            self.sending.set()
            time.sleep(self.delay)  # outside the server's lock: other calls go on
        return super().call(method, params)


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with SlowServer() as running:
        yield running  # type: ignore[misc]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def start_bot(server: LoopbackServer, tmp_path: Path) -> Iterator[Callable[..., BotProcess]]:
    runs = Runs(
        tmp_path,
        BKM_BOT_TOKEN=TOKEN,
        BKM_API_BASE_URL=server.url,
        BKM_DATABASE=str(tmp_path / "bkm.sqlite3"),
        BKM_ADMINS=str(BOARD_ID),
    )
    yield runs.start
    runs.end()


def _post(url: str, update: dict[str, Any], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, json.dumps(update).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except urllib.error.URLError:
        return 0  # not listening (yet)


def _wait_for(predicate: Callable[[], bool], bot: BotProcess, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not predicate():
        if time.monotonic() > deadline or bot.process.poll() is not None:
            pytest.fail(f"{what} did not happen\n--- bot output ---\n{bot.stderr}")
        time.sleep(0.05)


@pytest.mark.slow
def test_webhook_accepts_the_right_secret_and_refuses_a_wrong_one(
    server: SlowServer, start_bot: Callable[..., BotProcess]
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    bot = start_bot(
        "--webhook-url", url, "--listen", "127.0.0.1", "--port", str(port),
        BKM_WEBHOOK_SECRET=SECRET,
    )  # fmt: skip
    _wait_for(lambda: any(c.method == "setWebhook" for c in server.calls), bot, "setWebhook")
    [hook] = [c for c in server.calls if c.method == "setWebhook"]
    assert hook.params["url"] == url and hook.params["secret_token"] == SECRET

    def update(text: str) -> dict[str, Any]:
        with server._cond:
            return server.api.message_update(PERSON, text)

    _wait_for(lambda: _post(url, update("/start"), "wrong") == 403, bot, "refusal")
    assert _post(url, update("/start"), None) == 403
    time.sleep(0.5)
    assert server.messages(PERSON) == []  # nothing handled
    assert _post(url, update("/start"), SECRET) == 200
    [greeting] = server.wait_messages(PERSON, 1, after=0, timeout=START_TIMEOUT)
    assert "Selamat datang" in greeting.text
    assert bot.stop(signal.SIGTERM) == 0, bot.stderr
    assert "Traceback" not in bot.stderr, bot.stderr


@pytest.mark.slow
def test_webhook_needs_its_secret(tmp_path: Path) -> None:
    result = run_cli(
        ["run", "--webhook-url", "https://bkm.example/hook"],
        tmp_path,
        BKM_BOT_TOKEN=TOKEN,
        BKM_DATABASE=str(tmp_path / "x.sqlite3"),
    )
    assert result.returncode == 2 and "BKM_WEBHOOK_SECRET" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_sigterm_during_an_update_loses_nothing(
    server: SlowServer, start_bot: Callable[..., BotProcess], tmp_path: Path
) -> None:
    bot = start_bot()
    try:
        server.say(PERSON, "/start", timeout=START_TIMEOUT)  # polling is up
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{bot.stderr}")
    server.delay = 2.0
    mark = len(server.messages(PERSON))
    server.send_text(PERSON, "/daftar")
    assert server.sending.wait(START_TIMEOUT), bot.stderr  # the reply is on its way
    bot.process.send_signal(signal.SIGTERM)
    assert bot.process.wait(timeout=EXIT_TIMEOUT + 5) == 0, bot.stderr
    # the in-flight update finished: its reply went out, its step is in the file
    [question] = server.messages(PERSON)[mark:]
    assert "nama lengkap" in question.text
    conn = sqlite3.connect(tmp_path / "bkm.sqlite3")
    try:
        assert conn.execute("SELECT flow, step FROM drafts").fetchall() == [
            ("membership_apply", "NAME")
        ]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert not (tmp_path / "bkm.sqlite3-wal").exists() or (
        (tmp_path / "bkm.sqlite3-wal").stat().st_size == 0
    ), "the database was closed cleanly (WAL checkpointed)"
    assert "Traceback" not in bot.stderr, bot.stderr
    # the update was confirmed: a restart does not handle /daftar a second time
    server.delay = 0.0
    again = start_bot()
    try:
        [answer] = server.say(PERSON, "Siti Aminah", timeout=START_TIMEOUT)
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{again.stderr}")
    assert "RT dan RW" in answer.text
