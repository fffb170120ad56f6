"""Helpers for the confirmation tests: the data of a button on screen, the early-close chooser."""

from __future__ import annotations

from bot.simulator import Simulator


def button(bot: Simulator, user_id: int, prefix: str) -> tuple[int, str]:
    """The newest message with buttons in the person's chat: its id and the data of the
    button whose data starts with prefix."""
    found = bot.api.last_buttons(user_id)
    assert found is not None, "no buttons on screen"
    message_id, buttons = found
    [data] = [b["callback_data"] for b in buttons if b.get("callback_data", "").startswith(prefix)]
    return message_id, str(data)


async def close_button(bot: Simulator, board_user: int) -> tuple[int, str]:
    await bot.send(board_user, "/admin")
    await bot.press(board_user, "Tutup polling lebih awal")
    return button(bot, board_user, "pol:x:")
