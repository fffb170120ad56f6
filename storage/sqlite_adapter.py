"""The one place that reaches inside aiosqlite: it has no public way to run a function of
ours on its connection's worker thread, in order with the connection's other calls, and
storage.db needs exactly that (a whole transaction in one hop to the thread).

Written against aiosqlite 0.22 (`Connection._execute`, `Connection._conn`);
tests/test_sqlite_adapter.py fails when an upgrade changes either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


def run_on_thread(
    connection: aiosqlite.Connection, fn: Callable[..., T], *args: Any
) -> Awaitable[T]:
    """fn(conn, *args) on the connection's worker thread, with its sqlite3 connection;
    queued behind the calls made on `connection` before it. Raises ValueError when the
    connection is closed (as aiosqlite's own calls do)."""
    raw: sqlite3.Connection = connection._conn
    queued: Awaitable[T] = connection._execute(fn, raw, *args)  # no extra coroutine frame
    return queued
