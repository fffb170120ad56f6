"""Helpers shared by the proposal tests: members in the database, a whole /usul flow."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.context import services_of
from bot.simulator import Simulator
from bot.transport.fake_api import ApiCall
from storage import proposals

PROPOSER = 301
MEMBER = 302


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(
        c.text for c in calls if c.method in ("sendMessage", "editMessageText", "sendPhoto")
    )


def rows(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """What is committed, read through a connection of our own."""
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def make_members(path: Path, telegram_ids: list[int], rt: int = 3, rw: int = 5) -> None:
    """Verified members, as the membership flow would leave them."""
    conn = sqlite3.connect(path)
    try:
        with conn:
            for telegram_id in telegram_ids:
                conn.execute(
                    "INSERT INTO people (telegram_id, display_name, full_name, rt, rw, role,"
                    " language, created_at) VALUES (?, ?, ?, ?, ?, 'anggota', 'id',"
                    " '2026-11-01T00:00:00+00:00') ON CONFLICT (telegram_id) DO UPDATE"
                    " SET role = 'anggota', full_name = excluded.full_name,"
                    " rt = excluded.rt, rw = excluded.rw",
                    (telegram_id, f"Warga {telegram_id}", f"Anggota Nomor {telegram_id}", rt, rw),
                )
    finally:
        conn.close()


def button_data(calls: list[ApiCall], prefix: str) -> str:
    """The callback_data of the first button starting with prefix in these calls."""
    for call in reversed(calls):
        for button in call.buttons:
            if str(button.get("callback_data", "")).startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no button {prefix!r}")


async def propose(
    bot: Simulator,
    user: int = PROPOSER,
    *,
    title: str = "Perbaikan saluran air RT 03",
    description: str = "Saluran air di depan musala mampet dan meluap setiap hujan deras.",
    cost: str = "1,5 juta",
    show_name: bool = False,
) -> str:
    """The whole Indonesian flow without detours; returns the reference."""
    await bot.send(user, "/usul")
    await bot.press(user, "Lingkungan / infrastruktur")
    calls = await bot.send(user, title)
    if "Sudah ada usulan yang mirip" in texts(calls):
        await bot.press(user, "Lanjutkan usulan saya sendiri")
    await bot.send(user, description)
    await bot.send(user, "RT 3 RW 5")
    await bot.press(user, "Lanjut")
    await bot.send(user, cost)
    await bot.press(user, "Lewati")
    await bot.press(user, "Ya, tampilkan nama" if show_name else "Tidak, sembunyikan nama")
    done = texts(await bot.press(user, "Kirim"))
    assert "Nomor usulan" in done, done
    return done.split("Nomor usulan: ")[1].split(".")[0]


async def write(bot: Simulator, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a storage function in the running bot's database (one transaction)."""
    return await services_of(bot.application).db.write(fn, *args, **kwargs)


def person_id(path: Path, telegram_id: int) -> int:
    [(found,)] = rows(path, "SELECT id FROM people WHERE telegram_id = ?", (telegram_id,))
    return int(found)


def add_proposal(conn: sqlite3.Connection, proposer_id: int | None, **changes: Any) -> Any:
    """A proposal straight into storage (for lists and reviews that need many)."""
    values: dict[str, Any] = dict(
        proposer_id=proposer_id,
        field="lingkungan",
        title="Perbaikan saluran air RT 03",
        description="Saluran air mampet dan meluap setiap hujan deras.",
        rt=3,
        rw=5,
        latitude=None,
        longitude=None,
        estimated_cost=1_500_000,
        photos=[],
        show_name=False,
        now=datetime(2026, 11, 1, tzinfo=UTC),
        year=2026,
    )
    values.update(changes)
    return proposals.create(conn, **values)
