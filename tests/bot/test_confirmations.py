"""Issue 13 item 10: a destructive press acts only with the one-time token its confirmation
step issued to that person for that object just now; a failed edit of an old message is not
an error (no board alert that any stranger could trigger)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.app import build_application
from bot.clock import FakeClock
from bot.config import Settings
from bot.features import Feature, Registry, discover
from bot.simulator import Simulator, running
from bot.transport.fake_api import FakeBotAPI
from bot.transport.offline import OfflineTransport
from tests.conftest import BOARD_ID
from tests.support.confirm import button, close_button
from tests.support.grievances import file_report, reference
from tests.support.i18n import tr_id, tr_nid
from tests.support.polls import add_people, create_poll
from tests.support.proposals import add_proposal, write

SECOND_BOARD = 1002
RESIDENT = 7301
OTHER = 7302
NO_LONGER_VALID = tr_id("This button is no longer valid.")
ERASED = tr_id(
    "Your personal data has been erased. If you write to the bot again, "
    "you start as a new resident."
)
SENDING = (
    "Sending {ref} to {n} person. You will get a report when it is done.",
    "Sending {ref} to {n} people. You will get a report when it is done.",
)


def rows(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


def texts(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def answers(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(
        str(c.params.get("text") or "") for c in calls if c.method == "answerCallbackQuery"
    )


def erased(settings: Settings) -> int:
    return rows(settings.database, "SELECT COUNT(*) FROM people WHERE erased_at IS NOT NULL")[0][0]


def board_alerts(settings: Settings) -> list[tuple[Any, ...]]:
    return rows(settings.database, "SELECT key FROM ops_state WHERE key LIKE 'alert:%'")


# ---- erase my data (/hapusdata) ----------------------------------------------------------------
async def test_a_forged_erase_press_erases_nothing(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/start")
    # the attacker's client sends the data the old button carried, on any message of theirs
    calls = await bot.press_data(RESIDENT, "pdp:erase", 1)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0
    assert ERASED not in texts(calls)


async def test_the_confirmed_erase_still_works_and_cannot_be_replayed(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    message_id, data = button(bot, RESIDENT, "pdp:erase")
    assert len(data.encode()) <= 64
    done = await bot.press_data(RESIDENT, data, message_id)
    assert ERASED in texts(done)
    assert erased(settings) == 1
    # the same press again (a redelivered or replayed update): refused, nothing more erased
    await bot.send(RESIDENT, "/start")  # they start afresh as a new resident
    again = await bot.press_data(RESIDENT, data, message_id)
    assert NO_LONGER_VALID in answers(again)
    assert erased(settings) == 1


async def test_an_expired_erase_token_is_refused(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    message_id, data = button(bot, RESIDENT, "pdp:erase")
    clock.advance(timedelta(minutes=11))
    calls = await bot.press_data(RESIDENT, data, message_id)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0
    # asking again gives a fresh button that works
    await bot.send(RESIDENT, "/hapusdata")
    assert ERASED in texts(await bot.press(RESIDENT, "Ya, hapus data saya"))


async def test_another_persons_erase_token_is_refused(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/hapusdata")
    _, data = button(bot, RESIDENT, "pdp:erase")
    await bot.send(OTHER, "/start")
    calls = await bot.press_data(OTHER, data, 1)
    assert NO_LONGER_VALID in answers(calls)
    assert erased(settings) == 0


# ---- a failed edit of an old message is not an error ------------------------------------------
async def test_stranger_presses_on_deleted_messages_raise_no_board_alert(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    before = len(bot.api.calls)
    for stranger in range(8801, 8806):  # five strangers, each erasing a fresh account
        await bot.send(stranger, "/hapusdata")
        message_id, data = button(bot, stranger, "pdp:erase")
        bot.api.messages.pop((stranger, message_id))  # the old message is gone
        calls = await bot.press_data(stranger, data, message_id)
        assert ERASED in texts(calls)  # they still see the answer, as a new message
        assert tr_id("Sorry, something went wrong. Please try again in a moment.") not in texts(
            calls
        )
    assert erased(settings) == 5
    assert not [c for c in bot.api.calls[before:] if c.chat_id == BOARD_ID]
    assert board_alerts(settings) == []


async def test_a_stale_edit_anywhere_is_answered_and_not_counted(
    settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    """The central rule: a handler that edits an old message without care does not make the
    board's repeated-errors alert; the press is answered."""

    async def edit_old(update: Update, context: object) -> None:
        assert update.callback_query is not None
        await update.callback_query.edit_message_text("baru")

    feature = Feature(
        name="old_edit",
        order=50,
        handlers=lambda: [CallbackQueryHandler(edit_old, pattern=r"^old:edit$")],
    )
    registry = Registry((*discover().features, feature))
    app = build_application(
        settings, transport=OfflineTransport(api), clock=clock, registry=registry
    )
    async with running(app):
        bot = Simulator(app, api)
        await bot.send(BOARD_ID, "/start")
        await bot.send(RESIDENT, "/start")
        calls = []
        for _ in range(6):
            calls += await bot.press_data(RESIDENT, "old:edit", 424242)  # no such message
        assert len([c for c in calls if c.method == "answerCallbackQuery"]) == 6
        assert not [c for c in calls if c.chat_id == BOARD_ID]
        assert tr_id("Sorry, something went wrong. Please try again in a moment.") not in texts(
            calls
        )
        assert board_alerts(settings) == []


