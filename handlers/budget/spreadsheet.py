"""Reading the treasurer's spreadsheet: CSV (comma or semicolon, UTF-8 with or without BOM)
or XLSX, documented Indonesian headers, every bad row reported before anything changes.

Headers (case- and space-insensitive; English aliases accepted): tahun, program, kegiatan,
bidang, sumber_dana, rw, ksm, anggaran, and optionally realisasi, usulan, disalurkan,
kembali, tunggakan. Unknown columns (a "no" or "keterangan" column) are ignored and named.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from bot.i18n import N_, Translator
from rules import csv_safe
from rules.amounts import parse_amount
from rules.validate import Invalid, clean_text
from storage.budget import SOURCES, LineInput

# Limits that bound what one file may cost to read (docs/budget-import.md).
MAX_FILE_BYTES = 20 * 1024 * 1024  # the file as sent (what the Bot API lets a bot download)
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX's parts, unpacked
MAX_ROWS = 50_000  # rows below the header, blank ones included
MAX_COLUMNS = 100  # the header's columns; only those are read
MAX_CELLS = 1_000_000  # cells in an XLSX (50,000 full rows of 20 columns)
MAX_CELL = 10_000  # characters in one cell (any column, ignored ones too)
MAX_TEXT = 200
REQUIRED = ("tahun", "program", "kegiatan", "bidang", "sumber_dana", "rw", "ksm", "anggaran")
OPTIONAL = ("realisasi", "usulan", "disalurkan", "kembali", "tunggakan")
LOAN_COLUMNS = ("disalurkan", "kembali", "tunggakan")

_ALIASES = {
    "year": "tahun",
    "activity": "kegiatan",
    "field": "bidang",
    "source": "sumber_dana",
    "sumber": "sumber_dana",
    "source_of_funds": "sumber_dana",
    "allocation": "anggaran",
    "pagu": "anggaran",
    "realisation": "realisasi",
    "realization": "realisasi",
    "proposal": "usulan",
    "disbursed": "disalurkan",
    "repaid": "kembali",
    "arrears": "tunggakan",
}
_FIELD_WORDS = {
    "lingkungan": "lingkungan",
    "environment": "lingkungan",
    "sosial": "sosial",
    "social": "sosial",
    "ekonomi": "ekonomi",
    "economic": "ekonomi",
    "economy": "ekonomi",
}
_SOURCE_WORDS = {s.casefold(): s for s in SOURCES} | {
    "lain": "lainnya",
    "lain-lain": "lainnya",
    "other": "lainnya",
    "others": "lainnya",
}
_WHOLE_AREA = {"", "-", "kelurahan", "semua", "all", "kelurahan-wide"}
_RW = re.compile(r"^(?:rw\.?\s*)?0*(\d{1,3})$")
_PROPOSAL = re.compile(r"^USL-(\d{4})-(\d{4,6})$")


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row, or the file): row number as the spreadsheet shows it."""

    row: int  # 1 = the header row; 0 = the file as a whole
    column: str | None
    reason: Invalid

    def text(self, tr: Translator) -> str:
        reason = self.reason.text(tr)
        if self.row == 0:
            return reason
        if self.column is None:
            return tr._("Row {row}: {reason}").format(row=self.row, reason=reason)
        return tr._("Row {row}, column {column}: {reason}").format(
            row=self.row, column=self.column, reason=reason
        )


@dataclass(frozen=True)
class Parsed:
    """A file read through: its lines, or the problems that stop it (never both applied)."""

    lines: list[LineInput]
    problems: list[Problem]
    ignored_columns: tuple[str, ...] = ()
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    problems: list[Problem] = field(default_factory=list)
    key: tuple[int, str] | None = None  # the line key, when its five parts are readable

    def bad(self, column: str | None, reason: Invalid) -> None:
        self.problems.append(Problem(self.number, column, reason))


def _clean(value: str) -> str:
    """clean_text, with a fast path for plain printable ASCII (most cells of a budget)."""
    if value.isascii() and value.isprintable():
        return " ".join(value.split())  # the same result: only spaces to collapse and strip
    return clean_text(value)


def header_name(text: str) -> str:
    """A header as the importer knows it: 'Sumber Dana ' → 'sumber_dana'."""
    name = re.sub(r"[\s\-]+", "_", clean_text(text).casefold()).strip("_")
    return _ALIASES.get(name, name)


# ---- reading the table ---------------------------------------------------------------------
class Unreadable(Exception):
    """The file is not a CSV or XLSX we can read; `reason` says why (N_ msgid)."""

    def __init__(self, reason: Invalid) -> None:
        super().__init__(reason.message)
        self.reason = reason


