"""Board authority at every step (issue 13, item 2).

A board member who is demoted in the middle of a board flow cannot finish it: every step of
a board flow reads their role at that step, storage checks it again in the action's own
transaction, and the demotion itself ends their open board flows and tells them so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from telegram.ext import ConversationHandler

from bot.access import BoardConversation
from bot.config import Settings
from bot.context import services_of
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall
from storage import board, polls
from storage.audit import NotBoard
from tests.conftest import BOARD_ID
from tests.support.confirm import close_button
from tests.support.grievances import file_report, reference
from tests.support.i18n import tr_id
from tests.support.polls import add_people, create_poll, person_id, raw_rows

DEMOTED = 1002  # a board member who is not in BKM_ADMINS, so the chat can demote them
RESIDENTS = [5001, 5002, 5003]
NO_LONGER = "tidak lagi menjadi pengurus BKM"


def texts(calls: list[ApiCall], chat_id: int | None = None) -> str:
    shown = ("sendMessage", "editMessageText", "sendPhoto", "answerCallbackQuery")
    return "\n".join(
        c.text for c in calls if c.method in shown and (chat_id is None or c.chat_id == chat_id)
    )


@pytest.fixture
async def sim(settings: Settings, make_bot: Callable[..., Simulator]) -> AsyncIterator[Simulator]:
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await add_people(bot, [DEMOTED], role="pengurus")
        await add_people(bot, RESIDENTS, role="warga")
        yield bot


async def demote_in_chat(bot: Simulator) -> list[ApiCall]:
    """Another board member presses "Remove from the board" on the member's card."""
    return await bot.press_data(BOARD_ID, f"mbr:dm:{await person_id(bot, DEMOTED)}", 1)


async def demote_elsewhere(bot: Simulator) -> None:
    """The role changes while the chat does not end the flow (another instance of the bot on
    the same database, or a demotion that lands between two steps): only the step's own
    check stands between the person and the action."""
    services = services_of(bot.application)
    await services.db.write(
        board.demote,
        person_id=await person_id(bot, DEMOTED),
        board_id=await person_id(bot, BOARD_ID),
        config_admins=frozenset(),
        now=services.clock.now(),
    )


def answered(calls: list[ApiCall]) -> bool:
    return any(c.method == "answerCallbackQuery" for c in calls)


async def compose_broadcast(bot: Simulator) -> int:
    """The soon-demoted member prepares a broadcast to every resident; returns the id of the
    preview message that holds "Kirim sekarang"."""
    await bot.send(DEMOTED, "/siaran")
    await bot.send(DEMOTED, "Pengumuman palsu: iuran naik")
    await bot.press(DEMOTED, "Semua warga")
    await bot.press(DEMOTED, "Sekarang")
    found = bot.api.last_buttons(DEMOTED)
    assert found is not None and any(b["text"] == "Kirim sekarang" for b in found[1])
    return found[0]


def nothing_broadcast(bot: Simulator, settings: Settings, demoted: int) -> None:
    assert not [c for c in bot.api.calls if c.chat_id in RESIDENTS and "iuran naik" in c.text]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM outbox_messages WHERE topic IS NOT NULL"
    ) == [(0,)]
    assert raw_rows(
        settings.database,
        "SELECT COUNT(*) FROM audit WHERE actor_id = ? AND action != 'board.demoted'",
        (demoted,),
    ) == [(0,)]


# ---- (a) /siaran ------------------------------------------------------------------------
async def test_demoted_mid_broadcast_then_kirim_sekarang_sends_nothing(
    sim: Simulator, settings: Settings
) -> None:
    preview = await compose_broadcast(sim)
    demoted = await person_id(sim, DEMOTED)
    calls = await demote_in_chat(sim)
    assert NO_LONGER in texts(calls, DEMOTED)  # the demotion tells them, at once
    pressed = await sim.press_data(DEMOTED, "sb:go", preview)
    assert answered(pressed)  # the press does not keep spinning
    nothing_broadcast(sim, settings, demoted)


async def test_a_step_reads_the_role_now_even_when_the_flow_was_not_ended(
    sim: Simulator, settings: Settings
) -> None:
    preview = await compose_broadcast(sim)
    demoted = await person_id(sim, DEMOTED)
    await demote_elsewhere(sim)
    pressed = await sim.press_data(DEMOTED, "sb:go", preview)
    assert answered(pressed)
    assert NO_LONGER in texts(pressed, DEMOTED)
    nothing_broadcast(sim, settings, demoted)
    # the conversation ended and its draft is gone: nothing is offered back
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM drafts WHERE person_id = ?", (demoted,)
    ) == [(0,)]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM conversations WHERE name = 'broadcast_compose'"
    ) == [(0,)]


