"""Anonymity against timing joins (issue 13, item 4).

Eleven residents are active across one day, each at their own time; one of them files an
anonymous report and later follows it up with /cek. The adversary holds the database file,
its WAL, the logs and the backup made that night (`bkm-bot db backup`'s code path), and
tries every join on times: every timestamp-like value in those bytes (ISO datetimes, unix
epochs as text or as a stored REAL) that is finer than a day is compared with the moments
the reporter acted. None may fall near them: what is stored about people is kept to the
day, so the reporter stays one of "everyone active that day".

The report's own record keeps its hour (the board is shown when it was received); that
hour describes the report, not a person, and is the one value allowed near the filing.
"""

from __future__ import annotations

import io
import logging
import re
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.logs import setup_logging
from bot.simulator import Simulator, running
from storage import backup
from storage.grievances.reports import to_the_hour
from tests.conftest import BOARD_ID
from tests.support.grievances import (
    ANON_TEXT,
    press_as_reporter,
    reference,
    rows,
    secret_code,
    send_as_reporter,
    texts,
    to,
)

WIB = ZoneInfo("Asia/Jakarta")
NEAR = timedelta(minutes=60)  # a stored time this close to a reporter's action is a join
OTHERS = [7_100_000 + i for i in range(10)]
ISO = re.compile(
    rb"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?"
    rb"(Z|[+-]\d{2}:?\d{2})?"
)
EPOCH = re.compile(rb"(?<![\d.])(1[6-9]\d{8})(?:\.\d+)?(?![\d])")


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    setup_logging("DEBUG")  # the production format and levels, at the most talkative
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite"):
            logging.getLogger(name).setLevel(logging.NOTSET)


def _parse_iso(match: re.Match[bytes]) -> datetime | None:
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
            int((fraction or b"0").ljust(6, b"0")[:6]),
        )  # fmt: skip
    except ValueError:
        return None
    if zone is None or zone == b"Z":
        return moment.replace(tzinfo=UTC)
    sign = 1 if zone[:1] == b"+" else -1
    digits = zone[1:].replace(b":", b"")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (moment - sign * offset).replace(tzinfo=UTC)


def timestamps(data: bytes) -> set[datetime]:
    """Every time-like value in the bytes: ISO text, epoch text, epoch as a big-endian REAL."""
    found = {m for match in ISO.finditer(data) if (m := _parse_iso(match)) is not None}
    found |= {datetime.fromtimestamp(int(m.group(1)), UTC) for m in EPOCH.finditer(data)}
    for shift in range(8):  # SQLite stores a REAL as 8 big-endian bytes, at any offset
        usable = (len(data) - shift) // 8 * 8
        values = np.frombuffer(data[shift : shift + usable], dtype=">f8")
        with np.errstate(invalid="ignore"):
            plausible = values[(values > 1.6e9) & (values < 2.0e9)]
        found |= {datetime.fromtimestamp(float(v), UTC) for v in plausible}
    return found


def finer_than_the_day(moment: datetime) -> bool:
    """Not a day's start, in UTC or in local time (WIB)."""
    return all(
        (m.hour, m.minute, m.second, m.microsecond) != (0, 0, 0, 0)
        for m in (moment, moment.astimezone(WIB))
    )


def joins(found: set[datetime], acts: list[datetime], own_hours: set[datetime]) -> list[str]:
    """The stored times that fall near a reporter's action (also a whole number of days
    later: a deadline or reminder computed from the moment), finer than a day."""
    hits = []
    for moment in sorted(found):
        if not finer_than_the_day(moment) or moment in own_hours:
            continue
        for act in acts:
            gap = moment - act
            days = round(gap / timedelta(days=1))
            shifted = days and abs(gap - timedelta(days=days)) < timedelta(minutes=2)
            if abs(gap) < NEAR or shifted:
                hits.append(f"{moment.isoformat()} near the reporter's act at {act.isoformat()}")
                break
    return hits