def is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def _cell(value: Any) -> str:
    """An XLSX cell as text the parsers read: whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


def too_big_file() -> Invalid:
    return Invalid(
        N_("The file is too large: at most {maximum} MB."), maximum=_megabytes(MAX_FILE_BYTES)
    )


def too_many_rows() -> Invalid:
    return Invalid(
        N_("The file has more than {maximum} rows below the header (blank rows count too)."),
        maximum=MAX_ROWS,
    )


def _too_many_columns() -> Unreadable:
    return Unreadable(
        Invalid(N_("The file has more than {maximum} columns."), maximum=MAX_COLUMNS)
    )


def too_long_cell() -> Invalid:
    return Invalid(N_("A cell is longer than {maximum} characters."), maximum=MAX_CELL)


def csv_problem(exc: csv.Error) -> Invalid:
    """What the csv module's error means to the treasurer."""
    if "field larger than field limit" in str(exc):  # beyond Python's own limit
        return too_long_cell()
    return Invalid(N_("The CSV file is broken: {detail}."), detail=str(exc))


def _width(header: list[str]) -> int:
    """The header's columns: up to its last named one."""
    named = [i for i, c in enumerate(header) if c.strip()]
    return named[-1] + 1 if named else 0


_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")  # a row or a cell element


def _tags(part: IO[bytes]) -> Iterator[bytes]:
    """The row and cell tags of an XML part, read 4 MB at a time."""
    carry = b""
    while chunk := part.read(4 * 1024 * 1024):
        buffer = carry + chunk
        cut = buffer.rfind(b"<")  # a tag starting here may go on in the next chunk
        cut = len(buffer) if cut == -1 else cut
        carry = buffer[cut:]
        for match in _TAG.finditer(buffer, 0, cut):
            yield match.group(1)
    for match in _TAG.finditer(carry):
        yield match.group(1)


