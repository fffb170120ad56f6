"""/usul as residents live it: every step, bad answers, Ubah, drafts, restarts."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.proposal_helpers import PROPOSER, rows, texts


async def test_the_whole_flow_in_indonesian(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    assert "bidang apa" in texts(await bot.send(PROPOSER, "/usul"))
    assert "judul singkat" in texts(await bot.press(PROPOSER, "Lingkungan / infrastruktur"))
    assert "Jelaskan masalahnya" in texts(await bot.send(PROPOSER, "Perbaikan saluran air RT 03"))
    assert "Di mana lokasinya" in texts(
        await bot.send(PROPOSER, "Saluran air di depan musala mampet dan meluap setiap hujan.")
    )
    got = texts(await bot.send(PROPOSER, "RT 3 RW 5"))
    assert "RT 03/RW 05 diterima" in got and "lokasi peta" in got
    assert "Perkiraan biaya" in texts(await bot.send_location(PROPOSER))
    assert "paling banyak 3 foto" in texts(await bot.send(PROPOSER, "1,5 juta"))
    await bot.send_photo(PROPOSER)
    assert "2 dari 3 diterima" in texts(await bot.send_photo(PROPOSER, caption="x"))
    asked = texts(await bot.press(PROPOSER, "Selesai"))
    assert "warga RT x/RW y" in asked
    summary = texts(await bot.press(PROPOSER, "Tidak, sembunyikan nama"))
    for expected in (
        "Lingkungan / infrastruktur",
        "Perbaikan saluran air RT 03",
        "RT 03/RW 05",
        "Lokasi peta dibagikan",
        "Rp1.500.000",
        "2 foto",
        "Nama ditampilkan ke publik: tidak",
    ):
        assert expected in summary, expected
    sent = await bot.press(PROPOSER, "Kirim")
    assert "Nomor usulan: USL-2026-0001" in texts([c for c in sent if c.chat_id == PROPOSER])
    assert any(c.chat_id == BOARD_ID and "USL-2026-0001" in c.text for c in sent)
    assert rows(
        settings.database,
        "SELECT reference, field, rt, rw, estimated_cost, status, show_name FROM proposals",
    ) == [("USL-2026-0001", "lingkungan", 3, 5, 1_500_000, "baru", 0)]
    detail = texts(await bot.press(PROPOSER, "Lihat usulan"))
    assert "warga RT 03/RW 05" in detail and "baru" in detail
