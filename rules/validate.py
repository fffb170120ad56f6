"""Checks on what people type, shared by every flow. Each returns the clean value or raises."""

from __future__ import annotations

import re
import unicodedata

from rules.messages import N_, Texts


class Rupiah(int):
    """An Invalid field shown as money (Rp1.500.000) rather than as a number."""


class Invalid(ValueError):
    """The answer cannot be used; `message` is an N_() msgid, `fields` fill its placeholders."""

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def text(self, tr: Texts) -> str:
        """The reason in the person's language, money and numbers formatted by Babel."""
        values = {
            key: tr.money(value)
            if isinstance(value, Rupiah)
            else tr.number(value)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for key, value in self.fields.items()
        }
        return tr._(self.message).format(**values)


_NAME = re.compile(r"^[^\W\d_]+(?:[ .'’-]+[^\W\d_]+)*\.?$")


def clean_text(text: str) -> str:
    """NFC-normalise, drop control and format characters, collapse runs of spaces."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        ch for ch in text if ch in "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs")
    )
    return re.sub(r"[ \t]+", " ", text).strip()


def text_length(text: str, minimum: int, maximum: int) -> str:
    """Free text between minimum and maximum characters, cleaned."""
    value = clean_text(text)
    if len(value) < minimum:
        raise Invalid(
            N_("That is too short: write at least {minimum} characters."), minimum=minimum
        )
    if len(value) > maximum:
        raise Invalid(
            N_("That is too long: at most {maximum} characters (you wrote {length})."),
            maximum=maximum,
            length=len(value),
        )
    return value


def person_name(text: str) -> str:
    """A full name: letters (any script), spaces, dots, apostrophes and hyphens; 3–100."""
    value = text_length(text, 3, 100)
    if "\n" in value or not _NAME.match(value):
        raise Invalid(N_("Please write a name with letters only, for example: Siti Aminah."))
    return value