def _scan(archive: zipfile.ZipFile) -> None:
    """Count the rows and cells of every XML part, streaming, before openpyxl builds any of
    them (it builds a whole row at once: one row of a million cells takes gigabytes)."""
    cells = 0
    for info in archive.infolist():
        if not info.filename.endswith(".xml"):
            continue
        rows = in_row = 0
        with archive.open(info) as part:
            for tag in _tags(part):
                if tag == b"row":
                    rows, in_row = rows + 1, 0
                    if rows > MAX_ROWS + 1:
                        raise Unreadable(too_many_rows())
                    continue
                cells, in_row = cells + 1, in_row + 1
                if in_row > MAX_COLUMNS:
                    raise _too_many_columns()
                if cells > MAX_CELLS:
                    raise Unreadable(
                        Invalid(
                            N_("The spreadsheet has more than {maximum} cells."),
                            maximum=MAX_CELLS,
                        )
                    )


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    """The first sheet's rows: the header, then at most MAX_ROWS + 1 rows of its width.

    Bounded before anything is parsed: the unpacked size of the archive, then the size the
    sheet declares (its dimension). Whatever a sheet declares or not, only the header's
    columns are read and no more rows than the cap (openpyxl pads gaps with empty rows:
    those count too)."""
    from openpyxl import load_workbook  # imported when needed: it is slow to import

    not_a_sheet = Unreadable(Invalid(N_("This is not a spreadsheet I can read (CSV or XLSX).")))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise Unreadable(
                    Invalid(
                        N_("The spreadsheet is too large when unpacked: at most {maximum} MB."),
                        maximum=_megabytes(MAX_UNPACKED_BYTES),
                    )
                )
            _scan(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise not_a_sheet from exc
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise not_a_sheet from exc
    try:
        if not book.worksheets:
            raise not_a_sheet
        sheet = book.worksheets[0]
        rows, columns = sheet.max_row, sheet.max_column  # the declared dimension, if any
        if (rows is not None and rows > MAX_ROWS + 1) or (
            columns is not None and columns > MAX_COLUMNS
        ):
            raise Unreadable(
                Invalid(
                    N_(
                        "The sheet is too large: it declares {rows} rows and {columns} "
                        "columns; at most {max_rows} rows below the header and "
                        "{max_columns} columns can be imported."
                    ),
                    rows=rows or 0,
                    columns=columns or 0,
                    max_rows=MAX_ROWS,
                    max_columns=MAX_COLUMNS,
                )
            )
        header: list[str] = []
        for values in sheet.iter_rows(
            min_row=1, max_row=1, max_col=MAX_COLUMNS + 1, values_only=True
        ):
            header = [_cell(v) for v in values]
        width = _width(header)
        if width > MAX_COLUMNS:
            raise _too_many_columns()
        yield header[:width]
        if width == 0:
            return
        for values in sheet.iter_rows(
            min_row=2, max_row=MAX_ROWS + 2, max_col=width, values_only=True
        ):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    if content.count(b"\n") > MAX_ROWS + 1:  # the header's and every row's line end
        raise Unreadable(too_many_rows())
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(
            Invalid(N_('The file is not UTF-8 text. Save it as "CSV UTF-8" and send it again.'))
        ) from exc
    if "\x00" in text:
        raise Unreadable(Invalid(N_("This is not a spreadsheet I can read (CSV or XLSX).")))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise Unreadable(csv_problem(exc)) from exc
    if header is None:
        return
    if _width(header) > MAX_COLUMNS:
        raise _too_many_columns()
    yield header
    yield from reader


def table(content: bytes) -> Iterator[list[str]]:
    """The rows of a CSV or XLSX file, as text: the header first. Raises Unreadable (when
    iterated) for a file beyond the limits, before reading its rows where it can tell."""
    if len(content) > MAX_FILE_BYTES:
        raise Unreadable(too_big_file())
    return _xlsx_rows(content) if is_xlsx(content) else _csv_rows(content)


# ---- checking one value ---------------------------------------------------------------------
def _text(row: _Row, column: str, *, required: bool) -> str:
    value = " ".join(_clean(row.cells.get(column, "")).split())  # one line, single spaces
    if required and not value:
        row.bad(column, Invalid(N_("This cell is empty; it is required.")))
    elif len(value) > MAX_TEXT:
        row.bad(
            column,
            Invalid(
                N_("Too long: at most {maximum} characters (this has {length})."),
                maximum=MAX_TEXT,
                length=len(value),
            ),
        )
    return value


def _amount(row: _Row, column: str, *, required: bool) -> int | None:
    raw = _clean(row.cells.get(column, ""))
    if not raw or raw == "-":
        if required:
            row.bad(column, Invalid(N_("This cell is empty; it is required.")))
        return None
    if raw.strip(" 0") == "" or raw.lower() in ("rp0", "rp 0"):
        return 0
    try:
        return parse_amount(raw, "id")
    except Invalid as exc:
        row.bad(column, exc)
        return None


def _year(row: _Row) -> int | None:
    raw = _clean(row.cells.get("tahun", ""))
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    row.bad("tahun", Invalid(N_("Write the fiscal year as four digits, for example 2026.")))
    return None


def _choice(row: _Row, column: str, words: dict[str, str], reason: str) -> str | None:
    raw = _clean(row.cells.get(column, "")).casefold()
    if raw in words:
        return words[raw]
    row.bad(column, Invalid(reason))
    return None


def _rw(row: _Row) -> int | None:
    raw = _clean(row.cells.get("rw", "")).casefold()
    if raw in _WHOLE_AREA:
        return None
    match = _RW.match(raw)
    if match and 1 <= int(match.group(1)) <= 999:
        return int(match.group(1))
    row.bad(
        "rw",
        Invalid(
            N_("Write the RW as a number (5 or 05), or leave it empty for the whole kelurahan.")
        ),
    )
    return None


def _proposal(row: _Row) -> str | None:
    raw = _clean(row.cells.get("usulan", "")).upper()
    if not raw:
        return None
    if _PROPOSAL.match(raw):
        return raw
    row.bad("usulan", Invalid(N_("A proposal number looks like USL-2026-0001.")))
    return None


def check_row(row: _Row) -> LineInput | None:
    """The row as a budget line, or None with its problems recorded on the row."""
    year = _year(row)
    program = _text(row, "program", required=True)
    activity = _text(row, "kegiatan", required=True)
    bidang = _choice(
        row, "bidang", _FIELD_WORDS, N_("The field must be lingkungan, sosial or ekonomi.")
    )
    source = _choice(
        row,
        "sumber_dana",
        _SOURCE_WORDS,
        N_("The source of funds must be BLM, APBD, swadaya, CSR or lainnya."),
    )
    rw = _rw(row)
    ksm = _text(row, "ksm", required=False)
    allocation = _amount(row, "anggaran", required=True)
    realised = _amount(row, "realisasi", required=False) or 0
    proposal = _proposal(row)
    if (
        year is not None
        and program
        and activity
        and source is not None
        and not any(p.column == "rw" for p in row.problems)
    ):
        row.key = (year, LineInput(year, program, activity, "", source, rw, "", 0).key)
    loan = {c: _amount(row, c, required=False) for c in LOAN_COLUMNS}
    if bidang is not None and bidang != "ekonomi":
        for column, value in loan.items():
            if value is not None:
                row.bad(
                    column,
                    Invalid(N_("Only revolving-loan lines (field ekonomi) may have this amount.")),
                )
    disbursed, repaid, arrears = (loan[c] for c in LOAN_COLUMNS)
    if repaid is not None and repaid > (disbursed or 0):
        row.bad("kembali", Invalid(N_("More was repaid than was disbursed.")))
    elif arrears is not None and arrears > (disbursed or 0) - (repaid or 0):
        row.bad("tunggakan", Invalid(N_("The arrears are more than what is still outstanding.")))
    if row.problems:
        return None
    assert year is not None and bidang is not None and source is not None
    assert allocation is not None
    return LineInput(
        year=year,
        program=program,
        activity=activity,
        field=bidang,
        source=source,
        rw=rw,
        ksm=ksm,
        allocation=allocation,
        realised=realised,
        proposal_ref=proposal,
        disbursed=disbursed,
        repaid=repaid,
        arrears=arrears,
    )


# ---- the whole file -------------------------------------------------------------------------
def parse(
    content: bytes,
    progress: Callable[[int], None] | None = None,
    every: int = 500,
) -> Parsed:
    """Read and check every row; `progress(rows_done)` is called every `every` rows."""
    try:
        rows = table(content)
        header_cells = next(rows, None)
    except Unreadable as exc:
        return Parsed([], [Problem(0, None, exc.reason)])
    if header_cells is None or not any(c.strip() for c in header_cells):
        return Parsed([], [Problem(0, None, Invalid(N_("The file is empty.")))])
    if any(len(c) > MAX_CELL for c in header_cells):
        return Parsed([], [Problem(1, None, too_long_cell())])
    headers = [header_name(c) for c in header_cells]
    problems: list[Problem] = []
    known = set(REQUIRED) | set(OPTIONAL)
    seen: dict[str, int] = {}
    for index, name in enumerate(headers):
        if name in known and name in seen:
            problems.append(Problem(1, name, Invalid(N_("This column appears twice."))))
        if name:
            seen.setdefault(name, index)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(
            Problem(
                1,
                None,
                Invalid(
                    N_("Required columns are missing: {columns}."), columns=", ".join(missing)
                ),
            )
        )
    if problems:
        return Parsed([], problems)
    ignored = tuple(h for h in dict.fromkeys(headers) if h and h not in known)
    lines: list[LineInput] = []
    first_row_of: dict[tuple[int, str], int] = {}
    count = 0  # rows scanned below the header, blank ones too
    try:
        for number, cells in enumerate(rows, start=2):
            count += 1
            if count > MAX_ROWS:
                count -= 1
                problems.append(Problem(0, None, too_many_rows()))
                break
            if progress is not None and count % every == 0:
                progress(count)
            if any(len(c) > MAX_CELL for c in cells):
                problems.append(Problem(number, None, too_long_cell()))
                break
            if not any(c.strip() for c in cells):
                continue  # blank rows between blocks, or at the end of a sheet
            row = _Row(
                number,
                {
                    h: (csv_safe.restore(cells[i]) if i < len(cells) else "")
                    for h, i in seen.items()
                    if h in known
                },
            )
            result = check_row(row)
            if row.key is not None and row.key in first_row_of:
                row.bad(
                    None,
                    Invalid(
                        N_(
                            "The same line (year, program, activity, RW, source of funds) "
                            "is already in row {first}."
                        ),
                        first=first_row_of[row.key],
                    ),
                )
            elif row.key is not None:
                first_row_of[row.key] = number
            if result is not None and not row.problems:
                lines.append(result)
            problems.extend(row.problems)
    except Unreadable as exc:
        problems.append(Problem(0, None, exc.reason))
    except csv.Error as exc:
        problems.append(Problem(0, None, csv_problem(exc)))
    if progress is not None:
        progress(count)
    if not problems and not lines:
        problems.append(Problem(0, None, Invalid(N_("The file has a header but no lines."))))
    return Parsed(lines if not problems else [], problems, ignored, count)


def count_rows(content: bytes) -> int | None:
    """Roughly how many rows a file has (a progress bar's total); None: unknown (XLSX)."""
    if is_xlsx(content):
        return None  # compressed: unknown until read
    return max(content.count(b"\n"), 1)


def write_csv(rows: list[tuple[Any, ...]], header: tuple[str, ...]) -> str:
    """The export format: comma-separated, header first (what `parse` reads back), every
    text cell made safe to open in a spreadsheet (`rules.csv_safe`)."""
    return csv_safe.text(header, rows)
