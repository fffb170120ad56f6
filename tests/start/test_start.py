"""/start, /bantuan and /bahasa as a resident sees them."""

from __future__ import annotations

from bot.simulator import Simulator
from tests.conftest import BOARD_ID


async def test_start_answers_in_indonesian_with_the_main_menu(bot: Simulator) -> None:
    calls = await bot.send(42, "/start", language_code="id", first_name="Siti")
    [message] = [c for c in calls if c.method == "sendMessage"]
    assert message.chat_id == 42
    assert "Selamat datang, Siti!" in message.text
    labels = [b["text"] for b in message.buttons]
    assert "Menjadi anggota" in labels and "Transparansi" in labels
    assert "Menu pengurus" not in labels  # residents do not see the board's menu


async def test_start_speaks_english_to_an_english_client(bot: Simulator) -> None:
    calls = await bot.send(43, "/start", language_code="en-GB", first_name="Sam")
    assert "Welcome, Sam!" in calls[-1].text


async def test_unknown_client_language_falls_back_to_indonesian(bot: Simulator) -> None:
    calls = await bot.send(44, "/start", language_code="fr")
    assert "Selamat datang" in calls[-1].text


async def test_board_member_sees_board_commands_in_help(bot: Simulator) -> None:
    resident = (await bot.send(45, "/bantuan"))[-1].text
    board = (await bot.send(BOARD_ID, "/bantuan"))[-1].text
    assert "/admin" not in resident
    assert "/admin" in board
    assert "/daftar" in resident
