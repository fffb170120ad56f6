"""Budget import: CSV and XLSX, every validation error, whole-or-nothing, re-import diff,
realisation conflicts, a 10,000-line file, export→import round trip, the CLI."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bot.i18n import load_translators
from handlers.budget.spreadsheet import MAX_TEXT, parse, write_csv
from rules.validate import clean_text
from storage import budget
from storage.budget import HEADER, LineInput
from storage.db import in_transaction
from tests.support.cli import run_main
from tests.support.databases import migrated_memory
from tests.support.i18n import tr_part

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
HEAD = "tahun,program,kegiatan,bidang,sumber_dana,rw,ksm,anggaran,realisasi"
TR = load_translators(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))


def fresh() -> sqlite3.Connection:
    return migrated_memory()


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = fresh()
    yield connection
    connection.close()


def apply(conn: sqlite3.Connection, lines: list[LineInput]) -> budget.ImportReport:
    return in_transaction(
        conn, budget.apply_import, lines, now=NOW, actor_id=None, actor_role="system"
    )


def csv_bytes(*rows: str, head: str = HEAD) -> bytes:
    return ("\n".join([head, *rows]) + "\n").encode()


def problems(content: bytes) -> set[tuple[int, str | None]]:
    parsed = parse(content)
    assert not parsed.ok and parsed.lines == []
    return {(p.row, p.column) for p in parsed.problems}


# ---- reading --------------------------------------------------------------------------------
GOOD = [
    "2026,Drainase,Normalisasi saluran,lingkungan,BLM,5,KSM Tirta,60.000.000,25.000.000",
    '2026,Posyandu,"Makanan tambahan, balita",sosial,APBD,,KSM Ibu,18 juta,0',
]


def test_csv_with_commas_semicolons_bom_and_crlf_reads_the_same() -> None:
    comma = csv_bytes(*GOOD)
    semicolon = (
        "\ufeffTahun ; Program;KEGIATAN;Bidang;Sumber Dana;RW;KSM;Anggaran;Realisasi\r\n"
        "2026;Drainase;Normalisasi saluran;Lingkungan;blm;RW 05;KSM Tirta;Rp 60.000.000;"
        "25000000\r\n"
        "2026;Posyandu;Makanan tambahan, balita;SOSIAL;apbd;kelurahan;KSM Ibu;18000000;\r\n"
    ).encode("utf-8")
    first, second = parse(comma), parse(semicolon)
    assert first.ok and second.ok, (first.problems, second.problems)
    assert first.lines == second.lines
    drainage, posyandu = first.lines
    assert (drainage.rw, drainage.source, drainage.allocation, drainage.realised) == (
        5,
        "BLM",
        60_000_000,
        25_000_000,
    )
    assert (posyandu.rw, posyandu.activity, posyandu.allocation) == (
        None,
        "Makanan tambahan, balita",
        18_000_000,
    )


def test_xlsx_with_numbers_and_text_cells() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["No", "Tahun", "Program", "Kegiatan", "Bidang", "Sumber_Dana", "RW", "KSM"])
    sheet["I1"] = "Anggaran"
    sheet["J1"] = "Realisasi"
    sheet["K1"] = "Disalurkan"
    sheet["L1"] = "Kembali"
    sheet["M1"] = "Tunggakan"
    sheet["N1"] = "Usulan"
    sheet.append(
        [
            1,
            2026,
            "Dana bergulir",
            "Modal usaha",
            "ekonomi",
            "BLM",
            None,
            "KSM Mandiri",
            150000000,
            150000000.0,
            150000000,
            90_000_000,
            7_500_000,
            "usl-2026-0003",
        ]
    )
    sheet.append(
        [
            2,
            2026,
            "Jalan",
            "Pengecoran",
            "lingkungan",
            "swadaya",
            3,
            "KSM Maju",
            "Rp 12.500.000",
            0,
            None,
            None,
            None,
            None,
        ]
    )
    sheet.append([None] * 14)  # a blank row at the end of a sheet
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = parse(buffer.getvalue())
    assert parsed.ok, parsed.problems
    assert parsed.ignored_columns == ("no",)
    loan, road = parsed.lines
    assert (loan.disbursed, loan.repaid, loan.arrears) == (150_000_000, 90_000_000, 7_500_000)
    assert loan.proposal_ref == "USL-2026-0003" and loan.rw is None
    assert (road.rw, road.allocation, road.realised, road.disbursed) == (3, 12_500_000, 0, None)


def test_every_bad_row_is_reported_with_row_column_and_reason() -> None:
    rows = [
        "20x6,Jalan,Cor,lingkungan,BLM,1,K,1000000,0",  # row 2: year
        "2026,,Cor,lingkungan,BLM,1,K,1000000,0",  # 3: empty program
        "2026,Jalan,Cor,infrastruktur,BLM,1,K,1000000,0",  # 4: field
        "2026,Jalan,Cor,lingkungan,hibah,1,K,1000000,0",  # 5: source
        "2026,Jalan,Cor,lingkungan,BLM,RW lima,K,1000000,0",  # 6: rw
        "2026,Jalan,Cor,lingkungan,BLM,1,K,-5,0",  # 7: negative allocation
        "2026,Jalan,Cor,lingkungan,BLM,2,K,1.000.000,1,5",  # 8: sen (CSV: 1 | 5 → extra cell)
        "2026,Jalan,Cor,lingkungan,BLM,3,K,,0",  # 9: missing allocation
        f"2026,{'x' * (MAX_TEXT + 1)},Cor,lingkungan,BLM,4,K,1000000,0",  # 10: too long
        "2026,Jalan,Cor,lingkungan,BLM,1,K,1000000,abc",  # 11: realisasi unreadable
    ]
    found = problems(csv_bytes(*rows))
    assert {
        (2, "tahun"),
        (3, "program"),
        (4, "bidang"),
        (5, "sumber_dana"),
        (6, "rw"),
        (7, "anggaran"),
        (9, "anggaran"),
        (10, "program"),
        (11, "realisasi"),
    } <= found
    assert (8, "anggaran") not in found  # "1.000.000" is fine; the extra cell is ignored
    parsed = parse(csv_bytes(*rows))
    texts = [p.text(TR["id"]) for p in parsed.problems]
    assert "Baris 2, kolom tahun: Tulis tahun anggaran dengan empat angka, misalnya 2026." in texts
    assert any(t.startswith("Baris 7, kolom anggaran: ") and "negatif" in t for t in texts)


def test_optional_columns_and_duplicates_are_checked() -> None:
    head = HEAD + ",usulan,disalurkan,kembali,tunggakan"
    rows = [
        "2026,Jalan,Cor,lingkungan,BLM,1,K,1000000,0,USL-26-1,,,",  # 2: proposal number
        "2026,Jalan,Cor,lingkungan,BLM,2,K,1000000,0,,500000,,",  # 3: loan on lingkungan
        "2026,Modal,Usaha,ekonomi,BLM,,K,1000000,0,,500000,600000,",  # 4: repaid > disbursed
        "2026,Modal,Warung,ekonomi,BLM,,K,1000000,0,,500000,300000,250000",  # 5: arrears
        "2026,Jalan,Cor,lingkungan,BLM,01,K,2000000,0,,,,",  # 6: same line as row 2
        "2026, jalan ,COR,Lingkungan,blm,1,K,2000000,0,,,,",  # 7: same again, other case
    ]
    parsed = parse(csv_bytes(*rows, head=head))
    found = {(p.row, p.column) for p in parsed.problems}
    assert {(2, "usulan"), (3, "disalurkan"), (4, "kembali"), (5, "tunggakan")} <= found
    assert (7, None) in found
    duplicate = next(p for p in parsed.problems if p.row == 7)
    assert "row 2" in duplicate.text(TR["en"])  # the first occurrence is named
    assert (6, None) in found  # RW 01 is RW 1: a duplicate even though row 2 has other problems
    assert "row 2" in next(p for p in parsed.problems if p.row == 6).text(TR["en"])


def test_header_and_file_problems() -> None:
    missing = parse(b"tahun,program,kegiatan\n2026,a,b\n")
    assert not missing.ok
    assert "bidang, sumber_dana, rw, ksm, anggaran" in missing.problems[0].text(TR["en"])
    assert problems(csv_bytes(*GOOD, head=HEAD + ",Anggaran")) == {(1, "anggaran")}
    assert problems(b"") == {(0, None)}
    assert problems(csv_bytes()) == {(0, None)}  # a header and no lines
    latin = "tahun;program\n2026;Perbaikan jalan \xe9".encode("latin-1")
    assert "UTF-8" in parse(latin).problems[0].text(TR["en"])
    assert not parse(b"PK\x03\x04 not really a workbook").ok
    assert not parse(b"\x00\x01\x02binary").ok


# ---- applying -------------------------------------------------------------------------------
def line(
    program: str, activity: str, allocation: int, realised: int = 0, **kw: object
) -> LineInput:
    base: dict[str, object] = dict(
        year=2026,
        program=program,
        activity=activity,
        field="lingkungan",
        source="BLM",
        rw=1,
        ksm="KSM A",
        allocation=allocation,
        realised=realised,
    )
    base.update(kw)
    return LineInput(**base)  # type: ignore[arg-type]


def test_a_bad_file_changes_nothing(conn: sqlite3.Connection) -> None:
    apply(conn, [line("Jalan", "Cor", 1_000_000)])
    before = budget.export_rows(conn)
    parsed = parse(csv_bytes(GOOD[0], "2026,Jalan,Cor,lingkungan,BLM,1,K,banyak,0"))
    assert not parsed.ok and parsed.lines == []  # one bad row: no line is offered at all
    assert budget.export_rows(conn) == before


def test_an_import_that_fails_in_the_database_is_rolled_back(conn: sqlite3.Connection) -> None:
    apply(conn, [line("Jalan", "Cor", 1_000_000)])
    before = budget.export_rows(conn)
    audits = conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    broken = [line("Jalan", "Cor", 2_000_000), line("Drainase", "X", 5, field="bogus")]
    with pytest.raises(sqlite3.IntegrityError):
        apply(conn, broken)
    assert budget.export_rows(conn) == before
    assert conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == audits


def test_reimport_reports_added_removed_changed(conn: sqlite3.Connection) -> None:
    first = apply(
        conn,
        [
            line("Jalan", "Cor", 1_000_000),
            line("Drainase", "Saluran", 2_000_000),
            line("Sanitasi", "MCK", 3_000_000),
            line("Lama", "Tahun lalu", 9, year=2025),
        ],
    )
    assert (len(first.added), first.years) == (4, (2025, 2026))
    second = apply(
        conn,
        [
            line("jalan", "COR", 1_000_000),  # same key, other case: a change of spelling
            line("Drainase", "Saluran", 2_500_000, 100_000),
            line("Posyandu", "PMT", 700_000, rw=None, field="sosial"),
        ],
    )
    assert second.years == (2026,)
    assert [x.program for x in second.added] == ["Posyandu"]
    assert [x.program for x in second.removed] == ["Sanitasi"]
    changed = {c.after.program: c for c in second.changed}
    assert set(changed) == {"jalan", "Drainase"}
    assert changed["Drainase"].before.allocation == 2_000_000
    assert changed["Drainase"].after.realised == 100_000
    assert second.unchanged == 0 and second.conflicts == []
    assert [x.program for x in budget.lines_of_year(conn, 2025)] == ["Lama"]  # untouched
    third = apply(conn, [x.as_input() for x in budget.lines_of_year(conn, 2026)])
    assert (third.unchanged, third.added, third.removed, third.changed) == (3, [], [], [])
    assert (
        conn.execute(
            "SELECT object_id, after FROM audit WHERE action = 'budget.imported' ORDER BY id DESC"
            " LIMIT 1"
        ).fetchone()[0]
        == "2026"
    )


def test_realisation_entries_stay_and_conflicts_are_reported(conn: sqlite3.Connection) -> None:
    apply(conn, [line("Jalan", "Cor", 10_000_000, 1_000_000), line("Drainase", "X", 5_000_000)])
    road = next(x for x in budget.lines_of_year(conn, 2026) if x.program == "Jalan")
    drain = next(x for x in budget.lines_of_year(conn, 2026) if x.program == "Drainase")
    for target, amount in ((road, 2_000_000), (drain, 300_000)):
        in_transaction(
            conn,
            budget.add_entry,
            line_id=target.id,
            spent_on=date(2026, 11, 1),
            amount=amount,
            description="Semen",
            receipt="photo-1",
            actor_id=None,
            now=NOW,
        )
    assert budget.line(conn, road.id).realised == 3_000_000  # type: ignore[union-attr]
    # the treasurer's file still says 1,000,000 realised on the road and leaves drainage out
    report = apply(conn, [line("Jalan", "Cor", 12_000_000, 1_000_000)])
    conflicts = {c.line.program: c for c in report.conflicts}
    assert conflicts["Jalan"].file_realised == 1_000_000
    assert (
        conflicts["Jalan"].realised == 3_000_000 and conflicts["Jalan"].entries_total == 2_000_000
    )
    assert conflicts["Drainase"].file_realised is None  # kept: it has entries
    assert report.removed == []
    kept = budget.line(conn, road.id)
    assert kept is not None and kept.realised == 3_000_000 and kept.allocation == 12_000_000
    assert budget.entries(conn, road.id)[1] == 1
    assert budget.line(conn, drain.id) is not None
    # a file that agrees with the entries: no conflict
    agreed = apply(
        conn,
        [line("Jalan", "Cor", 12_000_000, 3_000_000), line("Drainase", "X", 5_000_000, 300_000)],
    )
    assert agreed.conflicts == [] and agreed.unchanged == 2
    blocks = "\n".join(
        __import__("handlers.budget.view", fromlist=["x"]).report_blocks(
            TR["id"], report, applied=True
        )
    )
    assert (
        "Selisih realisasi: 2" in blocks
        and tr_part(
            "the file says realised {file}, the line has {realised} "
            "(of which {entries} recorded by chat); the line's "
            "figure is kept"
        )
        in blocks
    )


@pytest.mark.slow
def test_a_10000_line_file(conn: sqlite3.Connection) -> None:
    rows = [
        f"2026,Program {i % 40},Kegiatan {i},{('lingkungan', 'sosial', 'ekonomi')[i % 3]},"
        f"{('BLM', 'APBD', 'swadaya', 'CSR', 'lainnya')[i % 5]},{i % 12 + 1},KSM {i % 30},"
        f"{1_000_000 + i * 1000},{i * 500}"
        for i in range(10_000)
    ]
    seen: list[int] = []
    parsed = parse(csv_bytes(*rows), progress=seen.append)
    assert parsed.ok and len(parsed.lines) == 10_000 and seen[-1] == 10_000
    report = apply(conn, parsed.lines)
    assert len(report.added) == 10_000
    summary = budget.summary(conn, 2026)
    assert summary is not None
    assert summary.total.allocation == sum(1_000_000 + i * 1000 for i in range(10_000))
    assert summary.total.realised == sum(i * 500 for i in range(10_000))
    assert sum(t.lines for t in budget.by_rw(conn, 2026)) == 10_000
    again = apply(conn, parse(csv_bytes(*rows)).lines)
    assert again.unchanged == 10_000 and not again.changed


# ---- round trip -----------------------------------------------------------------------------
clean_words = (
    st.text(
        alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
        min_size=1,
        max_size=40,
    )
    .map(lambda s: " ".join(clean_text(s).split()))  # what a stored name looks like
    .filter(lambda s: 0 < len(s) <= MAX_TEXT)
)
amount = st.integers(min_value=0, max_value=10**13)


@st.composite
def budget_line(draw: st.DrawFn) -> LineInput:
    field = draw(st.sampled_from(budget.FIELDS))
    disbursed = repaid = arrears = None
    if field == "ekonomi" and draw(st.booleans()):
        disbursed = draw(amount)
        repaid = draw(st.integers(0, disbursed))
        arrears = draw(st.integers(0, disbursed - repaid))
    return LineInput(
        year=draw(st.integers(2000, 2100)),
        program=draw(clean_words),
        activity=draw(clean_words),
        field=field,
        source=draw(st.sampled_from(budget.SOURCES)),
        rw=draw(st.none() | st.integers(1, 999)),
        ksm=draw(st.just("") | clean_words),
        allocation=draw(amount),
        realised=draw(amount),
        proposal_ref=draw(st.none() | st.from_regex(r"USL-20[0-9]{2}-[0-9]{4}", fullmatch=True)),
        disbursed=disbursed,
        repaid=repaid,
        arrears=arrears,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(budget_line(), min_size=1, max_size=25, unique_by=lambda x: (x.year, x.key)))
def test_export_then_import_reproduces_every_line_and_total(lines: list[LineInput]) -> None:
    source, target = fresh(), fresh()
    try:
        apply(source, lines)
        exported = write_csv(budget.export_rows(source), HEADER)
        parsed = parse(exported.encode())
        assert parsed.ok, [p.text(TR["en"]) for p in parsed.problems]
        apply(target, parsed.lines)
        assert budget.export_rows(target) == budget.export_rows(source)
        for year in {x.year for x in lines}:
            assert budget.summary(target, year) == budget.summary(source, year)
        assert sorted(parsed.lines, key=lambda x: (x.year, x.key)) == sorted(
            lines, key=lambda x: (x.year, x.key)
        )
    finally:
        source.close()
        target.close()


# ---- the command line -----------------------------------------------------------------------
def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_main(args, cwd, BKM_DATABASE=str(cwd / "bkm.sqlite3"), COLUMNS="100")


def test_cli_import_export_and_refusal(tmp_path: Path) -> None:
    rows = [
        f"2026,Program {i % 7},Kegiatan {i},sosial,BLM,{i % 9 + 1},KSM {i % 4},{10_000 + i},{i}"
        for i in range(2500)
    ]
    (tmp_path / "anggaran.csv").write_bytes(csv_bytes(*rows))
    done = _cli(["budget", "import", "anggaran.csv"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Baris ditambahkan: 2.500" in done.stdout
    assert "2500/2500" in done.stderr  # rich's progress bar, on stderr
    exported = _cli(["export", "budget"], tmp_path)
    assert exported.returncode == 0
    assert next(iter(csv.reader(io.StringIO(exported.stdout)))) == list(HEADER)
    assert parse(exported.stdout.encode()).lines == parse(csv_bytes(*rows)).lines

    (tmp_path / "rusak.csv").write_bytes(csv_bytes(*rows[:5], "2026,X,Y,sosial,BLM,1,K,seribu,0"))
    refused = _cli(["budget", "import", "rusak.csv"], tmp_path)
    assert refused.returncode == 1
    assert (
        "Baris 7, kolom anggaran" in refused.stderr and "Tidak ada yang diubah" in refused.stderr
    )
    again = _cli(["export", "budget"], tmp_path)
    assert again.stdout == exported.stdout  # nothing changed
    assert _cli(["budget", "import", "tidak-ada.csv"], tmp_path).returncode == 2


def test_budget_tables_hold_no_person(conn: sqlite3.Connection) -> None:
    """Who recorded an entry is in its audit row only: no PersonalData for the budget."""
    for table in ("budget_lines", "budget_realisations"):
        targets = {row[2] for row in conn.execute(f"PRAGMA foreign_key_list({table})")}
        assert "people" not in targets, table
