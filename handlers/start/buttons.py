"""The buttons of /start, /bantuan and /bahasa."""

from __future__ import annotations

from dataclasses import dataclass

from bot import buttons
from bot.buttons import Button
from bot.i18n import LANGUAGES

HELP = buttons.menu("help")
LANGUAGE = buttons.menu("language")


@dataclass(frozen=True)
class Language(Button, prefix="lang"):
    code: str

    def valid(self) -> bool:
        return self.code in LANGUAGES
