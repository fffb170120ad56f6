"""PTB's persistence keeps nothing per person beyond conversation states."""

from __future__ import annotations

import sqlite3

from bot.config import Settings
from bot.simulator import Simulator


async def test_people_writing_leave_no_per_person_data_behind(
    bot: Simulator, settings: Settings
) -> None:
    for who in range(500, 540):
        await bot.send(who, "/start")
    await bot.application.update_persistence()  # what PTB's job does every minute
    assert len(bot.application.user_data) == 0  # no dict kept per person who ever wrote
    conn = sqlite3.connect(settings.database)
    try:
        assert conn.execute("SELECT COUNT(*) FROM ptb_user_data").fetchone() == (0,)
    finally:
        conn.close()
