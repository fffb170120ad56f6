"""Recording who writes: `last_seen_at` to the day, written once a day; changes at once."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator


def person(path: Path, telegram_id: int) -> tuple[str, str | None, str | None, str]:
    conn = sqlite3.connect(path)
    try:
        row = conn.execute(
            "SELECT last_seen_at, display_name, client_language, role FROM people"
            " WHERE telegram_id = ?",
            (telegram_id,),
        ).fetchone()
    finally:
        conn.close()
    return tuple(row)  # type: ignore[return-value]


async def test_a_person_writing_on_is_recorded_once_a_day_to_the_day(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(61, "/start", first_name="Siti")
    first = person(settings.database, 61)[0]
    assert first.endswith("T00:00:00+00:00")  # the day, never the minute
    clock.advance(timedelta(hours=5))
    calls = await bot.send(61, "/bantuan", first_name="Siti")
    assert calls[-1].method == "sendMessage"
    assert person(settings.database, 61)[0] == first
    clock.advance(timedelta(days=1))
    await bot.send(61, "/bantuan", first_name="Siti")
    later = person(settings.database, 61)[0]
    assert later > first and later.endswith("T00:00:00+00:00")


async def test_a_new_name_or_client_language_is_written_at_once(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(62, "/start", first_name="Siti", language_code="id")
    clock.advance(timedelta(seconds=5))
    calls = await bot.send(62, "/start", first_name="Siti <b>&", language_code="id")
    assert person(settings.database, 62)[1] == "Siti <b>&"
    assert "Siti <b>&!" in calls[-1].text  # shown back exactly
    clock.advance(timedelta(seconds=5))
    await bot.send(62, "/start", first_name="Siti <b>&", language_code="en")
    assert person(settings.database, 62)[2] == "en"


async def test_a_role_changed_a_moment_ago_counts_on_the_next_update(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    before = (await bot.send(63, "/bantuan"))[-1].text
    assert "/admin" not in before
    conn = sqlite3.connect(settings.database)
    with conn:
        conn.execute("UPDATE people SET role = 'pengurus' WHERE telegram_id = 63")
    conn.close()
    clock.advance(timedelta(seconds=1))
    after = (await bot.send(63, "/bantuan"))[-1].text
    assert "/admin" in after
