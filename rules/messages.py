"""Texts a rule hands up: msgids marked for extraction, translated where they are shown.

`N_` marks a msgid (bot.catalogs extracts it); `Texts` is what a rule needs of a
translator to word its own refusal (bot.i18n.Translator is one)."""

from __future__ import annotations

from typing import Protocol


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


class Texts(Protocol):
    def _(self, message: str) -> str: ...

    def money(self, rupiah: int) -> str: ...

    def number(self, value: int | float) -> str: ...
