"""SQL, HTML and RTL payloads through every free-text step of grievances (/lapor, the board's
reply/verify/resolve/reject notes, the /cek follow-up), poll creation (question, options, RW,
closing, quorum, the early-close reason) and the budget's chat flows (search, realisation):
nothing breaks, nothing leaks into another table, text comes back exactly."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import pytest

from bot.config import Settings
from bot.simulator import Simulator, running
from rules.validate import clean_text
from storage import budget, migrate
from storage.budget import LineInput
from storage.db import connect_sync
from tests.conftest import BOARD_ID
from tests.membership.test_payloads import PAYLOADS, refused, tables
from tests.support.grievances import reference, secret_code, to
from tests.support.polls import add_people, raw_rows
from tests.support.polls import texts as poll_texts
from tests.support.proposals import rows, texts

RESIDENT = 621


def description_of(payload: str) -> str:
    return payload + " — saluran mampet setiap hujan deras"


def untouched(path: object, before: set[str]) -> None:
    assert tables(path) == before  # type: ignore[arg-type]
    conn = sqlite3.connect(path)  # type: ignore[arg-type]
    try:
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'x'").fetchone() == (0,)
    finally:
        conn.close()


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_through_every_free_text_step_of_grievances(
    make_bot, settings: Settings, payload: str
) -> None:
    shown = clean_text(payload)  # direction overrides are dropped on the way in
    bot = make_bot(settings, flood_limit=(10_000, 10))
    async with running(bot.application):
        before = tables(settings.database)
        await bot.send(BOARD_ID, "/start")

        async def report(identity: str) -> list:  # type: ignore[type-arg]
            await bot.send(RESIDENT, "/lapor")
            await bot.press(RESIDENT, "Keuangan/Dana")
            if len(clean_text(payload)) < 20:
                assert "Terlalu pendek" in texts(await bot.send(RESIDENT, payload))
            await bot.send(RESIDENT, description_of(payload))
            assert "tidak terbaca" in texts(await bot.send(RESIDENT, payload)).lower()  # amount
            await bot.send(RESIDENT, "750rb")
            await bot.send(RESIDENT, payload)  # the expected outcome
            assert "RT/RW" in texts(await bot.send(RESIDENT, payload))  # not an RT/RW
            await bot.send(RESIDENT, "RT 2 RW 1")
            await bot.press(RESIDENT, "Lewati")  # evidence
            await bot.press(RESIDENT, identity)
            summary = texts(await bot.press(RESIDENT, "Ya, tampilkan"))
            assert description_of(shown) in summary and shown in summary, summary
            return await bot.press(RESIDENT, "Kirim")

        async def board(ref: str, button: str, note: str) -> list:  # type: ignore[type-arg]
            await bot.send(BOARD_ID, "/pengaduan")
            await bot.press(BOARD_ID, ref)
            await bot.press(BOARD_ID, button)
            return await bot.send(BOARD_ID, note)

        named = reference(await report("Terbuka"))
        for button in ("Balas pelapor", "Verifikasi", "Ambil", "Selesaikan"):
            told = await board(named, button, payload)
            assert shown in texts(to(told, RESIDENT)), button  # exactly as typed
        await bot.send(RESIDENT, "/laporanku")
        card = texts(await bot.press(RESIDENT, named))
        assert description_of(shown) in card and shown in card

        calls = await report("Anonim")
        anonymous, code = reference(calls), secret_code(calls)
        await board(anonymous, "Tolak", payload)
        await bot.send(RESIDENT, f"/cek {anonymous} {code}")
        await bot.send(RESIDENT, "/cek " + payload)  # a forged number and code: refused
        checked = texts(await bot.send(RESIDENT, f"/cek {anonymous} {code}"))
        assert shown in checked  # the rejection reason
        named_two = reference(await report("Terbuka"))
        anonymous_two = await report("Anonim")
        ref2, code2 = reference(anonymous_two), secret_code(anonymous_two)
        await bot.send(RESIDENT, f"/cek {ref2} {code2}")
        await bot.press(RESIDENT, "Tambah informasi atau bukti")
        calls = await bot.send(RESIDENT, payload)  # the follow-up
        assert "ditambahkan" in texts(to(calls, RESIDENT)).lower()
        await bot.send(BOARD_ID, "/pengaduan")
        assert shown in texts(await bot.press(BOARD_ID, ref2))
        assert named_two

        assert refused(bot) == []
        untouched(settings.database, before)
        assert rows(
            settings.database, "SELECT COUNT(*) FROM grievance_messages WHERE text = ?", (shown,)
        ) == [(6,)]  # reply, verify, take, resolve, reject, follow-up: stored as typed


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_through_poll_creation_and_the_early_close(
    make_bot, settings: Settings, payload: str
) -> None:
    shown = clean_text(payload)
    bot = make_bot(settings, flood_limit=(10_000, 10))
    async with running(bot.application):
        before = tables(settings.database)
        await bot.send(BOARD_ID, "/start")
        await add_people(bot, [631, 632], rw=1)
        await bot.send(BOARD_ID, "/buatpolling")
        await bot.send(BOARD_ID, payload)  # the question
        assert "paling sedikit 2" in poll_texts(await bot.send(BOARD_ID, payload))  # one option
        options = f"{payload}\nTidak & <tidak>"
        await bot.send(BOARD_ID, options)
        await bot.press(BOARD_ID, "Anggota satu RW")
        assert "RW" in poll_texts(await bot.send(BOARD_ID, payload))  # not an RW: re-asked
        await bot.send(BOARD_ID, "RW 1")
        await bot.press(BOARD_ID, "Pemungutan suara terbuka")
        await bot.press(BOARD_ID, "Satu pilihan")
        assert "terbaca" in poll_texts(await bot.send(BOARD_ID, payload)).lower()  # closing
        await bot.send(BOARD_ID, "3 hari")
        await bot.press(BOARD_ID, "Setelah ditutup")
        assert "1 sampai 100" in poll_texts(await bot.send(BOARD_ID, payload))  # quorum
        preview = poll_texts(await bot.press(BOARD_ID, "Tanpa kuorum"))
        assert shown in preview and "Tidak & <tidak>" in preview
        published = await bot.press(BOARD_ID, "Terbitkan")
        invitation = poll_texts(published, 631)
        assert shown in invitation
        poll_id = raw_rows(settings.database, "SELECT id FROM polls")[0][0]
        await bot.press_data(631, f"pol:v:{poll_id}:1", 1)
        await bot.send(BOARD_ID, "/admin")
        await bot.press(BOARD_ID, "Tutup polling lebih awal")
        await bot.press(BOARD_ID, 1)
        closed = await bot.send(BOARD_ID, payload)  # the reason
        told = poll_texts(closed, 632)
        assert f"Alasan: {shown}" in told and f"1. {shown}: 1 suara" in told
        assert raw_rows(settings.database, "SELECT question, close_reason FROM polls") == [
            (shown, shown)
        ]
        assert refused(bot) == []
        untouched(settings.database, before)


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
