"""Keep the catalogs in step with the source: `python -m bot.catalogs` extracts and updates.

Extraction reads bot/, handlers/ and rules/ for _(), N_() and ngettext(); messages.pot is rewritten
and each language's .po is updated from it (new entries empty, obsolete ones dropped).
The tests call `extract()` to fail when the committed catalog is stale.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers", "rules")
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


def _load(language: str) -> Catalog:
    with po_path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def fill(language: str, translations: dict[str, str | list[str]]) -> int:
    """Set translations by msgid (a list for plural forms); returns how many were set.
    Lets a feature add its texts from a JSON file: `python -m bot.catalogs fill id FILE`."""
    catalog = _load(language)
    count = 0
    for msgid, msgstr in translations.items():
        message = catalog.get(msgid)
        if message is None:
            raise SystemExit(f"not in the catalog (run python -m bot.catalogs first): {msgid!r}")
        message.string = tuple(msgstr) if isinstance(msgstr, list) else msgstr
        message.flags.discard("fuzzy")
        count += 1
    _write(catalog, po_path(language))
    return count


def merge(language: str, others: list[Path]) -> int:
    """Take translations from other .po files (another branch's) for entries empty here."""
    catalog = _load(language)
    count = 0
    for other_path in others:
        with other_path.open("rb") as handle:
            other = read_po(handle, locale=language)
        for message in other:
            mine = catalog.get(message.id) if message.id else None
            if mine is not None and not any(_strings(mine)) and any(_strings(message)):
                mine.string = message.string
                count += 1
    _write(catalog, po_path(language))
    return count


def _strings(message: object) -> tuple[str, ...]:
    string = getattr(message, "string", "")
    return tuple(string) if isinstance(string, (tuple, list)) else (string,)


def main(argv: list[str]) -> None:
    if argv[:1] == ["fill"] and len(argv) == 3:
        update()
        translations = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        print(f"{fill(argv[1], translations)} {argv[1]} translations set")
    elif argv[:1] == ["merge"] and len(argv) >= 3:
        update()
        print(f"{merge(argv[1], [Path(p) for p in argv[2:]])} {argv[1]} translations taken")
    elif not argv:
        update()
        print(f"updated {POT.relative_to(ROOT)} and {', '.join(LANGUAGES)}")
    else:
        raise SystemExit(
            "usage: python -m bot.catalogs [fill LANG FILE.json | merge LANG OTHER.po...]"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