class Reporter:
    """The reporter's updates, each a little after the previous one; the moments are kept."""

    def __init__(self, bot: Simulator, clock: FakeClock) -> None:
        self.bot, self.clock = bot, clock
        self.acts: list[datetime] = []
        self.reporting = 0  # the index of the first act of the report

    def begin_report(self) -> None:
        self.reporting = len(self.acts)

    def _tick(self) -> None:
        self.acts.append(self.clock.advance(timedelta(seconds=17)))

    async def send(self, text: str | None, **extra: object) -> None:
        self._tick()
        await send_as_reporter(self.bot, text, **extra)

    async def press(self, label: str) -> list:  # type: ignore[type-arg]
        self._tick()
        return await press_as_reporter(self.bot, label)


async def test_no_stored_or_logged_time_joins_an_anonymous_report_to_its_reporter(
    settings: Settings,
    make_bot: Callable[..., Simulator],
    clock: FakeClock,
    captured_logs: io.StringIO,
    tmp_path: Path,
) -> None:
    day = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 06:30 WIB on 28 November
    clock.set(day)
    bot = make_bot(settings)
    reporter = Reporter(bot, clock)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        # ten residents and the reporter, each active at their own time of the day
        for index, resident in enumerate(OTHERS):
            clock.set(day + timedelta(hours=1, minutes=41 * index, seconds=7 * index))
            await bot.send(resident, "/start", first_name=f"Warga{index}")
            clock.advance(timedelta(minutes=3))
            await bot.send(resident, "/bantuan", first_name=f"Warga{index}")
            if index == 3:  # the reporter comes by in the morning…
                clock.advance(timedelta(minutes=9, seconds=13))
                await reporter.send("/start")
                await reporter.send("/bantuan")
            if index == 5:  # …and files an anonymous report around noon
                clock.advance(timedelta(minutes=11, seconds=29))
                reporter.begin_report()
                await reporter.send("/lapor")
                await reporter.press("Keuangan/Dana")
                await reporter.send(ANON_TEXT)
                await reporter.send("25 juta")
                await reporter.send("Dana dikembalikan")
                await reporter.send("RT 3 RW 5")
                file = bot.api.add_file(b"\xff\xd8 kuitansi", "kuitansi.jpg")
                await reporter.send(None, photo=[{**file, "width": 800, "height": 600}])
                await reporter.press("Selesai")
                await reporter.press("Anonim")
                await reporter.press("Tidak")
                filed = await reporter.press("Kirim")
                ref, code = reference(filed), secret_code(filed)
            if index == 8:  # in the afternoon the reporter adds information with /cek
                clock.advance(timedelta(minutes=6, seconds=41))
                await reporter.send(f"/cek {ref} {code}")
                await reporter.press("Tambah informasi atau bukti")
                await reporter.send("Kuitansinya ada di sekretariat KSM.")
        # the board reads the report in the evening
        clock.set(day + timedelta(hours=17, minutes=3))
        await bot.send(BOARD_ID, "/pengaduan")
        await bot.press(BOARD_ID, ref)
        # the nightly backup (`bkm-bot db backup`)
        clock.set(day + timedelta(hours=23, minutes=50))
        night = tmp_path / "backup" / "bkm-night.sqlite3"
        conn = sqlite3.connect(settings.database)
        try:
            backup.backup_connection(conn, night)
        finally:
            conn.close()
        await bot.settle()

        wal = settings.database.with_name(settings.database.name + "-wal")
        held = {
            "database": settings.database.read_bytes(),
            "WAL": wal.read_bytes() if wal.exists() else b"",
            "backup": night.read_bytes(),
            "logs": captured_logs.getvalue().encode(),
        }
        own = rows(settings.database, "SELECT created_at FROM grievances WHERE ref = ?", (ref,))
        told = texts(to(bot.api.calls, BOARD_ID))
        assert f"New report {ref}" in told or f"Laporan baru {ref}" in told, told
        assert told.count(ref) >= 2, told  # filed, then the reporter's addition
        left = rows(
            settings.database,
            "SELECT (SELECT COUNT(*) FROM deliveries d JOIN outbox_messages m"
            "  ON m.id = d.message_id WHERE m.kind LIKE '%grievance.%'),"
            " (SELECT COUNT(*) FROM outbox_renderings r JOIN outbox_messages m"
            "  ON m.id = r.message_id WHERE m.kind LIKE '%grievance.%'),"
            " (SELECT COUNT(*) FROM outbox_messages WHERE kind LIKE '%grievance.%'"
            "  AND id < (SELECT MAX(id) FROM outbox_messages))",
        )
    own_hours = {to_the_hour(act) for act in reporter.acts[reporter.reporting :]}
    assert {datetime.fromisoformat(own[0][0])} <= own_hours
    found = {
        where: joins(timestamps(data), reporter.acts, own_hours) for where, data in held.items()
    }
    assert found == {where: [] for where in held}, found
    # the board's notifications of them are gone once sent: deliveries, texts and messages
    # (the newest message row of all stays, with its kind and day, until the next message)
    assert left == [(0, 0, 0)]
    # and what is kept about people is their day
    for created, seen in rows(settings.database, "SELECT created_at, last_seen_at FROM people"):
        for value in (created, seen):
            assert value is None or not finer_than_the_day(datetime.fromisoformat(value)), value


