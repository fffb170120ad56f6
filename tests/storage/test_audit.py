"""The audit chain: each kind of tampering is named; `bkm-bot audit verify` and the export."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import audit, migrate
from storage.db import connect_sync, in_transaction
from tests.support.cli import run_main

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def _write_rows(path: Path, n: int = 6) -> None:
    conn = connect_sync(path)
    migrate.apply(conn, path)
    in_transaction(  # the actors are board members: storage refuses a board action otherwise
        conn,
        lambda c: c.executemany(
            "INSERT INTO people (id, role, language, created_at) VALUES (?, 'pengurus', 'id', ?)",
            [(i, NOW.isoformat()) for i in range(n)],
        ),
    )
    for i in range(n):
        in_transaction(
            conn,
            lambda c, i=i: audit.record(
                c,
                now=NOW + timedelta(minutes=i),
                actor_id=i,
                actor_role="pengurus",
                action="proposal.reviewed",
                object_type="proposal",
                object_id=100 + i,
                before={"status": "baru"},
                after={"status": "diterima"},
            ),
        )
    conn.close()


def _tamper(path: Path, *statements: str) -> None:
    """What someone with the file could do: drop the triggers on a copy and edit rows."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    conn.execute("DROP TRIGGER audit_needs_hash")
    for sql in statements:
        conn.execute(sql)
    conn.close()


def _verify(path: Path) -> audit.ChainReport:
    conn = connect_sync(path)
    try:
        return audit.verify(conn)
    finally:
        conn.close()


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    path = tmp_path / "bkm.sqlite3"
    _write_rows(path)
    return path


def test_an_intact_chain_verifies(chain: Path) -> None:
    report = _verify(chain)
    assert report.ok and report.rows == 6 and len(report.head) == 64


def test_the_table_stays_append_only(chain: Path) -> None:
    conn = connect_sync(chain)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit SET action = 'x' WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE id = 2")
    with pytest.raises(sqlite3.IntegrityError, match=r"storage\.audit\.record"):
        conn.execute(
            "INSERT INTO audit (at, actor_role, action, object_type) VALUES ('x', 'a', 'b', 'c')"
        )
    conn.close()


def test_an_altered_row_is_named(chain: Path) -> None:
    _tamper(chain, """UPDATE audit SET after = '{"status":"ditolak"}' WHERE id = 3""")
    report = _verify(chain)
    assert report.broken_at == 3 and "altered" in (report.problem or "")


def test_a_deleted_row_in_the_middle_is_named(chain: Path) -> None:
    _tamper(chain, "DELETE FROM audit WHERE id = 4")
    report = _verify(chain)
    assert report.broken_at == 4 and "deleted" in (report.problem or "")


def test_deleted_rows_at_the_end_are_named(chain: Path) -> None:
    _tamper(chain, "DELETE FROM audit WHERE id >= 5")
    report = _verify(chain)
    assert report.broken_at == 5 and "deleted" in (report.problem or "")


def test_a_row_inserted_with_a_correct_looking_hash_is_named(chain: Path) -> None:
    # Shift rows 3.. up by one and put a forged row 3 in, chained properly to row 2.
    conn = sqlite3.connect(chain, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("UPDATE audit SET id = id + 100 WHERE id >= 3")
    conn.execute("UPDATE audit SET id = id - 99 WHERE id >= 100")
    prev = conn.execute("SELECT hash FROM audit WHERE id = 2").fetchone()[0]
    content = (3, "2026-11-28T03:02:30+00:00", 1, "pengurus", "budget.spent", "budget", "9",
               None, '{"amount":1}')  # fmt: skip
    conn.execute(
        "INSERT INTO audit (id, at, actor_id, actor_role, action, object_type, object_id,"
        " before, after, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (*content, prev, audit.chain_hash(prev, *content)),
    )
    conn.close()
    report = _verify(chain)
    assert report.broken_at == 3 and "inserted" in (report.problem or "")


def test_a_row_inserted_without_a_hash_is_named(chain: Path) -> None:
    _tamper(
        chain,
        "INSERT INTO audit (at, actor_role, action, object_type, prev_hash)"
        " SELECT 'x', 'pengurus', 'budget.spent', 'budget', hash FROM audit WHERE id = 6",
    )
    report = _verify(chain)
    assert report.broken_at == 7 and "inserted" in (report.problem or "")


def test_migrating_chains_rows_written_before_the_chain_existed(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = connect_sync(path)
    first = [m for m in migrate.available() if m.version == 1]
    migrate.apply(conn, path, first)
    for i in range(3):
        conn.execute(
            "INSERT INTO audit (at, actor_role, action, object_type) VALUES (?, 'system', ?, 'x')",
            (f"2026-01-0{i + 1}T00:00:00+00:00", f"old.{i}"),
        )
    migrate.apply(conn, path)
    assert audit.verify(conn).ok and audit.verify(conn).rows == 3
    in_transaction(
        conn,
        lambda c: audit.record(
            c, now=NOW, actor_id=None, actor_role="system", action="new", object_type="x"
        ),
    )
    assert audit.verify(conn).ok and audit.verify(conn).rows == 4
    conn.close()


def test_cli_verify_and_export(tmp_path: Path, chain: Path) -> None:
    ok = run_main(["audit", "verify"], tmp_path, BKM_DATABASE=str(chain))
    assert ok.returncode == 0, ok.stderr
    assert "6" in ok.stdout and "intact" in ok.stdout
    exported = run_main(["export", "audit"], tmp_path, BKM_DATABASE=str(chain))
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.reader(io.StringIO(exported.stdout)))
    assert rows[0][:3] == ["id", "at", "actor_id"] and rows[0][-1] == "hash"
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5", "6"]
    _tamper(chain, "UPDATE audit SET actor_id = 99 WHERE id = 2")
    broken = run_main(["audit", "verify"], tmp_path, BKM_DATABASE=str(chain))
    assert broken.returncode == 1
    assert "row 2 altered" in broken.stdout + broken.stderr