# ---- (b) closing a poll early -----------------------------------------------------------
@pytest.mark.parametrize("demote", [demote_in_chat, demote_elsewhere])
async def test_demoted_mid_early_close_the_reason_leaves_the_poll_open(
    sim: Simulator, settings: Settings, demote: Callable[[Simulator], Any]
) -> None:
    await add_people(sim, [3001, 3002])
    poll_id, _reference, _ = await create_poll(sim)
    message_id, data = await close_button(sim, DEMOTED)
    assert data.startswith(f"pol:x:{poll_id}:")
    asked = await sim.press_data(DEMOTED, data, message_id)
    assert "Apa alasannya" in texts(asked)
    await demote(sim)
    calls = await sim.send(DEMOTED, "Rapat darurat dimajukan")
    assert raw_rows(settings.database, "SELECT status FROM polls WHERE id = ?", (poll_id,)) == [
        ("open",)
    ]
    assert not raw_rows(settings.database, "SELECT 1 FROM audit WHERE action LIKE 'poll.closed%'")
    assert not [c for c in sim.api.calls if c.chat_id in (3001, 3002) and "ditutup" in c.text]
    if demote is demote_elsewhere:
        assert NO_LONGER in texts(calls, DEMOTED)


# ---- (c) rejecting a grievance ----------------------------------------------------------
@pytest.mark.parametrize("demote", [demote_in_chat, demote_elsewhere])
async def test_demoted_mid_grievance_reject_the_reason_rejects_nothing(
    sim: Simulator, settings: Settings, demote: Callable[[Simulator], Any]
) -> None:
    ref = reference(await file_report(sim, RESIDENTS[0]))
    await sim.send(DEMOTED, "/pengaduan")
    await sim.press(DEMOTED, ref)
    asked = await sim.press(DEMOTED, "Tolak")
    assert "alasan" in texts(asked).lower()
    await demote(sim)
    calls = await sim.send(DEMOTED, "Laporan ini tidak benar sama sekali")
    assert raw_rows(settings.database, "SELECT status FROM grievances") == [("diterima",)]
    assert not raw_rows(settings.database, "SELECT 1 FROM audit WHERE action = 'grievance.reject'")
    assert not [c for c in sim.api.calls if c.chat_id == RESIDENTS[0] and "ditolak" in c.text]
    if demote is demote_elsewhere:
        assert NO_LONGER in texts(calls, DEMOTED)


# ---- (d) storage refuses on its own -----------------------------------------------------
async def test_storage_refuses_a_board_action_by_a_non_board_actor_and_writes_nothing(
    sim: Simulator, settings: Settings
) -> None:
    await add_people(sim, [3001, 3002])
    poll_id, _reference, _ = await create_poll(sim)
    services = services_of(sim.application)
    member = (await add_people(sim, [3003], role="anggota"))[0]
    audit_before = raw_rows(settings.database, "SELECT COUNT(*) FROM audit")
    schedules_before = raw_rows(
        settings.database,
        "SELECT kind, status FROM schedules WHERE kind LIKE 'poll.%' ORDER BY id",
    )
    for actor in (member, 999_999):  # a member, and no person at all
        with pytest.raises(NotBoard):
            await services.db.write(
                polls.close, poll_id, now=services.clock.now(), board_id=actor, reason="x"
            )
    assert raw_rows(settings.database, "SELECT status FROM polls") == [("open",)]
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM audit") == audit_before
    assert (
        raw_rows(
            settings.database,
            "SELECT kind, status FROM schedules WHERE kind LIKE 'poll.%' ORDER BY id",
        )
        == schedules_before
    )
    # the system (no person) still closes it, and a board member still can act
    closed = await services.db.write(polls.close, poll_id, now=services.clock.now())
    assert closed is not None
    [(role,)] = raw_rows(
        settings.database, "SELECT actor_role FROM audit ORDER BY id DESC LIMIT 1"
    )
    assert role == "system"


# ---- (e) the demotion ends the flow and says so -----------------------------------------
async def test_demotion_ends_the_open_board_flow_and_tells_the_person(
    sim: Simulator, settings: Settings
) -> None:
    await compose_broadcast(sim)
    demoted = await person_id(sim, DEMOTED)
    assert raw_rows(
        settings.database, "SELECT flow FROM drafts WHERE person_id = ?", (demoted,)
    ) == [("broadcast_compose",)]
    calls = await demote_in_chat(sim)
    assert NO_LONGER in texts(calls, DEMOTED)
    assert "warga terdaftar" in texts(calls, DEMOTED)
    assert raw_rows(settings.database, "SELECT role FROM people WHERE id = ?", (demoted,)) == [
        ("anggota",)
    ]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM drafts WHERE person_id = ?", (demoted,)
    ) == [(0,)]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM conversations WHERE name = 'broadcast_compose'"
    ) == [(0,)]
    # what they type next is not taken by the old flow (it waited for no text, but a new
    # /siaran is refused as for any resident)
    again = await sim.send(DEMOTED, "/siaran")
    assert "hanya untuk pengurus" in texts(again, DEMOTED)
    # the audit row of the demotion names the demoting board member as board
    assert raw_rows(
        settings.database, "SELECT actor_role FROM audit WHERE action = 'board.demoted'"
    ) == [("pengurus",)]


