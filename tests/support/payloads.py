"""Hostile text for the input tests: SQL, HTML and right-to-left payloads; what they may break."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.simulator import Simulator

PAYLOADS = [
    "Robert'); DROP TABLE people; --",
    "<script>alert(1)</script> & <b>tebal",
    "1 OR 1=1; UPDATE audit SET action='x'",
    "%_\\ \u202e\u0645\u0631\u062d\u0628\u0627 🙂",
]


def tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def refused(bot: Simulator) -> list[str]:
    return [f"{c.method}: {c.error}" for c in bot.api.calls if c.error is not None]


def untouched(path: object, before: set[str]) -> None:
    assert tables(path) == before  # type: ignore[arg-type]
    conn = sqlite3.connect(path)  # type: ignore[arg-type]
    try:
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'x'").fetchone() == (0,)
    finally:
        conn.close()
