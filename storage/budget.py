"""The budget (anggaran): lines per fiscal year, realisation entries, imports with a diff.

A line's realised total is `realised_imported` (the treasurer's file) plus
`realised_entries` (the sum of the entries the board added by chat, kept in step inside the
same transaction). An import never overwrites what entries say: where the file's realisasi
disagrees with a line that has entries, the import keeps the line's total and reports it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from storage import audit
from storage.rows import iso

FIELDS = ("lingkungan", "sosial", "ekonomi")
SOURCES = ("BLM", "APBD", "swadaya", "CSR", "lainnya")

# The import/export format, in order (docs: README, "Budget import").
HEADER = (
    "tahun",
    "program",
    "kegiatan",
    "bidang",
    "sumber_dana",
    "rw",
    "ksm",
    "anggaran",
    "realisasi",
    "usulan",
    "disalurkan",
    "kembali",
    "tunggakan",
)


def fold(text: str) -> str:
    """Case- and space-insensitive form of a name, for line keys."""
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class LineInput:
    """One budget line as a file states it (validated by handlers.budget.spreadsheet)."""

    year: int
    program: str
    activity: str
    field: str
    source: str
    rw: int | None
    ksm: str
    allocation: int
    realised: int = 0
    proposal_ref: str | None = None
    disbursed: int | None = None
    repaid: int | None = None
    arrears: int | None = None

    @property
    def key(self) -> str:
        rw = "-" if self.rw is None else str(self.rw)
        return "|".join((fold(self.program), fold(self.activity), rw, self.source))

    def stored(self) -> tuple[Any, ...]:
        """What a re-import compares (realised separately: entries may own it)."""
        return (
            self.program,
            self.activity,
            self.field,
            self.ksm,
            self.allocation,
            self.proposal_ref,
            self.disbursed,
            self.repaid,
            self.arrears,
        )


@dataclass(frozen=True)
class Line:
    id: int
    year: int
    program: str
    activity: str
    field: str
    source: str
    rw: int | None
    ksm: str
    allocation: int
    realised_imported: int
    realised_entries: int
    proposal_ref: str | None
    disbursed: int | None
    repaid: int | None
    arrears: int | None

    @property
    def realised(self) -> int:
        return self.realised_imported + self.realised_entries

    def as_input(self) -> LineInput:
        return LineInput(
            year=self.year,
            program=self.program,
            activity=self.activity,
            field=self.field,
            source=self.source,
            rw=self.rw,
            ksm=self.ksm,
            allocation=self.allocation,
            realised=self.realised,
            proposal_ref=self.proposal_ref,
            disbursed=self.disbursed,
            repaid=self.repaid,
            arrears=self.arrears,
        )


_LINE_COLUMNS = (
    "id, year, program, activity, field, source, rw, ksm, allocation, realised_imported,"
    " realised_entries, proposal_ref, disbursed, repaid, arrears"
)


def _line(row: Sequence[Any]) -> Line:
    return Line(*row)


@dataclass(frozen=True)
class Totals:
    """Allocation and realised for a group of lines (a field, a source, an RW, a program)."""

    label: str | int | None
    allocation: int
    realised: int
    lines: int

    @property
    def percent(self) -> float:
        return 100 * self.realised / self.allocation if self.allocation else 0.0


@dataclass(frozen=True)
class Summary:
    year: int
    total: Totals
    by_field: list[Totals]
    by_source: list[Totals]


@dataclass(frozen=True)
class Entry:
    id: int
    line_id: int
    spent_on: date
    amount: int
    description: str
    receipt: str | None


@dataclass(frozen=True)
class Loan:
    """Revolving-loan totals of one KSM in one year (never per borrower)."""

    ksm: str
    disbursed: int
    repaid: int
    arrears: int


# ---- reading --------------------------------------------------------------------------------
def years(conn: sqlite3.Connection) -> list[int]:
    """Fiscal years with at least one line, newest first."""
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM budget_lines ORDER BY 1 DESC")]


def _totals(rows: Iterable[Sequence[Any]]) -> list[Totals]:
    return [Totals(r[0], int(r[1] or 0), int(r[2] or 0), int(r[3])) for r in rows]


_SUMS = "SUM(allocation), SUM(realised_imported + realised_entries), COUNT(*)"


def summary(conn: sqlite3.Connection, year: int) -> Summary | None:
    """The year's totals, per field and per source (in their fixed order); None: no lines.

    One pass over the covering index (year, field, source, amounts)."""
    cells = conn.execute(
        f"SELECT field, source, {_SUMS} FROM budget_lines WHERE year = ? GROUP BY field, source",
        (year,),
    ).fetchall()
    if not cells:
        return None

    def add(groups: dict[str, list[int]], key: str, row: Sequence[Any]) -> None:
        totals = groups.setdefault(key, [0, 0, 0])
        for index in range(3):
            totals[index] += int(row[2 + index] or 0)

    by_field: dict[str, list[int]] = {}
    by_source: dict[str, list[int]] = {}
    everything: dict[str, list[int]] = {}
    for row in cells:
        add(by_field, row[0], row)
        add(by_source, row[1], row)
        add(everything, "", row)
    return Summary(
        year,
        Totals(None, *everything[""]),
        [Totals(f, *by_field[f]) for f in FIELDS if f in by_field],
        [Totals(s, *by_source[s]) for s in SOURCES if s in by_source],
    )


def has_loans(conn: sqlite3.Connection, year: int) -> bool:
    """Whether any revolving-loan figures exist for the year (the menu's button)."""
    return (
        conn.execute(
            "SELECT 1 FROM budget_lines WHERE year = ? AND field = 'ekonomi'"
            " AND (disbursed IS NOT NULL OR repaid IS NOT NULL OR arrears IS NOT NULL) LIMIT 1",
            (year,),
        ).fetchone()
        is not None
    )


def by_rw(conn: sqlite3.Connection, year: int) -> list[Totals]:
    """Per RW (kelurahan-wide lines as label None, last)."""
    return _totals(
        conn.execute(
            f"SELECT rw, {_SUMS} FROM budget_lines WHERE year = ? GROUP BY rw"
            " ORDER BY rw IS NULL, rw",
            (year,),
        )
    )


def by_program(conn: sqlite3.Connection, year: int) -> list[Totals]:
    """Per program, largest allocation first."""
    return _totals(
        conn.execute(
            f"SELECT MIN(program), {_SUMS} FROM budget_lines WHERE year = ?"
            " GROUP BY lower(program) ORDER BY 2 DESC, 1",
            (year,),
        )
    )


@dataclass(frozen=True)
class Filters:
    """What a question asks for; None means any."""

    year: int
    rw: int | None = None
    field: str | None = None
    source: str | None = None
    keywords: tuple[str, ...] = ()


def _where(filters: Filters) -> tuple[str, list[Any]]:
    clauses = ["year = ?"]
    params: list[Any] = [filters.year]
    if filters.rw is not None:
        clauses.append("rw = ?")
        params.append(filters.rw)
    if filters.field is not None:
        clauses.append("field = ?")
        params.append(filters.field)
    if filters.source is not None:
        clauses.append("source = ?")
        params.append(filters.source)
    for word in filters.keywords:
        # every keyword somewhere in the program, activity or KSM (LIKE is ASCII-case-blind;
        # the words come lower-cased and the haystack is lower-cased the same way)
        clauses.append(
            "instr(lower(program || ' ' || activity || ' ' || ksm || ' '"
            " || coalesce(proposal_ref, '')), ?) > 0"
        )
        params.append(word.lower())
    return " AND ".join(clauses), params


def search(
    conn: sqlite3.Connection, filters: Filters, limit: int, offset: int = 0
) -> tuple[list[Line], Totals]:
    """Matching lines (a page of them) and the totals over every match."""
    where, params = _where(filters)
    [total] = _totals(
        conn.execute(f"SELECT NULL, {_SUMS} FROM budget_lines WHERE {where}", params)
    )
    lines = [
        _line(r)
        for r in conn.execute(
            f"SELECT {_LINE_COLUMNS} FROM budget_lines WHERE {where}"
            " ORDER BY rw IS NULL, rw, program, activity, id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
    ]
    return lines, total


def names(conn: sqlite3.Connection, year: int | None = None) -> list[str]:
    """Distinct program and activity names (for "did you mean" suggestions)."""
    where, params = ("WHERE year = ?", [year]) if year is not None else ("", [])
    found: dict[str, str] = {}
    for program, activity in conn.execute(
        f"SELECT DISTINCT program, activity FROM budget_lines {where}", params
    ):
        found.setdefault(fold(program), program)
        found.setdefault(fold(activity), activity)
    return sorted(found.values())


def line(conn: sqlite3.Connection, line_id: int) -> Line | None:
    row = conn.execute(f"SELECT {_LINE_COLUMNS} FROM budget_lines WHERE id = ?", (line_id,))
    found = row.fetchone()
    return None if found is None else _line(found)


def lines_of_year(conn: sqlite3.Connection, year: int) -> list[Line]:
    return [
        _line(r)
        for r in conn.execute(
            f"SELECT {_LINE_COLUMNS} FROM budget_lines WHERE year = ? ORDER BY id", (year,)
        )
    ]


def _entry(row: Sequence[Any]) -> Entry:
    return Entry(row[0], row[1], date.fromisoformat(row[2]), row[3], row[4], row[5])


def entries(conn: sqlite3.Connection, line_id: int, limit: int = 40) -> tuple[list[Entry], int]:
    """A line's latest `limit` realisation entries (oldest of them first), and how many
    entries the line has in all."""
    latest = [
        _entry(r)
        for r in conn.execute(
            "SELECT id, line_id, spent_on, amount, description, receipt"
            " FROM budget_realisations WHERE line_id = ? ORDER BY spent_on DESC, id DESC LIMIT ?",
            (line_id, limit),
        )
    ]
    count = conn.execute(
        "SELECT COUNT(*) FROM budget_realisations WHERE line_id = ?", (line_id,)
    ).fetchone()[0]
    return latest[::-1], int(count)


def entry(conn: sqlite3.Connection, entry_id: int) -> Entry | None:
    row = conn.execute(
        "SELECT id, line_id, spent_on, amount, description, receipt"
        " FROM budget_realisations WHERE id = ?",
        (entry_id,),
    ).fetchone()
    return None if row is None else _entry(row)


def loans(conn: sqlite3.Connection, year: int) -> list[Loan]:
    """Revolving-loan totals per KSM: disbursed, repaid, arrears (never per borrower)."""
    return [
        Loan(r[0] or "-", int(r[1]), int(r[2]), int(r[3]))
        for r in conn.execute(
            "SELECT ksm, SUM(coalesce(disbursed, 0)), SUM(coalesce(repaid, 0)),"
            " SUM(coalesce(arrears, 0)) FROM budget_lines"
            " WHERE year = ? AND field = 'ekonomi'"
            " AND (disbursed IS NOT NULL OR repaid IS NOT NULL OR arrears IS NOT NULL)"
            " GROUP BY ksm ORDER BY ksm",
            (year,),
        )
    ]


@dataclass(frozen=True)
class ProposalBudget:
    """The money trail of one proposal: its lines, allocation and realised."""

    reference: str
    allocation: int
    realised: int
    lines: list[Line]


def for_proposal(conn: sqlite3.Connection, reference: str) -> ProposalBudget | None:
    """Budget lines funding proposal `reference` (USL-…), or None when no line names it."""
    found = [
        _line(r)
        for r in conn.execute(
            f"SELECT {_LINE_COLUMNS} FROM budget_lines WHERE proposal_ref = ? ORDER BY year, id",
            (reference.strip().upper(),),
        )
    ]
    if not found:
        return None
    return ProposalBudget(
        reference.strip().upper(),
        sum(x.allocation for x in found),
        sum(x.realised for x in found),
        found,
    )


def export_rows(conn: sqlite3.Connection, year: int | None = None) -> list[tuple[Any, ...]]:
    """Rows in the import format (HEADER), realisasi as the line's total."""
    where, params = ("WHERE year = ?", [year]) if year is not None else ("", [])
    rows = []
    for r in conn.execute(
        f"SELECT {_LINE_COLUMNS} FROM budget_lines {where} ORDER BY year, id", params
    ):
        x = _line(r)
        rows.append(
            (
                x.year,
                x.program,
                x.activity,
                x.field,
                x.source,
                "" if x.rw is None else x.rw,
                x.ksm,
                x.allocation,
                x.realised,
                x.proposal_ref or "",
                "" if x.disbursed is None else x.disbursed,
                "" if x.repaid is None else x.repaid,
                "" if x.arrears is None else x.arrears,
            )
        )
    return rows


# ---- writing: realisation entries -------------------------------------------------------------
class NoSuchLine(LookupError):
    """The budget line is gone (a re-import removed it)."""


def add_entry(
    conn: sqlite3.Connection,
    *,
    line_id: int,
    spent_on: date,
    amount: int,
    description: str,
    receipt: str | None,
    actor_id: int | None,
    now: datetime,
) -> Entry:
    """Record spending on a line, keep its total in step, audit it."""
    before = line(conn, line_id)
    if before is None:
        raise NoSuchLine(line_id)
    entry_id = conn.execute(
        "INSERT INTO budget_realisations (line_id, spent_on, amount, description, receipt,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (line_id, spent_on.isoformat(), amount, description, receipt, iso(now)),
    ).fetchone()[0]
    conn.execute(
        "UPDATE budget_lines SET realised_entries = realised_entries + ?, updated_at = ?"
        " WHERE id = ?",
        (amount, iso(now), line_id),
    )
    audit.record(
        conn,
        now=now,
        actor_id=actor_id,
        actor_role="pengurus",
        action="budget.realised",
        object_type="budget_line",
        object_id=line_id,
        before={"realised": before.realised},
        after={
            "realised": before.realised + amount,
            "entry": entry_id,
            "amount": amount,
            "spent_on": spent_on.isoformat(),
            "receipt": receipt is not None,
        },
    )
    return Entry(entry_id, line_id, spent_on, amount, description, receipt)


# ---- writing: imports -------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """A line the import changes: what it was and what the file says."""

    before: LineInput
    after: LineInput


@dataclass(frozen=True)
class Conflict:
    """A line whose chat entries disagree with the file; the line keeps its own total.

    `file_realised` is None when the file leaves the line out altogether (the line stays,
    because its entries do)."""

    line: LineInput
    file_realised: int | None
    realised: int
    entries_total: int


@dataclass(frozen=True)
class ImportReport:
    years: tuple[int, ...]
    added: list[LineInput] = field(default_factory=list)
    removed: list[LineInput] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class _Plan:
    report: ImportReport
    insert: list[LineInput]
    update: list[tuple[int, LineInput, int]]  # id, new values, new realised_imported
    delete: list[int]


def _plan(conn: sqlite3.Connection, lines: Sequence[LineInput]) -> _Plan:
    by_year: dict[int, dict[str, LineInput]] = {}
    for item in lines:
        by_year.setdefault(item.year, {})[item.key] = item
    report = ImportReport(tuple(sorted(by_year)))
    insert: list[LineInput] = []
    update: list[tuple[int, LineInput, int]] = []
    delete: list[int] = []
    unchanged = 0
    for year, wanted in sorted(by_year.items()):
        current = {}
        for x in lines_of_year(conn, year):
            current[x.as_input().key] = x
        for key, item in wanted.items():
            old = current.get(key)
            if old is None:
                insert.append(item)
                report.added.append(item)
                continue
            imported = old.realised_imported
            kept = item
            conflict = item.realised != old.realised and old.realised_entries > 0
            if conflict:
                # entries typed by the board are evidence: never overwritten silently
                kept = replace(item, realised=old.realised)
                report.conflicts.append(
                    Conflict(kept, item.realised, old.realised, old.realised_entries)
                )
            elif item.realised != old.realised:
                imported = item.realised
            differs = kept.stored() != old.as_input().stored()
            if differs or imported != old.realised_imported:
                update.append((old.id, kept, imported))
                report.changed.append(Change(old.as_input(), kept))
            elif not conflict:
                unchanged += 1
        for key, old in current.items():
            if key in wanted:
                continue
            if old.realised_entries:
                report.conflicts.append(
                    Conflict(old.as_input(), None, old.realised, old.realised_entries)
                )
            else:
                delete.append(old.id)
                report.removed.append(old.as_input())
    return _Plan(replace(report, unchanged=unchanged), insert, update, delete)


def preview(conn: sqlite3.Connection, lines: Sequence[LineInput]) -> ImportReport:
    """What importing `lines` would do, without doing it."""
    return _plan(conn, lines).report


def apply_import(
    conn: sqlite3.Connection,
    lines: Sequence[LineInput],
    *,
    now: datetime,
    actor_id: int | None,
    actor_role: str,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Replace the file's years by its lines, whole or not at all (the caller's transaction).

    Lines are matched by key (tahun, program, kegiatan, rw, sumber_dana); realisation
    entries stay with their line."""
    plan = _plan(conn, lines)
    stamp = iso(now)
    conn.executemany(
        "DELETE FROM budget_lines WHERE id = ?", [(line_id,) for line_id in plan.delete]
    )
    conn.executemany(
        "UPDATE budget_lines SET program = ?, activity = ?, field = ?, ksm = ?, allocation = ?,"
        " proposal_ref = ?, disbursed = ?, repaid = ?, arrears = ?, realised_imported = ?,"
        " updated_at = ? WHERE id = ?",
        [(*item.stored(), imported, stamp, line_id) for line_id, item, imported in plan.update],
    )
    batch = 2000
    for start in range(0, len(plan.insert), batch):
        conn.executemany(
            "INSERT INTO budget_lines (year, line_key, program, activity, field, source, rw, ksm,"
            " allocation, realised_imported, proposal_ref, disbursed, repaid, arrears,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    x.year,
                    x.key,
                    x.program,
                    x.activity,
                    x.field,
                    x.source,
                    x.rw,
                    x.ksm,
                    x.allocation,
                    x.realised,
                    x.proposal_ref,
                    x.disbursed,
                    x.repaid,
                    x.arrears,
                    stamp,
                    stamp,
                )
                for x in plan.insert[start : start + batch]
            ],
        )
        if progress is not None:
            progress(min(start + batch, len(plan.insert)))
    report = plan.report
    for year in report.years:
        audit.record(
            conn,
            now=now,
            actor_id=actor_id,
            actor_role=actor_role,
            action="budget.imported",
            object_type="budget_year",
            object_id=year,
            after={
                "added": sum(1 for x in report.added if x.year == year),
                "removed": sum(1 for x in report.removed if x.year == year),
                "changed": sum(1 for x in report.changed if x.after.year == year),
                "conflicts": sum(1 for x in report.conflicts if x.line.year == year),
            },
        )
    return report
