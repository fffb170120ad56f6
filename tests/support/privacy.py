"""Helpers for the personal-data tests: a resident whose name and id are easy to find."""

from __future__ import annotations

import struct
from pathlib import Path

from bot.simulator import Simulator
from tests.conftest import BOARD_ID

RESIDENT = 7_381_294_650  # a Telegram id whose bytes are distinctive in the file
NAME = "Kartika Wulandari"
FIRST_NAME = "Kartikaxyz"
USERNAME = "kartika_rw05_q"


def needles() -> list[bytes]:
    return [
        NAME.encode(),
        FIRST_NAME.encode(),
        USERNAME.encode(),
        str(RESIDENT).encode(),
        struct.pack(">q", RESIDENT)[2:],  # SQLite's 6-byte integer encoding
    ]


def raw(path: Path) -> bytes:
    found = b""
    for candidate in (path, path.with_name(path.name + "-wal")):
        if candidate.exists():
            found += candidate.read_bytes()
    return found


async def become_member(bot: Simulator) -> None:
    bot.names[RESIDENT] = FIRST_NAME
    await bot.send(RESIDENT, "/daftar")
    await bot.send(RESIDENT, NAME)
    await bot.send(RESIDENT, "RT 3 RW 5")
    await bot.press(RESIDENT, "Perempuan")
    await bot.press(RESIDENT, "Kirim")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Setujui")
