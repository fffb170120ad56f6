"""The one shared aiosqlite connection, its lock, and the transaction pattern.

Every awaited aiosqlite call is a hop to the connection's thread, so a write is written as
one plain function over a `sqlite3.Connection` and run with `Database.write(fn, ...)`:
BEGIN IMMEDIATE, the statements, the audit row and COMMIT all happen in a single hop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import aiosqlite

from storage import sqlite_adapter

P = ParamSpec("P")
T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000


def configure(conn: sqlite3.Connection) -> None:
    """Pragmas every connection to the database uses."""
    from storage.audit import chain_hash

    conn.row_factory = sqlite3.Row
    # Deleted values (erased personal data, an anonymous report's draft) are overwritten with
    # zeros, not left in free pages (UU PDP); per connection, so it cannot be a migration.
    conn.execute("PRAGMA secure_delete = ON")
    conn.create_function("bkm_audit_hash", 10, chain_hash, deterministic=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")


def connect_sync(path: Path | str) -> sqlite3.Connection:
    """A plain connection (CLI, migrations before the bot starts), autocommit mode."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    configure(conn)
    return conn


def in_transaction(conn: sqlite3.Connection, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run fn(conn, ...) inside BEGIN IMMEDIATE ... COMMIT; roll back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = fn(conn, *args, **kwargs)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result


class Database:
    """The bot's single connection. All work goes through one lock, one hop per call."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        """Open the connection (WAL, foreign keys, busy timeout)."""
        self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        await self._run_in_thread(configure)

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    async def _run_in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self._conn is None:
            raise RuntimeError("database is not open")
        # aiosqlite's own queue to its worker thread: the function runs there with the
        # sqlite3 connection, in order with every other call on this connection.
        return await sqlite_adapter.run_on_thread(self._conn, fn, *args)

    async def write(
        self,
        fn: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run fn(conn, ...) as one write transaction, committed before this returns."""
        async with self._lock:
            return await self._run_in_thread(
                lambda conn: in_transaction(conn, fn, *args, **kwargs)
            )

    async def read(
        self,
        fn: Callable[Concatenate[sqlite3.Connection, P], T],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run fn(conn, ...) for reading, in autocommit (each statement sees committed data)."""
        async with self._lock:
            return await self._run_in_thread(lambda conn: fn(conn, *args, **kwargs))

    async def checkpoint(self) -> bool:
        """Copy the WAL into the file and truncate it, so old page images do not linger.
        False when a reader kept it from finishing (SQLite checkpoints again later)."""
        async with self._lock:
            row = await self._run_in_thread(
                lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            )
        return not row[0]

    async def backup_to(self, target: Path) -> None:
        """Online backup of the open database into target (SQLite's backup API)."""
        from storage.backup import backup_connection

        async with self._lock:
            await self._run_in_thread(backup_connection, target)
