"""storage.sqlite_adapter reaches inside aiosqlite (no public API runs a function on its
worker thread): these fail when an upgrade changes what it relies on."""

from __future__ import annotations

import asyncio
import inspect
import sqlite3
import threading
from pathlib import Path

import aiosqlite
import pytest

from storage import sqlite_adapter


def test_the_private_names_are_still_there() -> None:
    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn"), property)


async def test_runs_on_the_connection_thread_in_order_with_its_calls(tmp_path: Path) -> None:
    connection = await aiosqlite.connect(tmp_path / "a.sqlite3", isolation_level=None)
    try:
        await connection.create_function("thread_id", 0, threading.get_ident)
        await connection.execute("CREATE TABLE t (x INTEGER)")

        def count(conn: sqlite3.Connection, at_least: int) -> tuple[int, int]:
            assert isinstance(conn, sqlite3.Connection)
            (n,) = conn.execute("SELECT count(*) FROM t WHERE x >= ?", (at_least,)).fetchone()
            return n, threading.get_ident()

        # queued behind the insert queued just before it (not yet done)
        insert = asyncio.ensure_future(connection.execute("INSERT INTO t VALUES (7)"))
        await asyncio.sleep(0)  # the insert's task runs up to its wait on the thread
        assert not insert.done()
        n, thread = await sqlite_adapter.run_on_thread(connection, count, 5)
        await insert
        assert n == 1
        async with connection.execute("SELECT thread_id()") as cursor:
            assert (await cursor.fetchone()) == (thread,)
        assert thread != threading.get_ident()

        def fail(conn: sqlite3.Connection) -> None:
            raise LookupError("from the thread")

        with pytest.raises(LookupError, match="from the thread"):
            await sqlite_adapter.run_on_thread(connection, fail)
    finally:
        await connection.close()
    with pytest.raises(ValueError):
        await sqlite_adapter.run_on_thread(connection, lambda conn: None)
