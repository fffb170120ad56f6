"""Anonymous means anonymous: not stored, not only hidden.

After an anonymous report the reporter's Telegram id, chat id, name and username are
searched for in the raw bytes of the database file, its WAL and the captured logs: they may
appear only in the pages of the `people` table (the person's own account row).
"""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from bot.logs import setup_logging
from bot.simulator import Simulator, running
from tests.conftest import BOARD_ID
from tests.support.grievances import (
    ANON_TEXT,
    FIRST_NAME,
    REPORTER,
    USERNAME,
    press_as_reporter,
    reference,
    rows,
    secret_code,
    send_as_reporter,
    texts,
    to,
)
from tests.support.i18n import tr_id, tr_part


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    setup_logging("DEBUG")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite"):
            logging.getLogger(name).setLevel(logging.NOTSET)


def needles() -> dict[str, list[bytes]]:
    return {
        "telegram id": [
            str(REPORTER).encode(),
            REPORTER.to_bytes(6, "big"),  # SQLite's 6-byte integer in a record
            REPORTER.to_bytes(8, "big"),
        ],
        "name": [FIRST_NAME.encode(), FIRST_NAME.encode("utf-16-le")],
        "username": [USERNAME.encode()],
    }


def people_pages(path: Path) -> set[int]:
    """Page numbers of the people table and its indexes (small test DB: one page each)."""
    conn = sqlite3.connect(path)
    try:
        roots = {
            r[0]
            for r in conn.execute(
                "SELECT rootpage FROM sqlite_master WHERE tbl_name = 'people' AND rootpage > 0"
            )
        }
        count = conn.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()
    assert count < 20 and page_size >= 4096  # so each of those fits on its root page
    return roots


