"""Grievances, polls and budget on the accountability seams of the public page: their board
actions on /transparansi (never a grievance's reference or reporter), voters and reporters by
RW and gender ("< 5" for small groups), and the money trail between proposals and budget."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from bot.config import Settings
from bot.context import services_of
from bot.simulator import Simulator
from storage import budget, moderation, polls
from storage.budget import LineInput
from storage.grievances import registry as grievance_registry
from storage.grievances import reports as grievances
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference
from tests.support.i18n import tr_id
from tests.support.polls import add_people, create_poll
from tests.support.proposals import PROPOSER, make_members, propose, rows, texts

OUTSIDER = 499


def section(page: str, heading: str) -> str:
    """One block of the public page: from its heading to the next bold heading."""
    start = page.index(heading)
    rest = page[start + len(heading) :]
    return heading + rest


async def write(bot: Simulator, fn, *args, **kw):  # type: ignore[no-untyped-def]
    return await services_of(bot.application).db.write(fn, *args, **kw)


def budget_line(**kw: object) -> LineInput:
    base: dict[str, object] = {
        "year": 2026, "program": "Drainase", "activity": "Normalisasi saluran",
        "field": "lingkungan", "source": "BLM", "rw": 5, "ksm": "KSM Tirta",
        "allocation": 60_000_000, "realised": 27_000_000,
    }  # fmt: skip
    base.update(kw)
    return LineInput(**base)  # type: ignore[arg-type]


async def test_board_actions_of_grievances_polls_and_budget_on_the_public_page(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    bot.names[OUTSIDER] = "Sulastri Wibowo"
    ref = reference(await file_report(bot, OUTSIDER, identity="Terbuka", public=True))
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, ref)
    await bot.press(BOARD_ID, "Verifikasi")
    await bot.send(BOARD_ID, "Sudah dicek ke lokasi.")
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, ref)
    await bot.press(BOARD_ID, "Naikkan tingkat")
    await bot.press(BOARD_ID, 1)  # confirm
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, ref)
    await bot.press(BOARD_ID, "Sembunyikan ringkasan publik")
    await bot.send(BOARD_ID, "Menyebut nama tetangga.")

    board_id = (await write(bot, lambda c: c.execute(
        "SELECT id FROM people WHERE telegram_id = ?", (BOARD_ID,)).fetchone()))[0]  # fmt: skip
    await add_people(bot, [301, 302])
    poll_id, poll_ref, _ = await create_poll(bot)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat surat suara kertas")
    await bot.press(BOARD_ID, 1)
    ids = [r[0] for r in rows(settings.database, "SELECT person_id FROM poll_eligible")][:2]
    await bot.send(BOARD_ID, f"{ids[0]}, {ids[1]}")
    await bot.send(BOARD_ID, "1\n2")
    await bot.press(BOARD_ID, "Simpan")
    now = services_of(bot.application).clock.now()
    await write(bot, polls.close, poll_id, now=now, board_id=board_id, reason="Rapat maju.")

    await write(bot, budget.apply_import, [budget_line()], now=now, actor_id=None,
                actor_role="system")  # fmt: skip
    [(line_id,)] = rows(settings.database, "SELECT id FROM budget_lines")
    await write(bot, budget.add_entry, line_id=line_id, spent_on=date(2026, 11, 28),
                amount=1_000_000, description="Semen", receipt=None, actor_id=board_id,
                now=now)  # fmt: skip

    page = texts(await bot.send(OUTSIDER + 1, "/transparansi"))
    block = page[page.index("Tindakan pengurus terbaru") :]
    for shown in (
        "Sebuah pengaduan diverifikasi",
        "Sebuah pengaduan dinaikkan ke tingkat yang lebih tinggi",
        "Konten publik disembunyikan oleh pengurus",
        f"Sebuah polling diterbitkan ({poll_ref})",
        f"Surat suara tatap muka dicatat: 2 ({poll_ref})",
        f"Sebuah polling ditutup lebih awal ({poll_ref})",
        "Anggaran satu tahun diimpor (2026)",  # by the command line: the system's, shown too
        "Realisasi anggaran dicatat",
    ):
        assert shown in block, shown
    # nothing about the report or its reporter: no reference, no name, no filing
    assert ref not in block and "Sulastri" not in block and "grievance." not in block
    assert "Semen" not in block and "Rapat maju" not in block


async def test_voters_and_reporters_by_rw_and_gender(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    women = [601, 602, 603, 604, 605, 606]
    men = [611]
    await add_people(bot, women, rw=3)
    await add_people(bot, men, rw=7)

    def genders(conn: sqlite3.Connection) -> None:
        conn.execute(
            "UPDATE people SET gender = CASE WHEN telegram_id BETWEEN 601 AND 606 THEN 'female'"
            " WHEN telegram_id = 611 THEN 'male' END WHERE telegram_id BETWEEN 601 AND 611"
        )

    await write(bot, genders)
    _poll_id, _ref, _ = await create_poll(
        bot,
        question="Tanggal kerja bakti?",
        ballot="Pemungutan suara terbuka",
        results="Setelah ditutup",
    )
    for voter in [*women, *men]:
        await bot.send(voter, "/polling")
        await bot.press(voter, "1. Drainase RW 03")
    # reporters: five named (one twice: counted once), one anonymous
    for reporter in women[:5]:
        await file_report(bot, reporter)
    await file_report(bot, women[0], description="Lampu jalan di gang Mawar mati sejak seminggu.")
    await file_report(bot, men[0], identity="Anonim")

    page = texts(await bot.send(OUTSIDER, "/transparansi"))
    voters = page[page.index("Pemberi suara tahun 2026 per RW") :]
    voters = voters[: voters.index("Pelapor pengaduan")]
    assert "RW 03: 6" in voters and "RW 07: < 5" in voters
    assert "perempuan: 6" in voters and "laki-laki: < 5" in voters
    reporters = page[page.index("Pelapor pengaduan tahun 2026 per RW") :]
    assert "RW 03: 5" in reporters and "RW 07" not in reporters.split("Laporan anonim")[0]
    assert "perempuan: 5" in reporters and tr_id("men") not in reporters.split("Laporan anonim")[0]
    assert "Laporan anonim tahun 2026 (tidak dihitung per RW atau jenis kelamin): < 5" in page
    assert "Warga 611" not in page  # the anonymous reporter


async def test_the_money_trail_both_ways(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot, title="Normalisasi saluran <gang> Melati")
    await bot.send(BOARD_ID, "/start")
    now = services_of(bot.application).clock.now()
    await write(bot, budget.apply_import, [budget_line(proposal_ref="USL-2026-0001")],
                now=now, actor_id=None, actor_role="system")  # fmt: skip
    detail = texts(await bot.send(PROPOSER, "/usulan USL-2026-0001"))
    assert tr_id("<b>Budget and realisation</b>") in detail
    assert "Rp60.000.000" in detail and "Rp27.000.000" in detail and "45,0%" in detail

    await bot.send(PROPOSER, "/anggaran drainase")
    line = texts(await bot.press(PROPOSER, "Rincian 1"))
    assert "Mendanai usulan USL-2026-0001: Normalisasi saluran <gang> Melati (baru)" in line

    # a proposal the board hid: the budget line names only its reference
    board_id = rows(settings.database, "SELECT id FROM people WHERE telegram_id = ?",
                    (BOARD_ID,))[0][0]  # fmt: skip
    await write(bot, moderation.hide, object_type="proposal", object_id="USL-2026-0001",
                reason="Memuat nama.", board_id=board_id, now=now)  # fmt: skip
    await bot.send(PROPOSER, "/anggaran drainase")
    line = texts(await bot.press(PROPOSER, "Rincian 1"))
    assert "Mendanai usulan USL-2026-0001" in line and "Melati" not in line


async def test_a_report_filed_for_a_resident_is_not_a_public_board_action(
    bot: Simulator, settings: Settings
) -> None:
    """The board filing for a resident is the resident's report: not on the board actions;
    the resident counts as a reporter by the typed name and the report's RW."""
    await bot.send(BOARD_ID, "/start")
    [(board_id,)] = rows(
        settings.database, "SELECT id FROM people WHERE telegram_id = ?", (BOARD_ID,)
    )
    now = services_of(bot.application).clock.now()
    for name in ("Mbah Sarinem", " mbah sarinem ", "Pak Darmo"):
        data = {
            "category": "lainnya", "description": "Surat pengantar belum selesai dua minggu.",
            "rt": 2, "rw": 4, "identity": "terbuka", "public": False, "reporter_name": name,
        }  # fmt: skip
        await write(bot, grievances.create, data=data, reporter_id=None, filed_by=board_id,
                    channel="in_person", now=now, local_year=2026,
                    response_due=now + timedelta(days=7), resolve_due=now + timedelta(days=20),
                    reminders={}, secret=None)  # fmt: skip
    page = texts(await bot.send(OUTSIDER, "/transparansi"))
    block = page[page.index("Tindakan pengurus terbaru") :]
    assert "grievance" not in block and "pengaduan" not in block.lower()
    reporters = page[page.index("Pelapor pengaduan tahun 2026 per RW") :]
    assert "RW 04: < 5" in reporters and "tidak disebutkan: < 5" in reporters
    assert "Sarinem" not in page and "Darmo" not in page
    counted = await write(bot, grievance_registry.reporter_participation, 2026)
    assert counted == ([(4, 2)], [("unspecified", 2)], 0)  # "Mbah Sarinem" counted once
