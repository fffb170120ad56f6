"""SQL, HTML and RTL payloads through every free-text step of grievances (/lapor, the board's
reply/verify/resolve/reject notes, the /cek follow-up): nothing breaks, nothing leaks into
another table, text comes back exactly."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.simulator import running
from rules.validate import clean_text
from tests.conftest import BOARD_ID
from tests.support.grievances import reference, secret_code, to
from tests.support.i18n import tr_part
from tests.support.payloads import PAYLOADS, refused, tables, untouched
from tests.support.proposals import rows, texts

RESIDENT = 621


def description_of(payload: str) -> str:
    return payload + " — saluran mampet setiap hujan deras"


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
                assert tr_part("That is too short: write at least {minimum} characters.") in texts(
                    await bot.send(RESIDENT, payload)
                )
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
