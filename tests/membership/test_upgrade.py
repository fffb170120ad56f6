"""/admin › Members across the upgrade to the flow runner (issue 14).

The database holds conversations saved mid-way by the code before it. The rows below were
captured from that code (commit 42701c4): the search, the move, the revocation and the merge,
each saved at the step that waits for typed text, resume at that step and complete.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.polls import raw_rows, texts
from tests.support.saved_steps import nothing_waiting, write_saved_step

MEMBER = 301
OTHER = 302


async def member(bot: Simulator, user: int, name: str) -> None:
    """A verified member, through /daftar and the board's approval."""
    await bot.send(user, "/daftar")
    await bot.send(user, name)
    await bot.send(user, "RT 3 RW 5")
    await bot.press(user, "Perempuan")
    await bot.press(user, "Kirim")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Setujui")


async def test_members_admin_steps_saved_before_the_upgrade_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):  # the members, as the earlier code made them
        await first.send(BOARD_ID, "/start")
        await member(first, MEMBER, "Siti Aminah")
        await member(first, OTHER, "Budi Santoso")
    [(siti,)] = raw_rows(settings.database, f"SELECT id FROM people WHERE telegram_id={MEMBER}")
    [(budi,)] = raw_rows(settings.database, f"SELECT id FROM people WHERE telegram_id={OTHER}")

    def saved(state: int, step: str, data: str) -> None:
        update, at = api.last_update_id, clock.now().isoformat()
        write_saved_step(
            settings, "members_admin", state, step, f'{{"_update":{update}{data}}}', BOARD_ID, at
        )
        clock.advance(timedelta(minutes=5))

    # "Search by name" pressed: waiting for a part of the name
    saved(1, "SEARCH", "")
    bot = make_bot(settings)
    async with running(bot.application):
        found = texts(await bot.send(BOARD_ID, "Budi"))
        assert "Budi Santoso" in [b["text"].split(" · ")[0] for b in bot.buttons(BOARD_ID)]
        assert tr_part("{n} member.") in found
    assert nothing_waiting(settings)

    # "Move to another RT/RW" pressed on Siti's card: waiting for the new RT/RW
    saved(2, "RTRW", f',"person_id":{siti}')
    bot = make_bot(settings)
    async with running(bot.application):
        assert tr_id("Moved.") in texts(await bot.send(BOARD_ID, "RT 4 RW 6"))
    assert raw_rows(settings.database, f"SELECT rt, rw FROM people WHERE id={siti}") == [(4, 6)]
    assert nothing_waiting(settings)

    # "Merge another account into this one" pressed on Siti's card: waiting for the number
    saved(4, "MERGE", f',"person_id":{siti}')
    bot = make_bot(settings)
    async with running(bot.application):
        asked = await bot.send(BOARD_ID, str(budi))
        assert "Budi Santoso" in texts(asked)
        assert nothing_waiting(settings)
        assert tr_id("Merged.") in texts(await bot.press(BOARD_ID, tr_id("Merge")))
    assert raw_rows(settings.database, f"SELECT role FROM people WHERE id={siti}") == [
        ("anggota",)
    ]

    # "Revoke membership" pressed on Siti's card (its token consumed): waiting for the reason
    saved(3, "REASON", f',"person_id":{siti}')
    bot = make_bot(settings)
    async with running(bot.application):
        # a reason too short is said, and the step waits for another
        short = texts(await bot.send(BOARD_ID, "x"))
        assert tr_id("Membership revoked. The person has been told.") not in short
        revoked = await bot.send(BOARD_ID, "Pindah ke luar kota")
        assert tr_id("Membership revoked. The person has been told.") in texts(revoked)
        assert "Pindah ke luar kota" in texts(revoked, MEMBER)
    assert raw_rows(settings.database, f"SELECT role FROM people WHERE id={siti}") == [("warga",)]
    assert nothing_waiting(settings)


async def test_a_members_admin_step_saved_before_the_upgrade_lapses_after_half_an_hour(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        await member(first, MEMBER, "Siti Aminah")
    [(siti,)] = raw_rows(settings.database, f"SELECT id FROM people WHERE telegram_id={MEMBER}")
    write_saved_step(
        settings, "members_admin", 2, "RTRW",
        f'{{"_update":{api.last_update_id},"person_id":{siti}}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    clock.advance(timedelta(minutes=31))
    bot = make_bot(settings)
    async with running(bot.application):
        lapsed = texts(await bot.send(BOARD_ID, "RT 4 RW 6"))
        assert tr_id("That took too long. Please start again.") in lapsed
    assert raw_rows(settings.database, f"SELECT rt, rw FROM people WHERE id={siti}") == [(3, 5)]
    assert nothing_waiting(settings)
