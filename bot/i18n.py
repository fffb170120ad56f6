"""Gettext catalogs, one Translator per language, money and time formatting.

English msgids; Indonesian is the default and complete. Catalogs are read from
locales/<lang>/LC_MESSAGES/messages.mo when it is at least as new as the .po (the wheel
ships compiled ones), otherwise the .po is compiled in memory: no manual step either way.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

from rules.messages import N_ as N_

Moment = datetime  # for annotations inside Translator, whose `datetime` method shadows it

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
DOMAIN = "messages"

# Babel locales with the Indonesian territory, so English readers also see "Rp".
BABEL_LOCALE = {"id": "id_ID", "en": "en_ID"}


@dataclass(frozen=True)
class Translator:
    """Everything language-dependent for one person: texts, money, times."""

    language: str
    catalog: gettext.NullTranslations
    timezone: ZoneInfo

    def _(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)

    @property
    def babel_locale(self) -> str:
        return BABEL_LOCALE[self.language]

    def money(self, rupiah: int) -> str:
        """Whole rupiah, e.g. Rp1.500.000 (no decimals: money is an integer here)."""
        return format_currency(rupiah, "IDR", locale=self.babel_locale)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def datetime(self, moment: datetime) -> str:
        """A stored UTC moment as the person reads it, in BKM_TIMEZONE."""
        return format_datetime(
            moment, "d MMMM y, HH:mm zzz", tzinfo=self.timezone, locale=self.babel_locale
        )

    def date(self, moment: Moment) -> str:
        return format_datetime(moment, "d MMMM y", tzinfo=self.timezone, locale=self.babel_locale)


def catalog_dir(language: str) -> Path:
    return Path(str(resources.files("locales"))) / language / "LC_MESSAGES"


def _load_catalog(language: str) -> gettext.NullTranslations:
    po = catalog_dir(language) / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
        return gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    compiled = io.BytesIO()
    with po.open("rb") as po_file:
        write_mo(compiled, read_po(po_file, locale=language))
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def load_translators(timezone: ZoneInfo) -> dict[str, Translator]:
    """One Translator per supported language."""
    return {lang: Translator(lang, _load_catalog(lang), timezone) for lang in LANGUAGES}


def pick_language(client_language: str | None, default: str) -> str:
    """The language for a new person: Telegram's language_code when we have it, else default."""
    if client_language:
        base = client_language.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
