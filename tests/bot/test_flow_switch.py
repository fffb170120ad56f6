"""One current flow per person: starting another flow ends the one left waiting, so the next
text goes to the flow the person is in now (bot.flows.save_step ends the others)."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.grievances import DESCRIPTION
from tests.support.proposals import PROPOSER, make_members, rows, texts

TITLE = "Perbaikan saluran air di gang Melati"


async def test_a_text_after_switching_from_usul_to_lapor_goes_to_the_report(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await bot.send(PROPOSER, "/usul")
    asked = await bot.press(PROPOSER, "Lingkungan / infrastruktur")
    assert "judul" in texts(asked).lower()  # /usul waits for the title
    await bot.send(PROPOSER, "/lapor")
    await bot.press(PROPOSER, "Infrastruktur")
    calls = await bot.send(PROPOSER, DESCRIPTION)  # the report's description, not a title
    assert "judul" not in texts(calls).lower()
    await bot.press(PROPOSER, "Lewati")  # expected outcome
    await bot.send(PROPOSER, "RT 2 RW 1")
    await bot.press(PROPOSER, "Lewati")  # evidence
    await bot.press(PROPOSER, "Terbuka")
    await bot.press(PROPOSER, "Tidak")
    summary = await bot.press(PROPOSER, "Kirim")
    assert "LPR-2026-0001" in texts(summary)
    assert rows(settings.database, "SELECT description FROM grievances") == [(DESCRIPTION,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM proposals") == [(0,)]
    # a later text goes nowhere near the proposal either: the stray-message answer
    await bot.send(PROPOSER, TITLE)
    assert rows(settings.database, "SELECT COUNT(*) FROM proposals") == [(0,)]
    # the proposal's draft is kept: /usul offers to continue it
    assert "belum selesai" in texts(await bot.send(PROPOSER, "/usul"))


async def test_a_board_reason_after_switching_goes_to_the_flow_in_use(
    bot: Simulator, settings: Settings
) -> None:
    """A board member asked for a grievance reply then opens /lapor's flow for a resident:
    their text is the report, never the reply."""
    make_members(settings.database, [PROPOSER])
    await bot.send(BOARD_ID, "/start")
    await bot.send(PROPOSER, "/lapor")
    await bot.press(PROPOSER, "Infrastruktur")
    await bot.send(PROPOSER, DESCRIPTION)
    await bot.press(PROPOSER, "Lewati")
    await bot.send(PROPOSER, "RT 2 RW 1")
    await bot.press(PROPOSER, "Lewati")
    await bot.press(PROPOSER, "Terbuka")
    await bot.press(PROPOSER, "Tidak")
    await bot.press(PROPOSER, "Kirim")
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, "LPR-2026-0001")
    await bot.press(BOARD_ID, "Balas pelapor")  # waits for the reply text
    await bot.send(BOARD_ID, "/usul")
    asked = await bot.press(BOARD_ID, "Lingkungan / infrastruktur")
    assert "judul" in texts(asked).lower()
    calls = await bot.send(BOARD_ID, TITLE)
    assert [c for c in calls if c.chat_id == PROPOSER] == []  # no reply reached the reporter
    assert rows(
        settings.database, "SELECT COUNT(*) FROM grievance_messages WHERE author = 'board'"
    ) == [(0,)]


async def test_an_anonymous_follow_up_after_leaving_usul_goes_to_the_report(
    bot: Simulator, settings: Settings
) -> None:
    """The /cek follow-up keeps nothing on disk, yet it too ends a flow left waiting."""
    from tests.support.grievances import file_report, reference, secret_code

    make_members(settings.database, [PROPOSER])
    calls = await file_report(bot, PROPOSER, identity="Anonim")
    ref, code = reference(calls), secret_code(calls)
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lingkungan / infrastruktur")  # waits for the title
    await bot.send(PROPOSER, f"/cek {ref} {code}")
    await bot.press(PROPOSER, "Tambah informasi atau bukti")
    calls = await bot.send(PROPOSER, "Airnya sekarang masuk ke dapur warga.")
    assert "ditambahkan" in texts(calls).lower()
    assert rows(settings.database, "SELECT text FROM grievance_messages") == [
        ("Airnya sekarang masuk ke dapur warga.",)
    ]
