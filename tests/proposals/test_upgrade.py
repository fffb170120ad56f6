"""Proposals across the upgrade to the flow runner and typed buttons (issue 14): a /usul
saved half-way by the code before resumes and completes, and the buttons residents and the
board hold (their data as the code before made it) still work or get the polite stale answer.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import buttons as typed_buttons
from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from handlers.proposals import buttons
from tests.conftest import BOARD_ID
from tests.support.proposals import MEMBER, PROPOSER, make_members, propose, rows, texts
from tests.support.saved_steps import write_saved_step

# Button data as the code before the typed buttons made it (captured from its screens, and
# for the buttons not on those screens, from the f-strings that built them).
TODAY = [
    "usl:resume",
    "usl:restart",
    "usl:back",
    "usl:cancel",
    "usl:ch:tatap_muka",
    "usl:ch:kotak_saran",
    "usl:res:skip",
    "usl:f:lingkungan",
    "usl:f:sosial",
    "usl:f:ekonomi",
    "usl:sim:1",
    "usl:go",
    "usl:loc:next",
    "usl:cost:unknown",
    "usl:ph:done",
    "usl:nm:n",
    "usl:nm:y",
    "usl:send:abb3c902",
    "usl:edit:abb3c902",
    "usl:e:field",
    "usl:e:photos",
    "usl:e:summary",
    "usl:v:1",
    "usl:ph:1",
    "usl:d:1",
    "usl:u:1",
    "usl:rev:1",
    "usl:l:0:-:-",
    "usl:l:1:-:-",
    "usl:l:0:lingkungan:-",
    "usl:l:0:-:perlu_revisi",
    "usl:l:0:sosial:didanai",
    "usl:lf:-:-",
    "usl:lf:ekonomi:baru",
    "usl:ls:-:-",
    "usl:ls:-:selesai",
    "usl:m:0",
    "usl:m:2",
    "usl:q:0",
    "usl:t:1:terverifikasi:baru",
    "usl:t:1:perlu_revisi:terverifikasi",
    "usl:t:1:diterima:terverifikasi",
    "usl:t:1:ditolak:baru:DckAJfACujPH",
    "usl:p:1",
    "usl:h:USL-2026-0001",
    "usl:h:USL-2026-0001/2",
    "usl:rc:same",
    "usl:pp:skip",
    "menu:propose",
    "menu:proposals",
    "adm:review",
    "adm:proposal_behalf",
]


@pytest.mark.parametrize("data", TODAY)
def test_todays_button_data_decodes_to_its_kind_and_back(data: str) -> None:
    kind = typed_buttons.kind_of(data)
    assert kind is not None, data
    if isinstance(kind, typed_buttons.Static):
        assert kind.data == data
    else:
        press = kind.unpack(data)  # type: ignore[attr-defined]
        assert press is not None and press.data == data, data
    assert kind in vars(buttons).values(), data  # declared by proposals


def test_forged_data_is_no_kind() -> None:
    for forged in (
        "usl:v:abc",
        "usl:v:" + "9" * 30,
        "usl:l:x:-:-",
        "usl:l:0:alien:-",
        "usl:l:0:-:hacked",
        "usl:l:1000000:-:-",
        "usl:lf:;DROP:-",
        "usl:ch:telegram",
        "usl:f:alien",
        "usl:nm:maybe",
        "usl:t:1:alien:baru",
        "usl:t:1:terverifikasi:baru:DckAJfACujPH",  # only a rejection carries a token
        "usl:t:1",
        "usl:d:-1",
        "usl:hp:1",
    ):
        assert typed_buttons.kind_of(forged) is None, forged


def alert(calls: list[Any]) -> str:
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1  # every press answered exactly once
    return str(answers[0].params.get("text") or "")


async def test_todays_buttons_in_chats_still_work(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await bot.send(BOARD_ID, "/start")
    assert await propose(bot) == "USL-2026-0001"
    assert "USL-2026-0001" in texts(await bot.press_data(MEMBER, "usl:v:1", 1))
    for page in ("usl:l:0:-:-", "usl:l:0:lingkungan:-", "usl:l:0:-:baru"):
        assert "Usulan warga" in texts(await bot.press_data(MEMBER, page, 1)), page
    for choose in ("usl:lf:-:-", "usl:ls:lingkungan:-"):
        assert "Pilih saringan" in texts(await bot.press_data(MEMBER, choose, 1)), choose
    assert "Usulan Anda" in texts(await bot.press_data(PROPOSER, "usl:m:0", 1))
    assert "1 dukungan" in alert(await bot.press_data(MEMBER, "usl:d:1", 1))
    assert "dibatalkan" in alert(await bot.press_data(MEMBER, "usl:u:1", 1))
    assert "Peninjauan" in texts(await bot.press_data(BOARD_ID, "usl:q:0", 1))
    done = await bot.press_data(BOARD_ID, "usl:t:1:terverifikasi:baru", 1)
    assert "kini berstatus" in texts(done)
    assert rows(settings.database, "SELECT status FROM proposals") == [("terverifikasi",)]
    assert "Apa alasannya" in texts(
        await bot.press_data(BOARD_ID, "usl:t:1:perlu_revisi:terverifikasi", 1)
    )
    await bot.send(BOARD_ID, "Lengkapi perkiraan biaya dan fotonya.")
    assert rows(settings.database, "SELECT status FROM proposals") == [("perlu_revisi",)]
    revise = texts(await bot.press_data(PROPOSER, "usl:rev:1", 1))
    assert "Perbaikan saluran air RT 03" in revise  # the summary, to change


async def test_todays_buttons_without_their_moment_get_the_stale_answer(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await bot.send(BOARD_ID, "/start")
    await propose(bot)
    for who, data in (
        (PROPOSER, "usl:send:abb3c902"),  # no draft any more
        (PROPOSER, "usl:edit:abb3c902"),
        (PROPOSER, "usl:e:title"),
        (PROPOSER, "usl:ph:done"),
        (PROPOSER, "usl:nm:y"),
        (PROPOSER, "usl:resume"),
        (PROPOSER, "usl:rev:1"),  # not sent back for revision
        (MEMBER, "usl:sim:1"),
        (MEMBER, "usl:f:sosial"),
        (MEMBER, "usl:v:999"),
        (BOARD_ID, "usl:t:1:ditolak:baru:DckAJfACujPH"),  # a token never issued
        (BOARD_ID, "usl:rc:same"),
        (BOARD_ID, "usl:h:USL-2026-0009"),
    ):
        assert "tidak berlaku" in alert(await bot.press_data(who, data, 1)), data
    assert rows(settings.database, "SELECT status FROM proposals") == [("baru",)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


# ---- a /usul saved half-way by the code before resumes after the upgrade -------------------
# The rows as the code before the flow runner wrote them (captured from it): the conversation
# state (the step's value as JSON, key "[chat id, user id]"), and the draft (the step's name,
# the answers as compact JSON with sorted keys and the update id that saved the step).
SAVED = {
    PROPOSER: (
        "5",
        "LOCATION",
        '{{"_update":{update},"behalf":false,"description":"Saluran air di depan musala '
        'mampet dan meluap setiap hujan deras.","field":"lingkungan","photos":[],"rt":3,'
        '"rw":5,"show_name":false,"title":"Perbaikan saluran air RT 03","v":"6d348a91"}}',
    ),
    BOARD_ID: (
        "9",
        "SUMMARY",
        '{{"_update":{update},"behalf":true,"channel":"tatap_muka","cost":null,'
        '"description":"Lansia di RW 05 belum punya pemeriksaan kesehatan rutin setiap '
        'bulan.","field":"sosial","photos":[],"resident_name":"Bu Sri Wahyuni","rt":1,"rw":5,'
        '"show_name":false,"title":"Posyandu lansia bulanan RW 05","v":"81f8da2d"}}',
    ),
}


def write_saved(settings: Settings, telegram_id: int, update: int, at: str) -> None:
    state, step, data = SAVED[telegram_id]
    write_saved_step(
        settings, "proposal_submit", state, step, data.format(update=update), telegram_id, at
    )


async def test_a_proposal_saved_half_way_before_the_upgrade_resumes_and_completes(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    first = make_bot(settings)
    async with running(first.application):  # the people exist, as the earlier code made them
        await first.send(BOARD_ID, "/start")
        await first.send(PROPOSER, "/start")
    make_members(settings.database, [PROPOSER])
    at = clock.now().isoformat()
    write_saved(settings, PROPOSER, api.last_update_id, at)
    write_saved(settings, BOARD_ID, api.last_update_id, at)
    clock.advance(timedelta(minutes=5))
    second = make_bot(settings)
    async with running(second.application):
        # the resident was at the location step with the RT/RW given: the map location next
        assert "Perkiraan biaya" in texts(await second.send_location(PROPOSER))
        assert "paling banyak 3 foto" in texts(await second.send(PROPOSER, "1,5 juta"))
        await second.press(PROPOSER, "Lewati")
        summary = texts(await second.press(PROPOSER, "Tidak, sembunyikan nama"))
        assert "Perbaikan saluran air RT 03" in summary and "Rp1.500.000" in summary
        sent = texts(await second.press(PROPOSER, "Kirim"))
        assert "Nomor usulan: USL-2026-0001" in sent
        # the board member's summary was on screen before the upgrade: its Kirim button
        filed = texts(await second.press_data(BOARD_ID, "usl:send:81f8da2d", 1))
        assert "USL-2026-0002" in filed
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM conversations") == [(0,)]
    assert rows(
        settings.database,
        "SELECT reference, proposer_id IS NULL, channel, proposer_name, latitude IS NOT NULL,"
        " estimated_cost FROM proposals ORDER BY id",
    ) == [
        ("USL-2026-0001", 0, "telegram", None, 1, 1_500_000),
        ("USL-2026-0002", 1, "tatap_muka", "Bu Sri Wahyuni", 0, None),
    ]