def two_board_members(make_bot, settings: Settings) -> Simulator:  # type: ignore[no-untyped-def]
    return make_bot(replace(settings, admins=frozenset({BOARD_ID, SECOND_BOARD})))


# ---- revoke membership -------------------------------------------------------------------------
def role_of(settings: Settings, telegram_id: int) -> str:
    return rows(settings.database, "SELECT role FROM people WHERE telegram_id = ?", telegram_id)[
        0
    ][0]


async def revoke_button(bot: Simulator, board_user: int, member_id: int) -> tuple[int, str]:
    await bot.press_data(board_user, f"mbr:v:{member_id}", 1)  # the member card
    return button(bot, board_user, "mbr:rv:")


async def test_revoke_needs_the_cards_one_time_token(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    bot = two_board_members(make_bot, settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await bot.send(SECOND_BOARD, "/start")
        [member_id] = await add_people(bot, [RESIDENT])

        # forged: the old data without a token starts nothing; the next text revokes nothing
        calls = await bot.press_data(BOARD_ID, f"mbr:rv:{member_id}", 1)
        assert NO_LONGER_VALID in answers(calls)
        await bot.send(BOARD_ID, "Pindah keluar kelurahan")
        assert role_of(settings, RESIDENT) == "anggota"

        # another board member's token
        _, theirs = await revoke_button(bot, SECOND_BOARD, member_id)
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, theirs, 1))

        # expired
        message_id, data = await revoke_button(bot, BOARD_ID, member_id)
        clock.advance(timedelta(minutes=11))
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))
        await bot.send(BOARD_ID, "Pindah keluar kelurahan")
        assert role_of(settings, RESIDENT) == "anggota"

        # the normal path: card, button, reason
        message_id, data = await revoke_button(bot, BOARD_ID, member_id)
        assert tr_id("Why is the membership revoked? The member is told this reason.") in texts(
            await bot.press_data(BOARD_ID, data, message_id)
        )
        assert tr_id("Membership revoked. The person has been told.") in texts(
            await bot.send(BOARD_ID, "Pindah keluar kelurahan")
        )
        assert role_of(settings, RESIDENT) == "warga"

        # replayed: the same press again starts nothing
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))


async def test_merge_needs_its_confirm_token(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    [keep, drop] = await add_people(bot, [RESIDENT, OTHER])
    # forged: the old data of the Merge button
    calls = await bot.press_data(BOARD_ID, f"mbr:mgok:{keep}:{drop}", 1)
    assert NO_LONGER_VALID in answers(calls)
    # a token issued for another pair does not merge this one
    await bot.press_data(BOARD_ID, f"mbr:v:{keep}", 1)
    await bot.press(BOARD_ID, "Gabungkan akun lain ke akun ini")
    await bot.send(BOARD_ID, str(drop))
    message_id, data = button(bot, BOARD_ID, "mbr:mgok:")
    token = data.rsplit(":", 1)[1]
    swapped = f"mbr:mgok:{drop}:{keep}:{token}"
    assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, swapped, message_id))
    assert rows(
        settings.database, "SELECT COUNT(*) FROM people WHERE merged_into IS NOT NULL"
    ) == [(0,)]
    # the real press merges, once
    assert tr_id("Merged.") in texts(await bot.press_data(BOARD_ID, data, message_id))
    assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))


