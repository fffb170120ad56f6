"""The board's budget flows across the upgrade to the flow runner (issue 14).

The database holds conversations saved mid-way by the code before it. The rows below were
captured from that code (commit 42701c4): the conversation state (JSON int, key "[chat,
user]") and the draft (step name; JSON answers, compact and sorted, with the update that
saved it). They resume at the step they were saved at and complete.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import running
from bot.transport.fake_api import FakeBotAPI
from tests.budget.test_chat import SAMPLE, rows, seed, texts
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.saved_steps import write_saved_step


async def test_a_realisation_saved_before_the_upgrade_resumes_and_completes(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    seed(settings, SAMPLE)
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
    [(line_id,)] = rows(
        settings.database,
        "SELECT id FROM budget_lines WHERE program = 'Drainase' AND allocation = 60000000",
    )
    # /admin → Catat realisasi at "On which day?" (line and amount answered)
    write_saved_step(
        settings, "budget_realise", 5, "DAY",
        f'{{"_update":{api.last_update_id},"amount":2500000,"line_id":{line_id}}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    clock.advance(timedelta(minutes=5))
    second = make_bot(settings)
    async with running(second.application):
        await second.press_data(BOARD_ID, "bud:rd:today", 1)  # the Today button shown before
        await second.send(BOARD_ID, "Semen 50 sak")
        assert tr_id("Please send the receipt as a photo, or press No receipt.") in texts(
            await second.send(BOARD_ID, "bukan foto")
        )
        confirm = texts(await second.press(BOARD_ID, "Tanpa bukti"))
        assert "Rp2.500.000" in confirm and "Semen 50 sak" in confirm
        done = texts(await second.press(BOARD_ID, "Kirim"))
        assert "Tercatat" in done and "Rp29.500.000 dari Rp60.000.000 (49,2%)" in done
    assert rows(
        settings.database, "SELECT line_id, amount, description, receipt FROM budget_realisations"
    ) == [(line_id, 2_500_000, "Semen 50 sak", None)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]


async def test_a_realisation_saved_at_its_confirmation_is_recorded(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    seed(settings, SAMPLE)
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
    [(line_id,)] = rows(
        settings.database, "SELECT id FROM budget_lines WHERE program = 'Posyandu'"
    )
    write_saved_step(
        settings, "budget_realise", 8, "CONFIRM",
        f'{{"_update":{api.last_update_id},"amount":500000,"description":"Makanan balita",'
        f'"line_id":{line_id},"receipt":null,"spent_on":"2026-11-27"}}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    second = make_bot(settings)
    async with running(second.application):
        assert tr_id("Please choose one of the buttons.") in texts(
            await second.send(BOARD_ID, "kirim")
        )
        assert "Tercatat" in texts(await second.press_data(BOARD_ID, "bud:re:ok", 1))
    assert rows(
        settings.database, "SELECT line_id, spent_on, amount FROM budget_realisations"
    ) == [(line_id, "2026-11-27", 500_000)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_an_import_saved_at_its_confirmation_is_applied(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    seed(settings, SAMPLE)
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
    # the checked file's lines, as dataclasses.astuple(LineInput) (no ignored columns)
    write_saved_step(
        settings, "budget_import", 2, "CONFIRM_IMPORT",
        f'{{"_update":{api.last_update_id},"lines":[[2026,"Sanitasi","MCK komunal",'
        '"lingkungan","CSR",3,"KSM Sehat",48000000,0,null,null,null,null]]}',
        BOARD_ID, clock.now().isoformat(),
    )  # fmt: skip
    second = make_bot(settings)
    async with running(second.application):
        done = texts(await second.press_data(BOARD_ID, "bud:imp:ok", 1))
        assert tr_part("<b>Budget imported</b> for {years}.") in done
    assert rows(
        settings.database, "SELECT program, allocation FROM budget_lines WHERE year = 2026"
    ) == [("Sanitasi", 48_000_000)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
