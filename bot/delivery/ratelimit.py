"""PTB's rate limiter for everything the bot sends, told to leave the engine's calls to it.

The engine paces itself (BKM_BROADCAST_RATE overall, one message a second per chat) and
honours 429 itself, for every chat; so its calls (`rate_limit_args=ENGINE_CALL`) go through
the limiter's overall limit only: no per-group limit and no retry. Everything else keeps
PTB's behaviour. Only the public `process_request` of `AIORateLimiter` is used; the
tests in tests/test_delivery_ratelimit.py fail if a PTB upgrade changes what this relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

ENGINE_CALL = "engine"  # rate_limit_args of the engine's calls: no retries by the limiter
# What the limiter is told about an engine call: "a chat, not a group, not a paid broadcast".
# AIORateLimiter reads `data` only to choose its limits; the request itself is in `args`.
_ENGINE_DATA: dict[str, Any] = {"chat_id": 0}


class _Refused(Exception):  # carries a RetryAfter past the limiter's retries
    def __init__(self, error: RetryAfter) -> None:
        super().__init__(error)
        self.error = error


class EngineRateLimiter(AIORateLimiter):
    """PTB's limiter; the engine's own calls pass its overall limit only and are not retried
    (the engine pauses every chat after a 429 itself), everything else keeps its retries."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        if rate_limit_args != ENGINE_CALL:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def once(*call_args: Any, **call_kwargs: Any) -> Any:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as exc:  # not for the limiter to retry: the engine's to honour
                raise _Refused(exc) from None

        try:
            return await super().process_request(once, args, kwargs, endpoint, _ENGINE_DATA, None)
        except _Refused as refused:
            raise refused.error from refused.error.__cause__


def rate_limiter(broadcast_rate: int) -> EngineRateLimiter:
    """The Application's limiter: the broadcast rate plus headroom for interactive replies."""
    headroom = max(5, broadcast_rate // 5)
    return EngineRateLimiter(overall_max_rate=broadcast_rate + headroom, max_retries=2)