# ---- the machinery: no board flow can forget the check ----------------------------------
RESIDENT_FLOWS = {"membership_apply", "grievance_follow", "subscription_time", "budget_ask"}
MIXED_FLOWS = {"grievance_report", "proposal_submit"}  # a board member may file on behalf


async def test_every_board_conversation_checks_the_role_at_every_step(sim: Simulator) -> None:
    conversations = [
        h
        for group in sim.application.handlers.values()
        for h in group
        if isinstance(h, ConversationHandler)
    ]
    names = {c.name for c in conversations}
    assert names >= RESIDENT_FLOWS | MIXED_FLOWS
    for conversation in conversations:
        if conversation.name in RESIDENT_FLOWS:
            continue
        # a new flow is a board flow unless it is named a resident's flow above
        assert isinstance(conversation, BoardConversation), conversation.name
        assert (conversation.board_step is not None) == (conversation.name in MIXED_FLOWS)
        handlers = [
            *conversation.entry_points,
            *(h for hs in conversation.states.values() for h in hs),
            *conversation.fallbacks,
        ]
        assert all(getattr(h.callback, "board_checked", False) for h in handlers)


async def test_demoted_mid_filing_on_behalf_files_nothing(
    sim: Simulator, settings: Settings
) -> None:
    await sim.send(DEMOTED, "/pengaduan")
    await sim.press(DEMOTED, "Catat laporan warga")
    await sim.press(DEMOTED, "Kotak pengaduan")
    await sim.press(DEMOTED, "Infrastruktur")
    await sim.send(DEMOTED, "Lampu jalan di gang mushola mati sejak sebulan lalu.")
    await sim.press(DEMOTED, "Lewati")
    await sim.send(DEMOTED, "RT 4 RW 2")
    await sim.press(DEMOTED, "Lewati")
    await sim.press(DEMOTED, "Rahasia")
    await demote_elsewhere(sim)
    calls = await sim.send(DEMOTED, "Mbah Karto")
    assert NO_LONGER in texts(calls, DEMOTED)
    assert raw_rows(settings.database, "SELECT COUNT(*) FROM grievances") == [(0,)]
    demoted = await person_id(sim, DEMOTED)
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM drafts WHERE person_id = ?", (demoted,)
    ) == [(0,)]
    # as a resident they can still report for themselves
    assert tr_id("What is the report about?") in texts(await sim.send(DEMOTED, "/lapor"), DEMOTED)


async def test_a_demoted_member_cannot_reject_a_membership_application_by_reason(
    sim: Simulator, settings: Settings
) -> None:
    applicant = 6001
    await sim.send(applicant, "/daftar")
    await sim.send(applicant, "Siti Aminah")
    await sim.send(applicant, "RT 3 RW 5")
    await sim.press(applicant, "Perempuan")
    await sim.press(applicant, "Kirim")
    await sim.send(DEMOTED, "/admin")
    await sim.press(DEMOTED, "Verifikasi anggota")
    await sim.press(DEMOTED, "Tolak")
    await demote_elsewhere(sim)
    calls = await sim.send(DEMOTED, "Alamat tidak sesuai")
    assert NO_LONGER in texts(calls, DEMOTED)
    conn = sqlite3.connect(settings.database)
    try:
        assert conn.execute("SELECT status FROM membership_applications").fetchall() == [
            ("pending",)
        ]
    finally:
        conn.close()
    assert not [c for c in sim.api.calls if c.chat_id == applicant and "ditolak" in c.text]


async def test_demotion_keeps_the_persons_own_report_in_progress(
    sim: Simulator, settings: Settings
) -> None:
    """Only board tasks end: a report the demoted person was writing for themselves is
    theirs to finish (a flow residents use too ends only when it was filed on behalf)."""
    description = "Lampu jalan di gang kami mati sudah seminggu, mohon diperbaiki."
    await sim.send(DEMOTED, "/lapor")
    await sim.press(DEMOTED, "Infrastruktur")
    await sim.send(DEMOTED, description)
    await demote_in_chat(sim)
    await sim.press(DEMOTED, "Lewati")  # what they expect
    await sim.send(DEMOTED, "RT 2 RW 1")
    await sim.press(DEMOTED, "Lewati")  # no photo
    await sim.press(DEMOTED, "Terbuka")
    await sim.press(DEMOTED, "Ya, tampilkan")
    sent = await sim.press(DEMOTED, "Kirim")
    assert "LPR-" in texts(sent, DEMOTED)
    assert raw_rows(settings.database, "SELECT description, filed_by FROM grievances") == [
        (description, None)
    ]
