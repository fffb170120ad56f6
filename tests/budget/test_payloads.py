"""SQL, HTML and RTL payloads through the budget's chat flows (search, realisation): nothing
breaks, nothing leaks into another table, text comes back exactly."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.simulator import Simulator
from rules.validate import clean_text
from storage import budget, migrate
from storage.budget import LineInput
from storage.db import connect_sync
from tests.conftest import BOARD_ID
from tests.support.payloads import PAYLOADS, refused, tables, untouched
from tests.support.proposals import rows, texts

RESIDENT = 621


def seed_budget(settings: Settings) -> None:
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        conn.execute("BEGIN IMMEDIATE")
        budget.apply_import(
            conn,
            [
                LineInput(
                    year=2026,
                    program="Drainase",
                    activity="Normalisasi saluran",
                    field="lingkungan",
                    source="BLM",
                    rw=5,
                    ksm="KSM Tirta",
                    allocation=60_000_000,
                    realised=0,
                )
            ],
            now=datetime(2026, 11, 1, tzinfo=UTC),
            actor_id=None,
            actor_role="system",
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_through_the_budget_chat_flows(
    bot: Simulator, settings: Settings, payload: str
) -> None:
    shown = clean_text(payload)
    seed_budget(settings)
    before = tables(settings.database)
    await bot.send(BOARD_ID, "/start")
    # search: the Cari step and a question after the command
    await bot.send(RESIDENT, "/anggaran")
    await bot.press(RESIDENT, "Cari")
    assert await bot.send(RESIDENT, payload)
    assert await bot.send(RESIDENT, "/anggaran " + payload)
    # realisation: the line words, then the description
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat realisasi")
    assert "Tidak ada baris" in texts(await bot.send(BOARD_ID, payload))
    await bot.send(BOARD_ID, "drainase")
    await bot.press(BOARD_ID, 1)
    await bot.send(BOARD_ID, "2,5 juta")
    await bot.press(BOARD_ID, "Hari ini")
    await bot.send(BOARD_ID, payload)  # what was bought
    confirm = texts(await bot.press(BOARD_ID, "Tanpa bukti"))
    assert shown in confirm
    await bot.press(BOARD_ID, "Kirim")
    await bot.send(RESIDENT, "/anggaran drainase")
    detail = texts(await bot.press(RESIDENT, "Rincian 1"))
    assert re.search(r"Rp2\.500\.000 — " + re.escape(shown), detail), detail
    assert rows(settings.database, "SELECT description FROM budget_realisations") == [(shown,)]
    assert refused(bot) == []
    untouched(settings.database, before)
