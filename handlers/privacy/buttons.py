"""The buttons of /privasi and /hapusdata."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import Button, Static

PRIVACY = buttons.menu("privacy")
KEEP = Static("pdp:keep")


@dataclass(frozen=True)
class Erase(Button, prefix="pdp:erase"):
    token: str = ""  # bot.confirm; missing on buttons older than the tokens (refused)
