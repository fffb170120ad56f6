"""`bkm-bot budget import FILE`: the treasurer's file into the database, whole or not at all.

Problems and the diff are printed in BKM_LOCALE; a rich progress bar (on stderr) shows
while a large file is read and written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bot.config import Settings
from bot.i18n import Translator, load_translators
from bot.transport.rules import plain_text
from handlers.budget import view as budget_text
from handlers.budget.spreadsheet import (
    MAX_FILE_BYTES,
    Parsed,
    Problem,
    count_rows,
    parse,
    too_big_file,
)
from storage import budget, migrate
from storage.db import connect_sync, in_transaction

LARGE = 2_000  # rows from which the progress bar shows
LARGE_XLSX_BYTES = 100_000  # an XLSX's rows are unknown until read: go by its size


@contextmanager
def _bar(enabled: bool) -> Iterator[Progress | None]:
    if not enabled:
        yield None
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=False,
    )
    with progress:
        yield progress


def _plain(html_text: str) -> str:
    return plain_text(html_text, "HTML")


def read_file(path: Path, tr: Translator, *, show_progress: bool | None = None) -> Parsed:
    if path.stat().st_size > MAX_FILE_BYTES:  # refused before it is read into memory
        return Parsed([], [Problem(0, None, too_big_file())])
    content = path.read_bytes()
    rows = count_rows(content)
    large = len(content) > LARGE_XLSX_BYTES if rows is None else rows >= LARGE
    enabled = large if show_progress is None else show_progress
    with _bar(enabled) as progress:
        if progress is None:
            return parse(content)
        task = progress.add_task(tr._("Checking rows"), total=rows)
        return parse(content, progress=lambda done: progress.update(task, completed=done))


def import_file(settings: Settings, path: Path) -> int:
    """Exit status 0 when applied, 1 when the file has problems (nothing changed)."""
    tr = load_translators(settings.timezone)[settings.locale]
    if not path.is_file():
        print(f"bkm-bot: {path}: no such file", file=sys.stderr)
        return 2
    parsed = read_file(path, tr)
    if not parsed.ok:
        for block in budget_text.problem_blocks(tr, parsed.problems, show=len(parsed.problems)):
            print(_plain(block), file=sys.stderr)
        return 1
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        now = datetime.now(UTC)
        with _bar(len(parsed.lines) >= LARGE) as progress:
            task = (
                progress.add_task(tr._("Saving lines"), total=len(parsed.lines))
                if progress
                else None
            )

            def advance(done: int) -> None:
                if progress is not None and task is not None:
                    progress.update(task, completed=done)

            report = in_transaction(
                conn,
                budget.apply_import,
                parsed.lines,
                now=now,
                actor_id=None,
                actor_role="system",
                progress=advance,
            )
            advance(len(parsed.lines))
    finally:
        conn.close()
    for block in budget_text.report_blocks(tr, report, applied=True):
        print(_plain(block))
    return 0
