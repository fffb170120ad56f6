"""Helpers for the poll tests: members in the database, a poll made through /buatpolling."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from bot.context import services_of
from bot.simulator import Simulator
from bot.transport.fake_api import ApiCall
from storage.rows import iso
from tests.conftest import BOARD_ID


def texts(calls: list[ApiCall], chat_id: int | None = None) -> str:
    """What people read: messages, captions and button-press answers (alerts)."""
    shown = ("sendMessage", "editMessageText", "sendPhoto", "answerCallbackQuery")
    return "\n".join(
        c.text
        for c in calls
        if c.method in shown and (chat_id is None or c.chat_id in (None, chat_id))
    )


def raw_rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """What is committed, read through a connection of our own."""
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


async def add_people(
    bot: Simulator,
    telegram_ids: list[int],
    *,
    role: str = "anggota",
    rw: int | None = 1,
    language: str = "id",
) -> list[int]:
    """People (verified members by default) who have a private chat with the bot already."""
    services = services_of(bot.application)
    now = services.clock.now()

    def insert(conn: sqlite3.Connection) -> list[int]:
        ids = []
        for telegram_id in telegram_ids:
            row = conn.execute(
                "INSERT INTO people (telegram_id, display_name, full_name, rt, rw, role,"
                " language, created_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?)"
                " ON CONFLICT (telegram_id) DO UPDATE SET role = excluded.role, rw = excluded.rw"
                " RETURNING id",
                (
                    telegram_id,
                    f"Warga {telegram_id}",
                    f"Warga {telegram_id}",
                    rw,
                    role,
                    language,
                    iso(now),
                ),
            ).fetchone()
            ids.append(row[0])
        return ids

    ids = await services.db.write(insert)
    for telegram_id in telegram_ids:  # as if each had pressed /start once
        bot.api.known_chats[telegram_id] = {"id": telegram_id, "type": "private"}
    return ids


async def person_id(bot: Simulator, telegram_id: int) -> int:
    services = services_of(bot.application)
    row = await services.db.read(
        lambda conn: conn.execute(
            "SELECT id FROM people WHERE telegram_id = ?", (telegram_id,)
        ).fetchone()
    )
    return int(row[0])


async def create_poll(
    bot: Simulator,
    *,
    question: str = "Prioritas BLM tahun depan?",
    options: tuple[str, ...] = ("Drainase RW 03", "Penerangan jalan", "Sumur resapan"),
    audience: str = "Anggota",
    rw: str | None = None,
    ballot: str = "Pemungutan suara rahasia",
    choices: str = "Satu pilihan",
    closing: str = "3 hari",
    results: str | None = None,
    quorum: str | None = None,
) -> tuple[int, str, list[ApiCall]]:
    """A board member makes and publishes a poll; returns (poll id, reference, publish calls)."""
    await bot.send(BOARD_ID, "/buatpolling")
    await bot.send(BOARD_ID, question)
    await bot.send(BOARD_ID, "\n".join(options))
    await bot.press(BOARD_ID, audience)
    if rw is not None:
        await bot.send(BOARD_ID, rw)
    await bot.press(BOARD_ID, ballot)
    await bot.press(BOARD_ID, choices)
    await bot.send(BOARD_ID, closing)
    if results is not None:
        await bot.press(BOARD_ID, results)
    if quorum is None:
        await bot.press(BOARD_ID, "Tanpa kuorum")
    else:
        await bot.send(BOARD_ID, quorum)
    calls = await bot.press(BOARD_ID, "Terbitkan")
    found = re.search(r"POL-\d{4}-\d{4}", texts(calls, BOARD_ID))
    assert found, texts(calls)
    reference = found.group(0)
    services = services_of(bot.application)
    row = await services.db.read(
        lambda conn: conn.execute(
            "SELECT id FROM polls WHERE reference = ?", (reference,)
        ).fetchone()
    )
    return int(row[0]), reference, calls


async def run_due(bot: Simulator) -> int:
    """Run what is due; returns how many poll firings (poll.*) ran. Other features' daily
    jobs (backups, retention) may run too and are not counted."""
    from bot.scheduling import run_due as run

    def fired() -> int:
        path = services_of(bot.application).settings.database
        with sqlite3.connect(path) as conn:
            query = "SELECT COUNT(*) FROM schedules WHERE kind LIKE 'poll.%' AND status = 'done'"
            return int(conn.execute(query).fetchone()[0])

    before = fired()
    await run(bot.application)
    return fired() - before


def export_rows(settings: Any) -> list[tuple[Any, ...]]:
    """`bkm-bot export polls`, through the registry's exporter on a connection of our own."""
    from bot.features import discover
    from storage.db import connect_sync

    exporter = discover().exports["polls"]
    conn = connect_sync(settings.database)
    try:
        return [tuple(r) for r in exporter.rows(conn)]
    finally:
        conn.close()
