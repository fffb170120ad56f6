"""SQL and HTML payloads through every free-text step of proposals (resident, board, filing on
behalf, hiding)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.config import Settings
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id
from tests.support.payloads import PAYLOADS, refused, tables

PERSON = 611


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_through_every_free_text_step_of_proposals(
    make_bot, settings: Settings, payload: str
) -> None:
    """Title, description, location, cost, the board's cost, period, reasons, progress note,
    the hiding reference and reason, the resident's name when filing on behalf."""
    from bot.simulator import running
    from rules.validate import clean_text
    from tests.support.proposals import make_members, texts

    shown = clean_text(payload)  # direction overrides are dropped on the way in (rules.validate)
    bot = make_bot(settings, flood_limit=(10_000, 10))  # one board member sends many updates
    async with running(bot.application):
        before = tables(settings.database)
        make_members(settings.database, [PERSON])
        await bot.send(BOARD_ID, "/start")

        async def propose(user: int, *, behalf: bool = False) -> None:
            if behalf:
                await bot.send(BOARD_ID, "/admin")
                await bot.press(BOARD_ID, "Catat usulan atas nama warga")
                await bot.press(BOARD_ID, "Kotak saran")
                assert await bot.send(user, payload)  # the resident's name: answered
                if "Bidang" not in texts(bot.api.calls[-1:]):
                    await bot.send(user, "Mbah Sarinem")
            else:
                await bot.send(user, "/usul")
            await bot.press(user, "Lingkungan / infrastruktur")
            calls = await bot.send(user, payload)  # title
            if "Sudah ada usulan yang mirip" in texts(calls):
                await bot.press(user, "Lanjutkan usulan saya sendiri")
            description = description_of(payload)
            if len(payload) < 20:
                assert "pendek" in texts(await bot.send(user, payload)).lower()
            await bot.send(user, description)
            assert await bot.send(user, payload)  # not a location: re-asked
            await bot.send(user, "RT 3 RW 5")
            await bot.press(user, "Lanjut")
            assert "terbaca" in texts(await bot.send(user, payload))  # not an amount
            await bot.send(user, "1,5 juta")
            await bot.press(user, "Lewati")
            await bot.press(user, "Tidak, sembunyikan nama")
            summary = texts(bot.api.calls[-1:])
            assert shown in summary, summary  # shown back exactly as typed
            await bot.press(user, "Kirim")

        async def board(reference: str, *presses: str) -> None:
            for press in presses:
                await bot.send(BOARD_ID, f"/usulan {reference}")
                await bot.press(BOARD_ID, press)

        await propose(PERSON)
        detail = texts(await bot.send(PERSON, "/usulan USL-2026-0001"))
        assert shown in detail and description_of(shown) in detail
        await board("USL-2026-0001", "Verifikasi", "Terima ke daftar prioritas")
        assert "terbaca" in texts(await bot.send(BOARD_ID, payload))  # the board's cost
        await bot.send(BOARD_ID, "2 juta")
        await bot.send(BOARD_ID, payload)  # the planned period
        await board("USL-2026-0001", "Tandai didanai", "Catat perkembangan")
        assert await bot.send(BOARD_ID, payload)  # not a percentage: re-asked
        await bot.send(BOARD_ID, "30")
        await bot.send(BOARD_ID, payload)  # the progress note
        told = texts(await bot.press(BOARD_ID, "Lewati"))
        assert shown in told  # pushed to the proposer exactly as typed
        await board("USL-2026-0001", "Sembunyikan catatan perkembangan 1")
        await bot.send(BOARD_ID, payload)  # the hiding reason
        await bot.send(BOARD_ID, "/admin")
        await bot.press(BOARD_ID, "Sembunyikan konten publik")
        await bot.press(BOARD_ID, "Usulan")
        assert tr_id("I found nothing with that number. Try again.") in texts(
            await bot.send(BOARD_ID, payload)
        )
        await bot.send(BOARD_ID, "/batal")
        public = texts(await bot.send(PERSON, "/usulan USL-2026-0001"))
        assert "disembunyikan oleh pengurus: " + shown in public

        await propose(PERSON)
        await board("USL-2026-0002", "Minta revisi")
        told = texts(await bot.send(BOARD_ID, payload))  # the revision reason
        assert shown in told
        await propose(BOARD_ID, behalf=True)
        await board("USL-2026-0003", "Tolak")
        await bot.send(BOARD_ID, payload)  # the rejection reason
        assert shown in texts(await bot.send(PERSON, "/usulan USL-2026-0003"))

        assert refused(bot) == []
        assert tables(settings.database) == before
        conn = sqlite3.connect(settings.database)
        statuses = conn.execute("SELECT reference, status FROM proposals ORDER BY id").fetchall()
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'x'").fetchone() == (0,)
        conn.close()
        assert statuses == [
            ("USL-2026-0001", "didanai"),
            ("USL-2026-0002", "perlu_revisi"),
            ("USL-2026-0003", "ditolak"),
        ]


def description_of(payload: str) -> str:
    return payload + " — saluran mampet setiap hujan deras"
