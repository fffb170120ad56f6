"""Every CSV the bot writes goes through here: safe to open in a spreadsheet.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to
Excel and LibreOffice (OWASP "CSV injection": `=HYPERLINK(...)`, `+cmd|' /C calc'!A0`).
Such a cell is written with one leading apostrophe, which a spreadsheet shows as text.
Numbers (int, float, Decimal) and empty cells are written as they are: only `str` cells
are touched. A text that already starts with apostrophes before a trigger (`'=x`) gets
one more, so `restore` (what the budget import applies) gives back exactly what was
written: `restore(neutralise(x)) == x` for every text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

TRIGGERS = frozenset("=+-@\t\r")


def _needs_quote(text: str) -> bool:
    """Whether a spreadsheet would read `text` as a formula (or our escape of one)."""
    first = text.lstrip("'")[:1]
    return first != "" and first in TRIGGERS


def neutralise(value: Any) -> Any:
    """The cell as written: a dangerous text with a leading apostrophe, anything else as is."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore(text: str) -> str:
    """The inverse of `neutralise` for a cell read back from a file we (or anyone) wrote."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def write(
    stream: TextIO,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    lineterminator: str = "\r\n",
) -> None:
    """Header then rows, every cell through `neutralise`."""
    writer = csv.writer(stream, lineterminator=lineterminator)
    writer.writerow([neutralise(v) for v in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])


def text(
    header: Sequence[Any], rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n"
) -> str:
    """The CSV as a string (a file to send as a document, say)."""
    out = io.StringIO()
    write(out, header, rows, lineterminator=lineterminator)
    return out.getvalue()