# ---- close a poll early ------------------------------------------------------------------------
def poll_status(settings: Settings, poll_id: int) -> str:
    return rows(settings.database, "SELECT status FROM polls WHERE id = ?", poll_id)[0][0]


async def test_closing_early_needs_the_choosers_one_time_token(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    bot = two_board_members(make_bot, settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await bot.send(SECOND_BOARD, "/start")
        await add_people(bot, [RESIDENT, OTHER])
        poll_id, ref, _ = await create_poll(bot)
        status = poll_status(settings, poll_id)

        # forged: the old data without a token; the next text closes nothing
        calls = await bot.press_data(BOARD_ID, f"pol:x:{poll_id}", 1)
        assert NO_LONGER_VALID in answers(calls)
        await bot.send(BOARD_ID, "Rapat darurat dimajukan")
        assert poll_status(settings, poll_id) == status

        # another board member's token, and an expired one
        _, theirs = await close_button(bot, SECOND_BOARD)
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, theirs, 1))
        message_id, data = await close_button(bot, BOARD_ID)
        clock.advance(timedelta(minutes=11))
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))
        await bot.send(BOARD_ID, "Rapat darurat dimajukan")
        assert poll_status(settings, poll_id) == status

        # the normal path; then the same press again is refused
        message_id, data = await close_button(bot, BOARD_ID)
        assert tr_id(
            "Closing poll {ref} early. Why? The reason is published with the results.", ref=ref
        ) in texts(await bot.press_data(BOARD_ID, data, message_id))
        await bot.send(BOARD_ID, "/batal")
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))
        message_id, data = await close_button(bot, BOARD_ID)
        await bot.press_data(BOARD_ID, data, message_id)
        assert tr_id(
            "Poll {ref} is closed. The results are being sent to everyone invited.", ref=ref
        ) in texts(await bot.send(BOARD_ID, "Rapat darurat dimajukan"))
        assert poll_status(settings, poll_id) != status


# ---- send a broadcast ("Kirim sekarang") ------------------------------------------------------
def broadcasts_made(settings: Settings) -> int:
    return rows(settings.database, "SELECT COUNT(*) FROM broadcasts")[0][0]


async def compose_to_confirm(bot: Simulator, board_user: int, text: str) -> tuple[int, str]:
    await bot.send(board_user, "/siaran")
    await bot.send(board_user, text)
    await bot.press(board_user, "Semua warga")
    await bot.press(board_user, "Sekarang")
    return button(bot, board_user, "sb:go")


async def test_send_now_needs_the_one_time_token_of_this_draft(
    make_bot, settings: Settings, clock: FakeClock
) -> None:
    bot = two_board_members(make_bot, settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await bot.send(SECOND_BOARD, "/start")
        await add_people(bot, [RESIDENT, OTHER])

        # forged: the old data without a token, at the confirm step
        message_id, _ = await compose_to_confirm(bot, BOARD_ID, "Kerja bakti Sabtu")
        calls = await bot.press_data(BOARD_ID, "sb:go", message_id)
        assert NO_LONGER_VALID in answers(calls)
        assert broadcasts_made(settings) == 0

        # expired
        message_id, data = await compose_to_confirm(bot, BOARD_ID, "Kerja bakti Sabtu")
        clock.advance(timedelta(minutes=11))
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, data, message_id))
        assert broadcasts_made(settings) == 0

        # an older draft's button never sends the draft composed after it
        old_id, old = await compose_to_confirm(bot, BOARD_ID, "Rapat RW batal")
        message_id, data = await compose_to_confirm(bot, BOARD_ID, "Kerja bakti Sabtu")
        assert NO_LONGER_VALID in answers(await bot.press_data(BOARD_ID, old, old_id))
        assert broadcasts_made(settings) == 0

        # another board member's token, for the very same content
        await compose_to_confirm(bot, SECOND_BOARD, "Kerja bakti Sabtu")
        assert NO_LONGER_VALID in answers(await bot.press_data(SECOND_BOARD, data, 1))
        assert broadcasts_made(settings) == 0

        # the normal path sends once; the same press again sends nothing
        assert tr_nid(*SENDING, 4, ref="SRN-0001") in texts(
            await bot.press_data(BOARD_ID, data, message_id)
        )
        await bot.press_data(BOARD_ID, data, message_id)
        assert broadcasts_made(settings) == 1
        got = [c for c in bot.api.calls if c.chat_id == RESIDENT and "Kerja bakti" in c.text]
        assert len(got) == 1


