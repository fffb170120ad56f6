"""The reference for the broadcast figure: bare python-telegram-bot sending the same messages
at the same configured rate (an even timeline, the same number of calls at once), no
database, no engine. Run as `python -m tests.perf._bare_sender BASE_URL FIRST COUNT RATE`."""

from __future__ import annotations

import asyncio
import sys
import time

from telegram import Bot

TOKEN = "123456:TEST"


async def main(base_url: str, first: int, count: int, rate: int) -> None:
    calls = asyncio.Semaphore(max(8, rate // 8))
    async with Bot(TOKEN, base_url=base_url) as bot:
        next_at = time.monotonic()
        tasks = []

        async def send(chat_id: int) -> None:
            async with calls:
                await bot.send_message(chat_id, "<b>RAPAT</b> warga Sabtu", parse_mode="HTML")

        for chat_id in range(first, first + count):
            now = time.monotonic()
            if next_at > now:
                await asyncio.sleep(next_at - now)
            next_at = max(next_at, time.monotonic() - 0.05) + 1 / rate
            tasks.append(asyncio.create_task(send(chat_id)))
        await asyncio.gather(*tasks)


if __name__ == "__main__":
    url, first, count, rate = sys.argv[1], *map(int, sys.argv[2:5])
    asyncio.run(main(url, first, count, rate))
