"""Keep the catalogs in step with the source: `python -m bot.catalogs` extracts and updates.

Extraction reads bot/ and handlers/ for _(), N_() and ngettext(); messages.pot is rewritten
and each language's .po is updated from it (new entries empty, obsolete ones dropped).
The tests call `extract()` to fail when the committed catalog is stale.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
POT = ROOT / "locales" / f"{DOMAIN}.pot"


def po_path(language: str) -> Path:
    return ROOT / "locales" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every translatable message in the source, without locations."""
    catalog = Catalog(project="bkm-bot", charset="utf-8", fuzzy=False)
    for source in SOURCES:
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(message, None, context=context)
    return catalog


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, omit_header=False, no_location=True, sort_output=True, width=99)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def update() -> None:
    template = extract()
    _write(template, POT)
    for language in LANGUAGES:
        path = po_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
        else:
            catalog = Catalog(locale=language, project="bkm-bot", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # the header: a fuzzy header is dropped when compiling
        _write(catalog, path)


if __name__ == "__main__":
    update()
    print(f"updated {POT.relative_to(ROOT)} and {', '.join(LANGUAGES)}")
