"""SQL, HTML and RTL payloads through poll creation (question, options, RW, closing, quorum,
the early-close reason): nothing breaks, nothing leaks into another table, text comes back
exactly."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.simulator import running
from rules.validate import clean_text
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id
from tests.support.payloads import PAYLOADS, refused, tables, untouched
from tests.support.polls import add_people, raw_rows
from tests.support.polls import texts as poll_texts


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_payloads_through_poll_creation_and_the_early_close(
    make_bot, settings: Settings, payload: str
) -> None:
    shown = clean_text(payload)
    bot = make_bot(settings, flood_limit=(10_000, 10))
    async with running(bot.application):
        before = tables(settings.database)
        await bot.send(BOARD_ID, "/start")
        await add_people(bot, [631, 632], rw=1)
        await bot.send(BOARD_ID, "/buatpolling")
        await bot.send(BOARD_ID, payload)  # the question
        assert "paling sedikit 2" in poll_texts(await bot.send(BOARD_ID, payload))  # one option
        options = f"{payload}\nTidak & <tidak>"
        await bot.send(BOARD_ID, options)
        await bot.press(BOARD_ID, "Anggota satu RW")
        assert "RW" in poll_texts(await bot.send(BOARD_ID, payload))  # not an RW: re-asked
        await bot.send(BOARD_ID, "RW 1")
        await bot.press(BOARD_ID, "Pemungutan suara terbuka")
        await bot.press(BOARD_ID, "Satu pilihan")
        assert "terbaca" in poll_texts(await bot.send(BOARD_ID, payload)).lower()  # closing
        await bot.send(BOARD_ID, "3 hari")
        await bot.press(BOARD_ID, "Setelah ditutup")
        assert tr_id(
            "Write the quorum as a percentage from 1 to 100, or choose no quorum."
        ) in poll_texts(await bot.send(BOARD_ID, payload))  # quorum
        preview = poll_texts(await bot.press(BOARD_ID, "Tanpa kuorum"))
        assert shown in preview and "Tidak & <tidak>" in preview
        published = await bot.press(BOARD_ID, "Terbitkan")
        invitation = poll_texts(published, 631)
        assert shown in invitation
        poll_id = raw_rows(settings.database, "SELECT id FROM polls")[0][0]
        await bot.press_data(631, f"pol:v:{poll_id}:1", 1)
        await bot.send(BOARD_ID, "/admin")
        await bot.press(BOARD_ID, "Tutup polling lebih awal")
        await bot.press(BOARD_ID, 1)
        closed = await bot.send(BOARD_ID, payload)  # the reason
        told = poll_texts(closed, 632)
        assert f"Alasan: {shown}" in told and f"1. {shown}: 1 suara" in told
        assert raw_rows(settings.database, "SELECT question, close_reason FROM polls") == [
            (shown, shown)
        ]
        assert refused(bot) == []
        untouched(settings.database, before)
