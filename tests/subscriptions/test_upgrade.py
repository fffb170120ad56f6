"""/langganan's daily-digest time question across the upgrade to the flow runner (issue 14).

The rows below were captured from the code before it (commit 42701c4): "Once a day instead"
pressed, the question waiting for a time. It resumes at that step and completes, with a
typed time or with one of the preset buttons shown before.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from tests.support.i18n import tr_id
from tests.support.polls import raw_rows, texts
from tests.support.saved_steps import nothing_waiting, write_saved_step

RESIDENT = 301


def digest_time(settings: Settings) -> list[tuple[Any, ...]]:
    return raw_rows(
        settings.database,
        "SELECT s.digest_time FROM subscription_prefs s JOIN people p ON p.id = s.person_id"
        f" WHERE p.telegram_id = {RESIDENT}",
    )


async def test_the_time_question_saved_before_the_upgrade_resumes_and_completes(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):
        await first.send(RESIDENT, "/langganan")

    def saved() -> None:
        write_saved_step(
            settings, "subscription_time", 1, "TIME", f'{{"_update":{api.last_update_id}}}',
            RESIDENT, clock.now().isoformat(),
        )  # fmt: skip
        clock.advance(timedelta(minutes=5))

    saved()
    bot = make_bot(settings)
    async with running(bot.application):
        wrong = texts(await bot.send(RESIDENT, "nanti"))  # said; the question still waits
        assert tr_id("Write the time as hours and minutes, for example 20:00.") in wrong
        done = texts(await bot.send(RESIDENT, "19.30"))
        assert tr_id("Delivery: once a day at {time}, all together.", time="19:30") in done
    assert digest_time(settings) == [("19:30",)]
    assert nothing_waiting(settings)

    saved()
    bot = make_bot(settings)
    async with running(bot.application):
        stale = texts(await bot.press_data(RESIDENT, "sub:at:0730", 1))  # never a preset
        assert tr_id("This button is no longer valid.") in stale
        done = texts(await bot.press_data(RESIDENT, "sub:at:0600", 1))  # the button shown
        assert tr_id("Saved.") in done
    assert digest_time(settings) == [("06:00",)]
    assert nothing_waiting(settings)
