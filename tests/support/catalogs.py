"""The compiled catalogs (`locales/*/LC_MESSAGES/messages.mo`), written once per test run.

bot.i18n reads a `.mo` that is at least as new as its `.po` and otherwise compiles the `.po`
in memory, which costs about 50 ms of CPU for each Application a test builds. Writing the
`.mo` files (as the wheel ships them; they are git-ignored) once, before the tests, takes that
off every test. Each is written to a temporary name and renamed, so parallel workers never
read half a file; a `.mo` older than its `.po` is written again.
"""

from __future__ import annotations

import os
import tempfile

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LANGUAGES, catalog_dir


def compile_stale() -> None:
    for language in LANGUAGES:
        po = catalog_dir(language) / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as po_file:
            catalog = read_po(po_file, locale=language)
        handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as mo_file:
                write_mo(mo_file, catalog)
            os.replace(temporary, mo)
        except BaseException:
            os.unlink(temporary)
            raise
