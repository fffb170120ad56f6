"""SQL and HTML payloads through every free-text step of membership and the board's member
actions (proposals, grievances, polls and the budget have their own)."""

from __future__ import annotations

import sqlite3

import pytest

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.payloads import PAYLOADS, refused, tables

PERSON = 611


async def approve(bot: Simulator) -> None:
    await bot.send(PERSON, "/daftar")
    await bot.send(PERSON, "Siti Aminah")
    await bot.send(PERSON, "RT 1 RW 1")
    await bot.press(PERSON, "Perempuan")
    await bot.press(PERSON, "Kirim")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Setujui")


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_never_break_a_message_or_the_database(
    bot: Simulator, settings: Settings, payload: str
) -> None:
    before = tables(settings.database)
    await bot.send(BOARD_ID, "/start")
    # membership: name and RT/RW steps
    await bot.send(PERSON, "/daftar")
    await bot.send(PERSON, payload)
    await bot.send(PERSON, "/batal")
    await approve(bot)
    # board: search, move, revoke reason, merge number
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    await bot.press(BOARD_ID, "Cari nama")
    await bot.send(BOARD_ID, payload)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Anggota dan pengurus")
    [card] = [b for b in bot.buttons(BOARD_ID) if b["text"].startswith("Siti")]
    for action in ("Pindah ke RT/RW lain", "Gabungkan akun lain ke akun ini", "Cabut keanggotaan"):
        await bot.send(BOARD_ID, "/admin")
        await bot.press(BOARD_ID, "Anggota dan pengurus")
        await bot.press(BOARD_ID, card["text"])
        await bot.press(BOARD_ID, action)
        calls = await bot.send(BOARD_ID, payload)
        assert calls, action  # always an answer
    # the revocation reason went to the member exactly as typed, escaped
    told = [c for c in bot.api.calls if c.chat_id == PERSON and "Alasan" in c.text]
    assert told and payload.split()[0] in told[-1].text
    # stray text and a payload as a command argument
    await bot.send(PERSON, payload)
    await bot.send(PERSON, "/start " + payload)
    assert refused(bot) == []
    assert tables(settings.database) == before
    conn = sqlite3.connect(settings.database)
    assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'x'").fetchone() == (0,)
    conn.close()