def test_the_upgrade_brings_times_stored_before_it_to_the_day(tmp_path: Path) -> None:
    """A kept database (or a backup made after the upgrade) holds no finer time either:
    people's first and last contact and the unreachable marks become days, and the board's
    old notifications of reports, which cannot say whether a report was anonymous, become
    discreet and go once final."""
    from storage import migrate
    from storage.db import connect_sync

    path = tmp_path / "kept.sqlite3"
    conn = connect_sync(path)
    conn.row_factory = None  # plain tuples
    migrate.apply(conn, None, migrate.available()[:10])  # the schema before the upgrade
    moment = "2026-12-03T09:41:17.123456+00:00"
    conn.execute(
        "INSERT INTO people (telegram_id, display_name, language, created_at, last_seen_at)"
        " VALUES (7, 'Warga', 'id', ?, ?)",
        (moment, moment),
    )
    conn.execute("INSERT INTO unreachable_chats VALUES (7, ?, 'blocked')", (moment,))
    for kind in ("grievance.filed", "grievance.follow", "membership.decided", "grievance.filed"):
        message = conn.execute(
            "INSERT INTO outbox_messages (kind, status, created_at, started_at, finished_at)"
            " VALUES (?, 'done', ?, ?, ?) RETURNING id",
            (kind, moment, moment, moment),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO outbox_renderings (message_id, language, text) VALUES (?, 'id', 'x')",
            (message,),
        )
        conn.execute(
            "INSERT INTO deliveries (message_id, chat_id, language, status, updated_at)"
            " VALUES (?, 7, 'id', 'sent', ?)",
            (message, moment),
        )
    migrate.apply(conn, path)
    day = "2026-12-03T00:00:00+00:00"
    assert conn.execute("SELECT created_at, last_seen_at FROM people").fetchall() == [(day, day)]
    assert conn.execute("SELECT since FROM unreachable_chats").fetchall() == [(day,)]
    kept = conn.execute("SELECT id, kind, created_at FROM outbox_messages ORDER BY id").fetchall()
    # the named kind keeps its row; of the report notifications only the newest message of
    # all stays (its id must not be reused), with its day and no deliveries
    assert [(k, c) for _, k, c in kept] == [
        ("membership.decided", moment),
        ("discreet:grievance.filed", day),
    ]
    newest = kept[-1][0]
    assert conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE message_id = ?", (newest,)
    ).fetchone() == (0,)
    assert conn.execute(
        "SELECT COUNT(*) FROM deliveries WHERE updated_at LIKE '%09:41%'"
    ).fetchone() == (1,)  # the named notification's own delivery only
    conn.close()