def pages_holding(data: bytes, needle: bytes, page_size: int, *, wal: bool) -> set[int]:
    """Which database pages (by number) hold the needle, in the file or in WAL frames."""
    found = set()
    if not wal:
        for index in range(0, len(data), page_size):
            if needle in data[index : index + page_size]:
                found.add(index // page_size + 1)
        return found
    frame = 24 + page_size
    for start in range(32, len(data), frame):
        page_number = int.from_bytes(data[start : start + 4], "big")
        if needle in data[start + 24 : start + frame]:
            found.add(page_number)
    return found


def scan_for_the_reporter(path: Path) -> None:
    """The reporter's id, name and username only in people pages; the text only in grievances."""
    database = path.read_bytes()
    wal_path = path.with_name(path.name + "-wal")
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    allowed = people_pages(path)
    page_size = 4096
    for what, variants in needles().items():
        for needle in variants:
            in_file = pages_holding(database, needle, page_size, wal=False)
            in_wal = pages_holding(wal, needle, page_size, wal=True)
            assert in_file <= allowed, (what, needle, in_file, allowed)
            assert in_wal <= allowed, (what, needle, in_wal, allowed)
    # the description sits in the grievances table only, never in a leftover draft page
    grievance_root = rows(path, "SELECT rootpage FROM sqlite_master WHERE name = 'grievances'")[0][
        0
    ]
    text_pages = pages_holding(database, ANON_TEXT.encode(), page_size, wal=False)
    text_pages |= pages_holding(wal, ANON_TEXT.encode(), page_size, wal=True)
    assert text_pages == {grievance_root}


async def file_anonymously(bot: Simulator) -> list:  # type: ignore[type-arg]
    await send_as_reporter(bot, "/start")
    await send_as_reporter(bot, "/lapor")
    await press_as_reporter(bot, "Keuangan/Dana")
    await send_as_reporter(bot, ANON_TEXT)
    await send_as_reporter(bot, "25 juta")
    await send_as_reporter(
        bot, f"Dana dikembalikan, kata {FIRST_NAME}".replace(FIRST_NAME, "saya")
    )
    await send_as_reporter(bot, "RT 3 RW 5")
    file = bot.api.add_file(b"\xff\xd8 kuitansi", "kuitansi.jpg")
    await send_as_reporter(bot, None, photo=[{**file, "width": 800, "height": 600}])
    await press_as_reporter(bot, "Selesai")
    await press_as_reporter(bot, "Anonim")
    await press_as_reporter(bot, "Tidak")
    return await press_as_reporter(bot, "Kirim")


async def test_an_anonymous_report_leaves_no_trace_of_the_reporter(
    settings: Settings,
    make_bot: Callable[..., Simulator],
    captured_logs: io.StringIO,
) -> None:
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        calls = await file_anonymously(bot)
        ref, code = reference(calls), secret_code(calls)
        assert tr_part(
            "Sent. Report number: <b>{ref}</b>\nSecret code: "
            "<code>{code}</code>\n\nKeep both (write them down). Only "
            "with them can you follow the report:\n/cek {ref} "
            "{code}\nNothing about you is stored, so a lost code "
            "cannot be recovered, and the bot will not message you "
            "about this report."
        ) in texts(to(calls, REPORTER))
        # the board hears of it, with no name
        board = texts(to(calls, BOARD_ID))
        assert ref in board and FIRST_NAME not in board
        await bot.send(BOARD_ID, "/pengaduan")
        card = texts(await bot.press(BOARD_ID, ref))
        assert "Anonim" in card and FIRST_NAME not in card and USERNAME not in card
        # the reporter follows it with the code, and adds information
        await send_as_reporter(bot, f"/cek {ref} {code}")
        await press_as_reporter(bot, "Tambah informasi atau bukti")
        await send_as_reporter(bot, "Kuitansinya ada di sekretariat KSM.")

        [(reporter_id, identity, salt, digest)] = rows(
            settings.database, "SELECT reporter_id, identity, code_salt, code_hash FROM grievances"
        )
        assert reporter_id is None and identity == "anonim"
        assert code.encode() not in salt + digest and len(digest) == 32
        assert (
            rows(
                settings.database,
                "SELECT actor_id FROM audit WHERE object_type = 'grievance'"
                " AND actor_id IS NOT NULL",
            )
            == []
        )
        assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
        assert rows(
            settings.database,
            "SELECT COUNT(*) FROM conversations WHERE key LIKE ?",
            (f"%{REPORTER}%",),
        ) == [(0,)]
        person_id = rows(
            settings.database, "SELECT id FROM people WHERE telegram_id = ?", (REPORTER,)
        )[0][0]
        # nothing in the grievance tables points at that person
        for table in ("grievances", "grievance_evidence", "grievance_messages", "schedules"):
            dump = str(rows(settings.database, f"SELECT * FROM {table}"))
            assert str(REPORTER) not in dump and FIRST_NAME not in dump, table
        assert person_id not in {
            r[0] for r in rows(settings.database, "SELECT reporter_id FROM grievances")
        }

        scan_for_the_reporter(settings.database)
    # and after a graceful stop, when PTB's persistence flushes what it holds
    scan_for_the_reporter(settings.database)

    logs = captured_logs.getvalue()
    for what, variants in needles().items():
        assert variants[0].decode(errors="ignore") not in logs, what
    assert code not in logs


async def test_a_wrong_code_is_refused_without_saying_whether_the_number_exists(
    bot: Simulator,
) -> None:
    calls = await file_anonymously(bot)
    ref, code = reference(calls), secret_code(calls)
    wrong_code = texts(await bot.send(REPORTER, f"/cek {ref} WRONGCODE1"))
    missing_ref = texts(await bot.send(REPORTER, f"/cek LPR-2026-0999 {code}"))
    lower = texts(await bot.send(REPORTER, f"/cek {ref.lower()} {code.lower()}"))
    assert (
        wrong_code == missing_ref
        and tr_id("That number and code do not match a report. Check them and try again.")
        in wrong_code
    )
    assert ANON_TEXT not in wrong_code
    assert ANON_TEXT in lower  # typed in small letters still works
    assert tr_id(
        "Write the report number and the secret code, for example:\n/cek LPR-2026-0001 ABCD2345EF"
    ) in texts(await bot.send(REPORTER, "/cek"))
    # and guessing is slowed: after ten wrong codes in an hour, even the right one waits
    for _ in range(10):
        await bot.send(REPORTER, f"/cek {ref} X{_}")
    assert tr_id("Too many wrong codes. Please try again in an hour.") in texts(
        await bot.send(REPORTER, f"/cek {ref} {code}")
    )


async def test_the_anonymous_daily_counter_is_a_salted_hash_and_is_wiped(
    bot: Simulator, settings: Settings
) -> None:
    await file_anonymously(bot)
    [(_day, digest, n)] = rows(
        settings.database, "SELECT day, chat_hash, n FROM grievance_anon_counts"
    )
    assert n == 1 and len(digest) == 32
    assert str(REPORTER).encode() not in digest
    import hashlib

    assert digest != hashlib.sha256(str(REPORTER).encode()).digest()  # salted, not a plain hash
    # the report row knows nothing of the counter
    columns = {r[1] for r in rows(settings.database, "PRAGMA table_info(grievances)")}
    assert not {"chat_hash", "day"} & columns
    assert rows(
        settings.database,
        "SELECT kind, status FROM schedules WHERE kind = 'grievance.wipe_counts'",
    ) == [("grievance.wipe_counts", "pending")]


async def test_every_connection_zeroes_deleted_content(bot: Simulator, settings: Settings) -> None:
    """secure_delete is per connection (so not in a migration): the bot's own has it on."""
    services = bot.application.services
    assert await services.db.read(lambda c: c.execute("PRAGMA secure_delete").fetchone()[0]) == 1
