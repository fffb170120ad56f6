"""What the feature hands to the registries: /transparansi, export, demo, personal data."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
from pathlib import Path

import pytest

from bot.config import Settings
from bot.simulator import Simulator
from storage.grievances import registry
from tests.conftest import BOARD_ID
from tests.support.cli import run_cli
from tests.support.grievances import file_report, reference, rows, texts

RESIDENT = 601
OTHER = 602


async def resolve(bot: Simulator, ref: str) -> None:
    for button, note in (
        ("Verifikasi", "Dicek."),
        ("Ambil", "Dikerjakan."),
        ("Selesaikan", "Sudah beres."),
    ):
        await bot.send(BOARD_ID, "/pengaduan")
        await bot.press(BOARD_ID, "Belum selesai")
        await bot.press(BOARD_ID, ref)
        await bot.press(BOARD_ID, button)
        await bot.send(BOARD_ID, note)


async def test_transparency_counts_and_the_public_list(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/start")
    first = reference(await file_report(bot, RESIDENT, public=True))
    await file_report(bot, RESIDENT, identity="Anonim", public=False)
    await resolve(bot, first)
    page = texts(await bot.send(OTHER, "/transparansi"))
    assert "Pengaduan" in page
    assert "Bulan ini: diterima 2, selesai 1, ditolak 0, terlambat 0" in page
    assert "median 0 hari kerja" in page  # resolved the same working day
    assert first in page and "LPR-2026-0002" not in page  # only the one marked public


def test_median_counts_working_days() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from handlers.grievances import median_days

    friday = datetime(2026, 12, 18, 3, tzinfo=UTC)
    stats = registry.Stats(
        received=3,
        resolved=3,
        rejected=0,
        overdue=0,
        resolution_spans=[
            (friday, datetime(2026, 12, 21, 3, tzinfo=UTC)),  # Mon: 1 working day
            (friday, datetime(2026, 12, 28, 3, tzinfo=UTC)),  # 21–24, (25), 28: 5
            (friday, datetime(2026, 12, 22, 3, tzinfo=UTC)),  # 2
        ],
    )
    assert median_days(stats, ZoneInfo("Asia/Jakarta")) == 2


@pytest.mark.slow
async def test_the_csv_export_holds_no_identities(
    bot: Simulator, settings: Settings, tmp_path: Path
) -> None:
    bot.names[RESIDENT] = "Sulastri"
    await file_report(bot, RESIDENT, identity="Terbuka", description="Sulastri melihat " * 3)
    await file_report(bot, RESIDENT, identity="Anonim")
    result = await asyncio.to_thread(
        run_cli, ["export", "grievances"], tmp_path, BKM_DATABASE=str(settings.database)
    )
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0][:3] == ["ref", "category", "status"]
    assert [row[4] for row in table[1:]] == ["terbuka", "anonim"]
    assert "Sulastri" not in result.stdout and str(RESIDENT) not in result.stdout


async def test_personal_data_export_erase_and_merge(bot: Simulator, settings: Settings) -> None:
    bot.names[RESIDENT] = "Sulastri"
    named = reference(await file_report(bot, RESIDENT, identity="Rahasia"))
    await file_report(bot, RESIDENT, identity="Anonim")
    await bot.send(OTHER, "/start")
    conn = sqlite3.connect(settings.database, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        person = conn.execute("SELECT id FROM people WHERE telegram_id = ?", (RESIDENT,))
        person_id = person.fetchone()[0]
        other_id = conn.execute(
            "SELECT id FROM people WHERE telegram_id = ?", (OTHER,)
        ).fetchone()[0]
        exported = registry.export_person(conn, person_id)
        assert [r["ref"] for r in exported] == [named]  # the anonymous one leads nowhere
        # merge moves named reports to the kept account
        conn.execute("BEGIN")
        registry.merge_people(conn, other_id, person_id)
        conn.execute("COMMIT")
        assert [r["ref"] for r in registry.export_person(conn, other_id)] == [named]
        assert registry.export_person(conn, person_id) == []
        # erase keeps the report as a record, shown as "warga (dihapus)"
        conn.execute("BEGIN")
        registry.erase_person(conn, other_id, bot.application.services.clock.now())
        conn.execute("COMMIT")
        assert registry.export_person(conn, other_id) == []
    finally:
        conn.close()
    assert rows(settings.database, "SELECT COUNT(*), SUM(reporter_erased) FROM grievances") == [
        (2, 1)
    ]
    await bot.send(BOARD_ID, "/pengaduan")
    card = texts(await bot.press(BOARD_ID, named))
    assert "warga (dihapus)" in card and "Sulastri" not in card


@pytest.mark.slow
def test_demo_data_has_one_report_per_identity(tmp_path: Path) -> None:
    result = run_cli(["shell", "--demo"], tmp_path, stdin="/transparansi\n")
    assert result.returncode == 0, result.stderr
    assert "Pengaduan" in result.stdout and re.search(r"LPR-\d{4}-0001", result.stdout)
    found = rows(tmp_path / "bkm-shell.sqlite3", "SELECT identity FROM grievances ORDER BY id")
    assert found == [("terbuka",), ("rahasia",), ("anonim",)]
