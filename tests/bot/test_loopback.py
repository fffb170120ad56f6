"""The loopback Bot API stand-in, and `bkm-bot run` as a subprocess against it."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.transport.loopback import LoopbackServer
from tests.conftest import BOARD_ID
from tests.support.cli import EXIT_TIMEOUT, START_TIMEOUT, TOKEN, BotProcess, Runs

PERSON = 4242


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


# ---- the server, driven by python-telegram-bot's own HTTP client ----------------------------
async def test_form_values_reach_the_fake_api_as_native_values(server: LoopbackServer) -> None:
    server.send_text(PERSON, "/start")  # the chat becomes known, as after a first message
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="yes")]])
    async with Bot(TOKEN, base_url=server.url) as bot:
        message = await bot.send_message(PERSON, "12345", reply_markup=markup)
        await bot.set_my_commands([("bantuan", "Bantuan")], language_code="id")
    assert message.text == "12345" and message.chat.id == PERSON
    [call] = [c for c in server.calls if c.method == "sendMessage"]
    assert call.params["chat_id"] == PERSON
    assert call.params["text"] == "12345"  # a String parameter stays a string
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Ya", "callback_data": "yes"}]]
    }
    [commands] = [c for c in server.calls if c.method == "setMyCommands"]
    assert commands.params["commands"] == [{"command": "bantuan", "description": "Bantuan"}]
    assert server.api.commands[("default", "id")]


async def test_uploads_and_refusals_travel_over_http(server: LoopbackServer) -> None:
    server.send_text(PERSON, "/start")
    async with Bot(TOKEN, base_url=server.url) as bot:
        await bot.send_photo(PERSON, photo=b"\x89PNG fake", caption="42")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(PERSON, "<b>unclosed", parse_mode="HTML")
    [photo] = [c for c in server.calls if c.method == "sendPhoto"]
    assert photo.params["caption"] == "42" and photo.params["chat_id"] == PERSON
    assert photo.params["photo"] == b"\x89PNG fake"


async def test_a_long_poll_waits_for_an_update_without_blocking_other_calls(
    server: LoopbackServer,
) -> None:
    server.send_text(PERSON, "/start")
    async with Bot(TOKEN, base_url=server.url) as bot:
        first = await bot.get_updates(timeout=0)
        offset = first[-1].update_id + 1
        poll = asyncio.create_task(bot.get_updates(offset=offset, timeout=15, read_timeout=20))
        await asyncio.to_thread(server.wait_confirmed, 5)  # the long poll is at the server
        await asyncio.wait_for(bot.send_message(PERSON, "while polling"), timeout=5)
        assert not poll.done()
        server.send_text(PERSON, "halo")
        updates = await asyncio.wait_for(poll, timeout=5)
        assert [u.message.text for u in updates if u.message] == ["halo"]
        assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()


async def test_a_long_poll_without_updates_answers_empty_after_its_timeout(
    server: LoopbackServer,
) -> None:
    async with Bot(TOKEN, base_url=server.url) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


# ---- `bkm-bot run` as a subprocess -----------------------------------------------------------
@pytest.fixture
def start_bot(server: LoopbackServer, tmp_path: Path) -> Iterator[Callable[[], BotProcess]]:
    """Start `python -m bot run` against the server; every process is killed at teardown."""
    runs = Runs(
        tmp_path,
        BKM_BOT_TOKEN=TOKEN,
        BKM_API_BASE_URL=server.url,
        BKM_DATABASE=str(tmp_path / "bkm.sqlite3"),
        BKM_ADMINS=str(BOARD_ID),
        BKM_LOG_LEVEL="INFO",
    )
    yield runs.start
    runs.end()


def texts(calls: list) -> list[str]:  # type: ignore[type-arg]
    return [call.text for call in calls]


@pytest.mark.slow
def test_run_answers_start_through_the_configured_api_base_url(
    server: LoopbackServer, start_bot: Callable[[], BotProcess]
) -> None:
    bot = start_bot()
    try:
        [greeting] = server.say(PERSON, "/start", timeout=START_TIMEOUT)
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{bot.stderr}")
    assert "Selamat datang" in greeting.text, bot.stderr
    assert greeting.buttons, "the main menu comes with the greeting"
    methods = {call.method for call in server.calls}
    assert {"getMe", "getUpdates", "setMyCommands"} <= methods, bot.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_run_cleanly(
    server: LoopbackServer, start_bot: Callable[[], BotProcess], sig: signal.Signals
) -> None:
    bot = start_bot()
    try:
        server.say(PERSON, "/start", timeout=START_TIMEOUT)  # polling is up
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{bot.stderr}")
    started = time.monotonic()
    code = bot.stop(sig)
    assert code == 0, bot.stderr
    assert "Traceback" not in bot.stderr, bot.stderr
    assert time.monotonic() - started < EXIT_TIMEOUT


@pytest.mark.slow
def test_a_flow_resumes_at_the_committed_step_after_kill_9(
    server: LoopbackServer, start_bot: Callable[[], BotProcess]
) -> None:
    first = start_bot()
    try:
        [question] = server.say(PERSON, "/daftar", timeout=START_TIMEOUT)
        assert "nama lengkap" in question.text, first.stderr
        [question] = server.say(PERSON, "Siti Aminah")
        assert "RT dan RW" in question.text, first.stderr
        # Telegram delivers an unconfirmed update again; wait for the bot's confirming poll so
        # the restart does not see "Siti Aminah" twice (that is Telegram's rule, not the bot's).
        server.wait_confirmed()
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{first.stderr}")
    os.kill(first.process.pid, signal.SIGKILL)
    assert first.process.wait(timeout=EXIT_TIMEOUT) == -signal.SIGKILL

    second = start_bot()
    try:
        replies = server.say(PERSON, "RT 3 RW 5", timeout=START_TIMEOUT)
        seen = texts(replies)
        assert len(replies) == 1, f"{seen}\n--- bot output ---\n{second.stderr}"
        assert "Jenis kelamin" in replies[0].text, f"{seen}\n{second.stderr}"
        assert "Perempuan" in [b["text"] for b in replies[0].buttons], seen
        [summary] = server.tap(PERSON, "Perempuan")
    except TimeoutError as exc:
        pytest.fail(f"{exc}\n--- bot output ---\n{second.stderr}")
    assert "Siti Aminah" in summary.text, summary.text
    assert "RT 03/RW 05" in summary.text, summary.text
    assert "Traceback" not in first.stderr + second.stderr, first.stderr + second.stderr