# ---- rejections ---------------------------------------------------------------------------------
async def test_a_forged_membership_rejection_starts_nothing(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    await bot.send(RESIDENT, "/daftar")
    await bot.send(RESIDENT, "Kartika Wulandari")
    await bot.send(RESIDENT, "RT 3 RW 5")
    await bot.press(RESIDENT, "Perempuan")
    await bot.press(RESIDENT, "Kirim")
    [(application_id,)] = rows(settings.database, "SELECT id FROM membership_applications")
    calls = await bot.press_data(BOARD_ID, f"mem:no:{application_id}", 1)
    assert NO_LONGER_VALID in answers(calls)
    await bot.send(BOARD_ID, "Alamat tidak sesuai")
    assert rows(settings.database, "SELECT status FROM membership_applications") == [("pending",)]
    # the list's own button still works
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Verifikasi anggota")
    await bot.press(BOARD_ID, "Tolak")
    await bot.send(BOARD_ID, "Alamat tidak sesuai")
    assert rows(settings.database, "SELECT status FROM membership_applications") == [("rejected",)]


async def test_a_forged_grievance_rejection_starts_nothing(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    ref = reference(await file_report(bot, RESIDENT))
    [(gid, status)] = rows(settings.database, "SELECT id, status FROM grievances")
    calls = await bot.press_data(BOARD_ID, f"grv:do:reject:{gid}", 1)
    assert NO_LONGER_VALID in answers(calls)
    await bot.send(BOARD_ID, "Bukan wewenang BKM")
    assert rows(settings.database, "SELECT status FROM grievances") == [(status,)]
    # the card's own button still works
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, ref)
    await bot.press(BOARD_ID, "Tolak")
    await bot.send(BOARD_ID, "Bukan wewenang BKM")
    assert rows(settings.database, "SELECT status FROM grievances") == [("ditolak",)]


async def test_a_forged_press_leaves_the_step_the_board_member_was_at(
    bot: Simulator, settings: Settings
) -> None:
    """A refused press (forged, replayed or expired) changes nothing at all: the note the
    board member was asked for on another report is still the answer to that question."""
    await bot.send(BOARD_ID, "/start")
    first = reference(await file_report(bot, RESIDENT))
    await file_report(bot, RESIDENT)
    [(other, other_ref)] = rows(
        settings.database, "SELECT id, ref FROM grievances WHERE ref != ?", first
    )
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, first)
    await bot.press(BOARD_ID, "Verifikasi")  # asks for a note on the first report
    calls = await bot.press_data(BOARD_ID, f"grv:do:reject:{other}:forged12345", 1)
    assert NO_LONGER_VALID in answers(calls)
    await bot.send(BOARD_ID, "Sudah dicek ke lokasi.")
    assert rows(settings.database, "SELECT ref, status FROM grievances ORDER BY id") == [
        (first, "diverifikasi"),
        (other_ref, "diterima"),
    ]


async def test_a_forged_proposal_rejection_starts_nothing(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    await bot.send(RESIDENT, "/start")
    [(proposer,)] = rows(
        settings.database, "SELECT id FROM people WHERE telegram_id = ?", RESIDENT
    )
    proposal = await write(bot, add_proposal, proposer)
    calls = await bot.press_data(BOARD_ID, f"usl:t:{proposal.id}:ditolak:baru", 1)
    assert NO_LONGER_VALID in answers(calls)
    await bot.send(BOARD_ID, "Sudah masuk program kota tahun depan.")
    assert rows(settings.database, "SELECT status FROM proposals") == [("baru",)]
    # the detail view's own button still works
    await bot.send(BOARD_ID, f"/usulan {proposal.reference}")
    await bot.press(BOARD_ID, "Tolak")
    await bot.send(BOARD_ID, "Sudah masuk program kota tahun depan.")
    assert rows(settings.database, "SELECT status FROM proposals") == [("ditolak",)]
