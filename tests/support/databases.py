"""Migrated databases without running every migration for each test.

Migrating a new file runs eleven SQL scripts (about 30 ms of CPU, more while the disk is
busy); a test that needs a migrated database gets a copy of one template migrated once per
test process instead. The copy is byte for byte what a first start leaves behind.
"""

from __future__ import annotations

import sqlite3
from functools import cache
from pathlib import Path

from storage import migrate
from storage.db import configure, connect_sync


def make_template(path: Path) -> Path:
    """Migrate a new database file at `path`; closed, so no WAL is left beside it."""
    conn = connect_sync(path)
    try:
        migrate.apply(conn, path)
    finally:
        conn.close()
    return path


@cache
def _memory_template() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    configure(conn)
    migrate.apply(conn, None)
    return conn


def migrated_memory() -> sqlite3.Connection:
    """A new in-memory database with every migration applied, configured like the bot's."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    _memory_template().backup(conn)
    configure(conn)
    return conn
