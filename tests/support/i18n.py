"""What a person reads, looked up in the real catalogs instead of written out in the test.

Tests assert that a message was shown (`tr_id("Your proposal was sent.") in text`); the
wording itself is guarded by tests/bot/test_i18n.py. A msgid that is not in the catalog
fails at once, so a test cannot pass by comparing a text with itself. `tr_id` and `tr_part`
give the text as a person sees it (HTML tags dropped, entities read), like `ApiCall.text`.
"""

from __future__ import annotations

import html
import re
from functools import cache
from zoneinfo import ZoneInfo

from bot.i18n import Translator, load_translators

_PLACEHOLDER = re.compile(r"\{\w*\}")
_TAG = re.compile(r"</?[a-z][^>]*>")


def visible(text: str) -> str:
    """What Telegram shows of an HTML message: no tags, entities read."""
    return html.unescape(_TAG.sub("", text))


@cache
def translators() -> dict[str, Translator]:
    """The bot's own Translators (Asia/Jakarta), loaded once per test process."""
    return load_translators(ZoneInfo("Asia/Jakarta"))


def tr(language: str, msgid: str, **values: object) -> str:
    """The text of `msgid` in `language`, formatted with `values` when given."""
    catalog = translators()[language].catalog
    text = catalog.gettext(msgid)
    if language == "id" and text == msgid:
        # gettext answers an unknown msgid with itself; the Indonesian catalog is complete
        raise KeyError(f"not in the Indonesian catalog: {msgid!r}")
    return text.format(**values) if values else text


def tr_id(msgid: str, **values: object) -> str:
    """The Indonesian text of `msgid` (the default language) as shown, formatted with `values`."""
    return visible(tr("id", msgid, **values))


def tr_part(msgid: str, language: str = "id") -> str:
    """The longest part of the shown message without a placeholder: what every rendering of
    a message with `{placeholders}` shows, whatever the values."""
    return max(_PLACEHOLDER.split(visible(tr(language, msgid))), key=len).strip()


def tr_nid(singular: str, plural: str, n: int, **values: object) -> str:
    """The Indonesian text of a message with a plural form, for `n`, as shown; `n` is also
    one of the values it is formatted with."""
    text = translators()["id"].catalog.ngettext(singular, plural, n)
    if text in (singular, plural):
        raise KeyError(f"not in the Indonesian catalog: {singular!r}")
    return visible(text.format(n=n, **values))
