"""The rate limiter adapter (bot/delivery/ratelimit.py) over PTB's AIORateLimiter, through its
public process_request only: these fail if a PTB upgrade changes what the engine relies on."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery.ratelimit import ENGINE_CALL, rate_limiter

GROUP = -1001234567890


async def _ok(*args: Any, **kwargs: Any) -> bool:
    return True


async def test_an_engine_call_refused_with_429_reaches_the_engine_as_it_came() -> None:
    limiter = rate_limiter(25)
    refusal = RetryAfter(timedelta(seconds=3))
    calls = 0

    async def refused(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        raise refusal

    with pytest.raises(RetryAfter) as raised:
        await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, ENGINE_CALL)
    assert raised.value is refusal and calls == 1
    # the limiter did not hold everyone back for the 429: the engine pauses itself
    started = time.monotonic()
    await limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": 2}, None)
    assert time.monotonic() - started < 1


async def test_engine_calls_to_a_group_skip_the_per_group_limit_others_keep_it() -> None:
    limiter = rate_limiter(100)  # 120/s overall; PTB's default 20 per minute per group
    started = time.monotonic()
    for _ in range(25):
        await limiter.process_request(
            _ok, (), {}, "sendMessage", {"chat_id": GROUP}, ENGINE_CALL
        )  # fmt: skip
    assert time.monotonic() - started < 1
    others = [
        asyncio.create_task(
            limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": GROUP}, None)
        )
        for _ in range(21)
    ]
    await asyncio.sleep(0.5)
    assert sum(task.done() for task in others) == 20  # the 21st waits for the group's minute
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


async def test_engine_calls_are_held_to_the_overall_rate() -> None:
    limiter = rate_limiter(25)  # 30/s overall: a second's worth at once, then 30/s
    started = time.monotonic()
    await asyncio.gather(
        *(
            limiter.process_request(_ok, (), {}, "sendMessage", {"chat_id": n}, ENGINE_CALL)
            for n in range(1, 61)
        )
    )
    assert time.monotonic() - started >= 0.8
