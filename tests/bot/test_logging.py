"""Logs carry the update id and the handler; never names, Telegram ids, callback_data, tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from bot.config import Settings
from bot.logs import setup_logging
from bot.simulator import Simulator, running

TOKEN = "6123456789:AAHsecretTokenNeverInLogs_x9Q"
USER_ID = 987654321
FIRST_NAME = "Zaenab"
FULL_NAME = "Zaenab Kusumawardhani"
NOISY = ("httpx", "httpcore", "telegram", "telegram.ext", "telegram.ext.ExtBot")


@pytest.fixture
def production_logging() -> Iterator[io.StringIO]:
    """setup_logging('DEBUG') as `bkm-bot run` does it, its one handler writing to a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved = {name: logging.getLogger(name).level for name in (*NOISY, "apscheduler")}
    setup_logging("DEBUG")
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)  # same formatter and filter, only the stream differs
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def test_library_loggers_stay_at_warning_even_at_debug(production_logging: io.StringIO) -> None:
    assert logging.getLogger().level == logging.DEBUG
    for name in NOISY:
        logger = logging.getLogger(name)
        assert logger.getEffectiveLevel() >= logging.WARNING, name
        assert not logger.isEnabledFor(logging.INFO), name


async def test_a_flow_and_a_failure_log_no_personal_data(
    production_logging: io.StringIO, settings: Settings, make_bot: Callable[..., Simulator]
) -> None:
    bot = make_bot(settings, token=TOKEN)
    async with running(bot.application):
        bot.names[USER_ID] = FIRST_NAME
        await bot.send(USER_ID, "/start")
        await bot.send(USER_ID, "/daftar")
        await bot.send(USER_ID, FULL_NAME)
        await bot.send(USER_ID, "RT 3 RW 5")
        gender_press = await bot.press(USER_ID, "Perempuan")  # callback_data reg:g:female
        assert gender_press[0].method == "answerCallbackQuery" and gender_press[0].error is None
        assert FULL_NAME in gender_press[-1].text  # the summary: the name went through the flow

        # One update fails: its reply hits a 500, so the error handler runs and logs.
        bot.api.inject("internal", method="sendMessage", chat_id=USER_ID)
        failing = bot.api.message_update(USER_ID, "/bantuan", first_name=FIRST_NAME)
        await bot.submit(failing)
        await bot.settle()

    text = production_logging.getvalue()
    update_id = failing["update_id"]
    failure = [line for line in text.splitlines() if f"update {update_id} failed in" in line]
    assert failure, text
    assert f"[update {update_id}]" in failure[0]  # the filter tags the record too
    assert "handlers/start/__init__.py:help_command" in failure[0]  # and names the handler
    assert "Traceback" in text  # logged with exc_info

    for secret in (FIRST_NAME, "Kusumawardhani", str(USER_ID), "reg:g:female", TOKEN, TOKEN[11:]):
        assert secret not in text, f"{secret!r} leaked into the logs"
