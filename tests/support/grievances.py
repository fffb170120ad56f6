"""Helpers for the grievance tests: a resident files a report the way they would."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from bot.simulator import Simulator
from bot.transport.fake_api import ApiCall

DESCRIPTION = "Saluran drainase buatan KSM di RT 02 retak, air meluap ke rumah warga."


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(
        c.text for c in calls if c.method in ("sendMessage", "editMessageText", "sendPhoto")
    )


def to(calls: list[ApiCall], chat_id: int) -> list[ApiCall]:
    return [c for c in calls if c.chat_id == chat_id]


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


async def file_report(
    bot: Simulator,
    user: int,
    *,
    identity: str = "Terbuka",
    category: str = "Infrastruktur",
    description: str = DESCRIPTION,
    amount: str | None = None,
    expected: str | None = None,
    where: str | None = "RT 2 RW 1",
    evidence: int = 0,
    public: bool = True,
    exclude: tuple[str, ...] = (),
) -> list[ApiCall]:
    """/lapor through to Kirim; returns the calls of the final press."""
    await bot.send(user, "/lapor")
    await bot.press(user, category)
    await bot.send(user, description)
    if amount is not None:
        await bot.send(user, amount)
    if expected is None:
        await bot.press(user, "Lewati")
    else:
        await bot.send(user, expected)
    if where is None:
        await bot.press(user, "Lewati")
    else:
        await bot.send(user, where)
    for _ in range(evidence):
        await bot.send_photo(user)
    await bot.press(user, "Selesai" if evidence else "Lewati")
    await bot.press(user, identity)
    if category == "Perilaku pengurus":
        for name in exclude:
            await bot.press(user, name)
        await bot.press(user, "Lanjutkan")
    if not (category == "Perilaku pengurus" and exclude):
        await bot.press(user, "Ya, tampilkan" if public else "Tidak")
    return await bot.press(user, "Kirim")


def reference(calls: list[ApiCall]) -> str:
    found = re.search(r"LPR-\d{4}-\d{4}", texts(calls))
    assert found, texts(calls)
    return found.group(0)


def secret_code(calls: list[ApiCall]) -> str:
    found = re.search(r"Kode rahasia: ([A-Z0-9]+)", texts(calls))
    assert found, texts(calls)
    return found.group(1)


REPORTER = 7_391_846_205  # large enough that its bytes are distinctive
FIRST_NAME = "Kartosoewirjo"
USERNAME = "kartosoewirjo_rw05"
ANON_TEXT = "Bendahara KSM Mawar memakai dana BLM untuk keperluan pribadi sejak Agustus."


async def send_as_reporter(bot: Simulator, text: str | None = None, **extra: object) -> None:
    """A message whose sender carries a username (the simulator's default user has none)."""
    update = bot.api.message_update(REPORTER, text, first_name=FIRST_NAME, extra=extra or None)
    update["message"]["from"]["username"] = USERNAME
    update["message"]["chat"]["username"] = USERNAME
    await bot.submit(update)
    await bot.settle()


async def press_as_reporter(bot: Simulator, label: str) -> list:  # type: ignore[type-arg]
    message_id, buttons = bot.api.last_buttons(REPORTER) or (0, [])
    [button] = [b for b in buttons if b["text"] == label]
    before = len(bot.api.calls)
    update = bot.api.callback_update(
        REPORTER, REPORTER, message_id, button["callback_data"], first_name=FIRST_NAME
    )
    update["callback_query"]["from"]["username"] = USERNAME
    await bot.submit(update)
    await bot.settle()
    return bot.api.calls[before:]
