"""/lapor as residents use it: each identity mode, bad input, the daily limit."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.grievance_steps import (
    file_report,
    reference,
    rows,
    texts,
    to,
)

RESIDENT = 301


async def test_an_open_report_end_to_end(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    bot.names[RESIDENT] = "Siti"
    calls = await file_report(bot, RESIDENT, identity="Terbuka", expected="Diperbaiki bulan ini")
    ref = reference(calls)
    assert ref == "LPR-2026-0001"
    assert "Terkirim" in texts(to(calls, RESIDENT))
    board = texts(to(calls, BOARD_ID))
    assert "Laporan baru LPR-2026-0001" in board and "Infrastruktur" in board
    assert rows(settings.database, "SELECT status, identity, public FROM grievances") == [
        ("diterima", "terbuka", 1)
    ]
