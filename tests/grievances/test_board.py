"""/pengaduan: the board's queue and actions, notifications to the reporter, exclusions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference, rows, texts, to
from tests.support.i18n import tr_id, tr_part

OTHER_BOARD = 1002
RESIDENT = 401
OUTSIDER = 402
ESCALATION = -100777
STATUS_TOLD = "Your report {ref} is now: <b>{status}</b>\nNote from the board: {note}"
REPORTER = "Reporter: {who} ({identity}, via {channel})"
RECEIVED = "Received ({n} of {most}). Send more, or press Done."


@pytest.fixture
async def sim(settings: Settings, make_bot: Callable[..., Simulator]) -> AsyncIterator[Simulator]:
    bot = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}), escalation_chat=ESCALATION)
    bot.api.known_chats[ESCALATION] = {"id": ESCALATION, "type": "supergroup", "title": "Kota"}
    async with running(bot.application):
        for person in (BOARD_ID, OTHER_BOARD):
            bot.names[person] = f"Pengurus {person}"
            await bot.send(person, "/start")
        yield bot


async def open_card(bot: Simulator, board: int, ref: str) -> list:  # type: ignore[type-arg]
    await bot.send(board, "/pengaduan")
    return await bot.press(board, ref)


async def act(bot: Simulator, board: int, ref: str, button: str, note: str) -> list:  # type: ignore[type-arg]
    await open_card(bot, board, ref)
    await bot.press(board, button)
    return await bot.send(board, note)


async def test_a_confidential_report_from_received_to_rated(
    sim: Simulator, settings: Settings
) -> None:
    sim.names[RESIDENT] = "Sulastri"
    ref = reference(await file_report(sim, RESIDENT, identity="Rahasia", public=True))
    card = texts(await open_card(sim, BOARD_ID, ref))
    assert (
        tr_id(
            REPORTER,
            who="Sulastri",
            identity=tr_id("Confidential"),
            channel=tr_id("Telegram chat"),
        )
        in card
    )
    assert tr_part("First response due: {date}") in card

    told = to(await act(sim, BOARD_ID, ref, "Verifikasi", "Sudah kami cek di lokasi."), RESIDENT)
    assert tr_id(
        STATUS_TOLD,
        ref=ref,
        status=tr_id("verified by the board"),
        note="Sudah kami cek di lokasi.",
    ) in texts(told)
    told = to(await act(sim, BOARD_ID, ref, "Ambil", "KSM akan memperbaiki."), RESIDENT)
    assert tr_id(
        STATUS_TOLD, ref=ref, status=tr_id("being handled"), note="KSM akan memperbaiki."
    ) in texts(told)
    assert rows(
        settings.database,
        "SELECT assignee_id IS NOT NULL, first_response_at IS NOT NULL FROM grievances",
    ) == [(1, 1)]
    told = to(await act(sim, BOARD_ID, ref, "Balas pelapor", "Besok tukang datang."), RESIDENT)
    assert tr_id(
        "The board replied about your report {ref}:\n{text}", ref=ref, text="Besok tukang datang."
    ) in texts(told)
    told = to(await act(sim, BOARD_ID, ref, "Selesaikan", "Saluran sudah diperbaiki."), RESIDENT)
    assert tr_id(
        STATUS_TOLD, ref=ref, status=tr_id("resolved"), note="Saluran sudah diperbaiki."
    ) in texts(told)
    assert tr_id("Is it really fixed?") in texts(told)

    assert tr_id(
        "Thank you. How do you rate the board's answer? 1 = poor, 5 = very good."
    ) in texts(await sim.press(RESIDENT, "Ya, sudah beres"))
    assert tr_id("Thank you for your rating. The report is closed.") in texts(
        await sim.press(RESIDENT, "4")
    )
    assert rows(settings.database, "SELECT status, rating, confirmed FROM grievances") == [
        ("selesai", 4, 1)
    ]
    # Rahasia: the name is never shown outside the board, public list included
    public = texts(await sim.send(OUTSIDER, "/transparansi"))
    assert ref in public and "Sulastri" not in public
    actions = [r[0] for r in rows(settings.database, "SELECT action FROM audit")]
    for action in (
        "grievance.filed",
        "grievance.verify",
        "grievance.process",
        "grievance.replied",
        "grievance.resolve",
        "grievance.confirmed",
    ):
        assert action in actions
    # /laporanku lists it
    assert ref in texts(await sim.send(RESIDENT, "/laporanku"))


async def test_an_open_report_shows_the_name_in_the_public_list(sim: Simulator) -> None:
    sim.names[RESIDENT] = "Sulastri"
    ref = reference(await file_report(sim, RESIDENT, identity="Terbuka", public=True))
    public = texts(await sim.send(OUTSIDER, "/transparansi"))
    assert ref in public and "Sulastri" in public
    # the board can hide the public summary, with a reason: the public sees that and why
    await act(sim, BOARD_ID, ref, "Sembunyikan ringkasan publik", "Menyebut nama tetangga.")
    public = texts(await sim.send(OUTSIDER, "/transparansi"))
    hidden = tr_id("<i>hidden by the board</i>: {reason}", reason="Menyebut nama tetangga.")
    line = f"{ref} · {tr_id('Infrastructure')} · {tr_id('received')} · Sulastri: {hidden}"
    assert line in public
    assert "Menyebut nama tetangga." in public and "Saluran drainase" not in public


async def test_not_fixed_reopens_once_to_the_same_assignee_flagged(
    sim: Simulator, settings: Settings, clock: FakeClock
) -> None:
    ref = reference(await file_report(sim, RESIDENT))
    await act(sim, BOARD_ID, ref, "Verifikasi", "Dicek.")
    await act(sim, BOARD_ID, ref, "Ambil", "Dikerjakan.")
    await act(sim, BOARD_ID, ref, "Selesaikan", "Sudah beres.")
    await sim.press(RESIDENT, "Belum beres")
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await sim.send(RESIDENT, "x")
    )
    calls = await sim.send(RESIDENT, "Air masih meluap kalau hujan.")
    assert tr_id("Report {ref} is reopened and back with the board.", ref=ref) in texts(
        to(calls, RESIDENT)
    )
    assert tr_id(
        "Report {ref} was reopened by the reporter: not fixed.\nReason: {reason}",
        ref=ref,
        reason="Air masih meluap kalau hujan.",
    ) in texts(to(calls, BOARD_ID))
    [(status, assignee, reopened)] = rows(
        settings.database, "SELECT status, assignee_id, reopen_count FROM grievances"
    )
    board_person = rows(settings.database, f"SELECT id FROM people WHERE telegram_id={BOARD_ID}")
    assert (status, reopened) == ("diproses", 1) and assignee == board_person[0][0]
    assert tr_id("↩️ reopened") in texts(await open_card(sim, BOARD_ID, ref))  # flagged
    # resolved again: a second "not fixed" is refused
    await act(sim, BOARD_ID, ref, "Selesaikan", "Sudah diperbaiki lagi.")
    await sim.press(RESIDENT, "Belum beres")
    refused = texts(await sim.send(RESIDENT, "Masih bocor juga."))
    assert tr_id("This report was reopened once already. Please file a new report.") in refused
    assert rows(settings.database, "SELECT status FROM grievances") == [("selesai",)]


async def test_reopening_after_seven_days_is_refused(sim: Simulator, clock: FakeClock) -> None:
    ref = reference(await file_report(sim, RESIDENT))
    await act(sim, BOARD_ID, ref, "Verifikasi", "Dicek.")
    await act(sim, BOARD_ID, ref, "Ambil", "Dikerjakan.")
    await act(sim, BOARD_ID, ref, "Selesaikan", "Sudah beres.")
    clock.advance(timedelta(days=8))
    await sim.press(RESIDENT, "Belum beres")
    assert tr_id("A report can only be reopened within 7 days after it was resolved.") in texts(
        await sim.send(RESIDENT, "Masih bocor.")
    )


async def test_refused_transitions_and_forged_buttons_change_nothing(
    sim: Simulator, settings: Settings
) -> None:
    ref = reference(await file_report(sim, RESIDENT))
    [(gid,)] = rows(settings.database, "SELECT id FROM grievances")
    # a received report cannot be resolved or taken before it is verified
    for data in (
        f"grv:do:resolve:{gid}",
        f"grv:do:take:{gid}",
        f"grv:asg:{gid}",
        "grv:do:verify:99999",
        "grv:do:zap:1",
        f"grv:do:verify:{gid}x",
        "grv:b:" + "9" * 40,
        "grv:q:open:alien:0:0",
        "grv:f:rate9:1",
        "grv:ev:abc",
    ):
        await sim.send(BOARD_ID, "/pengaduan")
        calls = await sim.press_data(BOARD_ID, data, message_id=1)
        alerts = [c for c in calls if c.method == "answerCallbackQuery"]
        assert alerts and alerts[0].params.get("show_alert"), data
    # the flow did not start: a typed text now is not taken as a reason
    assert tr_id(
        "I did not understand that. Choose from the menu, or send /bantuan for the commands."
    ) in texts(await sim.send(BOARD_ID, "Alasan yang cukup panjang."))
    assert rows(settings.database, "SELECT status FROM grievances") == [("diterima",)]
    sent = (
        "Sent. Your report number is <b>{ref}</b>. You will get a message here whenever its "
        "status changes or the board replies; /laporanku shows your reports."
    )
    # nothing told since filing
    assert tr_id(sent, ref=ref) in texts(to(sim.api.calls, RESIDENT)[-1:])


async def test_non_board_people_cannot_use_board_actions(
    sim: Simulator, settings: Settings
) -> None:
    ref = reference(await file_report(sim, RESIDENT))
    [(gid,)] = rows(settings.database, "SELECT id FROM grievances")
    assert tr_id("Sorry, this is only for the BKM board.") in texts(
        await sim.send(OUTSIDER, "/pengaduan")
    )
    for data in (
        f"grv:b:{gid}",
        f"grv:do:verify:{gid}",
        f"grv:do:reject:{gid}",
        f"grv:ev:{gid}",
        f"grv:lvl:{gid}",
        f"grv:asg:{gid}",
        "grv:q:open:all:0:0",
        "grv:behalf",
    ):
        calls = await sim.press_data(OUTSIDER, data, message_id=1)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert (
            answers
            and tr_id("Sorry, this is only for the BKM board.") in answers[0].params["text"]
        ), data
    # the reporter cannot act on their own report as the board either
    calls = await sim.press_data(RESIDENT, f"grv:do:verify:{gid}", message_id=1)
    assert tr_id("Sorry, this is only for the BKM board.") in texts(calls) or any(
        tr_id("Sorry, this is only for the BKM board.") in c.params.get("text", "") for c in calls
    )
    # nor open someone else's report through the follow-up buttons
    calls = await sim.press_data(OUTSIDER, f"grv:f:show:{gid}", message_id=1)
    assert [c for c in calls if c.params.get("show_alert")]
    assert rows(settings.database, "SELECT status FROM grievances") == [("diterima",)]
    del ref


async def test_excluded_board_members_never_see_a_conduct_report(
    sim: Simulator, settings: Settings
) -> None:
    calls = await file_report(
        sim, RESIDENT, category="Perilaku pengurus", exclude=(f"Pengurus {OTHER_BOARD}",)
    )
    ref = reference(calls)
    assert to(calls, BOARD_ID) and not to(calls, OTHER_BOARD)  # told the board minus them
    assert ref not in texts(await sim.send(OTHER_BOARD, "/pengaduan"))
    assert ref in texts(await sim.send(BOARD_ID, "/pengaduan"))
    [(gid,)] = rows(settings.database, "SELECT id FROM grievances")
    for data in (f"grv:b:{gid}", f"grv:do:verify:{gid}", f"grv:ev:{gid}", f"grv:lvl:{gid}"):
        calls = await sim.press_data(OTHER_BOARD, data, message_id=1)
        assert ref not in texts(calls), data
        assert [c for c in calls if c.params.get("show_alert")], data
    # they cannot be assigned to it either
    await open_card(sim, BOARD_ID, ref)
    await sim.press(BOARD_ID, "Verifikasi")
    await sim.send(BOARD_ID, "Dicek.")
    await open_card(sim, BOARD_ID, ref)
    choices = [b["text"] for b in (await sim.press(BOARD_ID, "Tugaskan"))[-1].buttons]
    assert f"Pengurus {OTHER_BOARD}" not in choices and f"Pengurus {BOARD_ID}" in choices
    # nor see it in the export
    import sqlite3

    from storage.grievances import registry

    conn = sqlite3.connect(settings.database)
    assert all(ref not in row for row in registry.export_rows(conn))
    conn.close()
    # and the public list leaves it out (a conduct report with exclusions is never public)
    assert ref not in texts(await sim.send(OUTSIDER, "/transparansi"))


async def test_evidence_of_each_kind_is_reopened_by_file_id(sim: Simulator) -> None:
    await sim.send(RESIDENT, "/lapor")
    await sim.press(RESIDENT, "Infrastruktur")
    await sim.send(RESIDENT, "Jembatan kayu di RW 05 patah di tengah, berbahaya untuk anak.")
    await sim.press(RESIDENT, "Lewati")
    await sim.send_location(RESIDENT)
    assert tr_id(RECEIVED, n=1, most=5) in texts(await sim.send_photo(RESIDENT))
    await sim.send_voice(RESIDENT)
    await sim.send_video(RESIDENT)
    assert tr_id(RECEIVED, n=4, most=5) in texts(
        await sim.send_document(RESIDENT, "rab.pdf", b"%PDF-1.4", "application/pdf")
    )
    await sim.press(RESIDENT, "Selesai")
    await sim.press(RESIDENT, "Terbuka")
    summary = texts(await sim.press(RESIDENT, "Tidak"))
    kinds = ", ".join(tr_id(k) for k in ("photo", "voice note", "video", "document"))
    assert tr_id("Evidence: {kinds}", kinds=kinds) in summary
    assert tr_id("Location: {where}", where=tr_id("shared location")) in summary
    ref = reference(await sim.press(RESIDENT, "Kirim"))
    await open_card(sim, BOARD_ID, ref)
    calls = await sim.press(BOARD_ID, "Bukti (4)")
    sent = [c.method for c in calls if c.chat_id == BOARD_ID and c.method.startswith("send")]
    assert sent == ["sendPhoto", "sendVoice", "sendVideo", "sendDocument"]
    assert all(c.error is None for c in calls)
    file_ids = [
        c.params.get(m)
        for c in calls
        for m in ("photo", "voice", "video", "document")
        if c.params.get(m)
    ]
    assert len(file_ids) == 4 and all(str(f).startswith("file-") for f in file_ids)


async def test_the_sixth_piece_of_evidence_moves_on(sim: Simulator, settings: Settings) -> None:
    await sim.send(RESIDENT, "/lapor")
    await sim.press(RESIDENT, "Pelayanan")
    await sim.send(RESIDENT, "Petugas sekretariat BKM tidak pernah ada di kantor hari Senin.")
    await sim.press(RESIDENT, "Lewati")
    await sim.press(RESIDENT, "Lewati")
    for _ in range(4):
        await sim.send_photo(RESIDENT)
    calls = await sim.send_photo(RESIDENT)
    assert tr_id("Received {n} of {n}: that is the most one report can hold.", n=5) in texts(
        calls
    ) and tr_id(
        "Who may know that you reported this?\n• <b>Open</b>: the "
        "board sees your name; if the report is listed publicly, "
        "your name is shown there too.\n• <b>Confidential</b>: "
        "the board sees your name; it is never shown anywhere "
        "else.\n• <b>Anonymous</b>: nothing that identifies you "
        "is stored. You get a number and a secret code and "
        "follow the report with /cek. Anonymous reports get no "
        "messages from the bot: you check them yourself."
    ) in texts(calls)
    assert tr_id("Please answer the question above first.") in texts(
        await sim.send_photo(RESIDENT)
    )


async def test_raising_the_level_tells_the_escalation_chat_without_identities(
    sim: Simulator, settings: Settings
) -> None:
    sim.names[RESIDENT] = "Sulastri"
    ref = reference(await file_report(sim, RESIDENT, identity="Terbuka"))
    await open_card(sim, BOARD_ID, ref)
    asked = await sim.press(BOARD_ID, "Naikkan tingkat")
    city = tr_id("city")
    assert tr_id(
        "Raise {ref} to the {level} level? The board's escalation contact is told.",
        ref=ref,
        level=city,
    ) in texts(asked)
    assert not to(asked, ESCALATION)
    calls = await sim.press(BOARD_ID, "Ya, naikkan")
    assert tr_id("Report {ref} is now at the {level} level.", ref=ref, level=city) in texts(
        to(calls, BOARD_ID)
    )
    [told] = to(calls, ESCALATION)
    escalated = (
        "<b>Report {ref} raised to the {level} level</b>\nCategory: {category}\n"
        "Status: {status}\nReceived: {when}\nThe BKM board can give the details."
    )
    assert ref in told.text and tr_part(escalated) in told.text and city in told.text
    assert "Sulastri" not in told.text
    assert rows(settings.database, "SELECT level FROM grievances") == [("kota",)]
    assert ("grievance.level_raised",) in rows(settings.database, "SELECT action FROM audit")
    # pressing the same confirmation again does not raise it twice
    again = await sim.press(BOARD_ID, "Ya, naikkan")
    assert [c for c in again if c.params.get("show_alert")] and not to(again, ESCALATION)
    assert rows(settings.database, "SELECT level FROM grievances") == [("kota",)]


async def test_the_queue_filters_by_status_category_and_overdue(sim: Simulator) -> None:
    first = reference(await file_report(sim, RESIDENT))
    second = reference(await file_report(sim, RESIDENT, category="Pelayanan"))
    await act(sim, BOARD_ID, first, "Verifikasi", "Dicek.")
    queue = texts(await sim.send(BOARD_ID, "/pengaduan"))
    assert first in queue and second in queue and queue.index(first) < queue.index(second)
    assert (
        tr_id(
            "<b>Reports: {status}</b> · {category}{overdue} · {n} in all",
            status=tr_id("still open"),
            category=tr_id("all categories"),
            overdue="",
            n=2,
        )
        in queue
    )
    only = texts(await sim.press(BOARD_ID, "diverifikasi"))
    assert first in only and second not in only
    await sim.send(BOARD_ID, "/pengaduan")
    by_category = texts(await sim.press(BOARD_ID, "Kategori: Infrastruktur"))
    assert first in by_category and second not in by_category
    await sim.send(BOARD_ID, "/pengaduan")
    overdue = texts(await sim.press(BOARD_ID, "Terlambat"))
    assert tr_id("No reports here.") in overdue


async def test_a_board_member_files_for_a_resident_who_came_in_person(
    sim: Simulator, settings: Settings
) -> None:
    await sim.send(BOARD_ID, "/pengaduan")
    assert tr_id("Filing a report for a resident. How did the resident bring it?") in texts(
        await sim.press(BOARD_ID, "Catat laporan warga")
    )
    await sim.press(BOARD_ID, "Kotak pengaduan")
    await sim.press(BOARD_ID, "Infrastruktur")
    await sim.send(BOARD_ID, "Lampu jalan di gang mushola mati sejak sebulan lalu.")
    await sim.press(BOARD_ID, "Lewati")
    await sim.send(BOARD_ID, "RT 4 RW 2")
    await sim.press(BOARD_ID, "Lewati")
    await sim.press(BOARD_ID, "Rahasia")
    await sim.send(BOARD_ID, "Mbah Karto")
    await sim.press(BOARD_ID, "Tidak")
    calls = await sim.press(BOARD_ID, "Kirim")
    assert tr_id(
        "Filed as {ref}. Tell the resident this number; the board follows it in /pengaduan.",
        ref="LPR-2026-0001",
    ) in texts(calls)
    assert rows(
        settings.database,
        "SELECT channel, reporter_name, reporter_id, filed_by IS NOT NULL FROM grievances",
    ) == [("box", "Mbah Karto", None, 1)]
    card = texts(await open_card(sim, OTHER_BOARD, "LPR-2026-0001"))
    assert (
        tr_id(
            REPORTER,
            who="Mbah Karto",
            identity=tr_id("Confidential"),
            channel=tr_id("Complaint box"),
        )
        in card
    )
