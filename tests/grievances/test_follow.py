"""Following a report: named reporters through /laporanku, anonymous ones through /cek."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference, rows, secret_code, texts, to
from tests.support.i18n import tr_part

RESIDENT = 701


async def board_does(bot: Simulator, ref: str, button: str, note: str) -> list:  # type: ignore[type-arg]
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, "Belum selesai")
    await bot.press(BOARD_ID, ref)
    await bot.press(BOARD_ID, button)
    return await bot.send(BOARD_ID, note)


async def test_a_named_reporter_adds_information_and_evidence_while_open(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    ref = reference(await file_report(bot, RESIDENT, identity="Rahasia"))
    await bot.send(RESIDENT, "/laporanku")
    card = texts(await bot.press(RESIDENT, ref))
    assert (
        tr_part("Resolution due: {date}") in card
        and tr_part("Reporter: {who} ({identity}, via {channel})") not in card
    )
    await bot.press(RESIDENT, "Tambah informasi atau bukti")
    calls = await bot.send_photo(RESIDENT, caption="Foto dari dapur warga")
    assert tr_part("Added to report {ref}.") in texts(to(calls, RESIDENT))
    assert tr_part("The reporter added information to {ref}. Open /pengaduan.") in texts(
        to(calls, BOARD_ID)
    )
    await bot.send(RESIDENT, "/laporanku")
    await bot.press(RESIDENT, ref)
    await bot.press(RESIDENT, "Tambah informasi atau bukti")
    await bot.send(RESIDENT, "Airnya sampai masuk ke dapur <script>.")
    assert rows(settings.database, "SELECT kind FROM grievance_evidence") == [("photo",)]
    assert rows(settings.database, "SELECT author, text FROM grievance_messages") == [
        ("reporter", "Foto dari dapur warga"),
        ("reporter", "Airnya sampai masuk ke dapur <script>."),
    ]
    # the board sees it in the card's messages, escaped
    await bot.send(BOARD_ID, "/pengaduan")
    card = await bot.press(BOARD_ID, ref)
    assert "<script>" in texts(card) and all(c.error is None for c in card)
    # a closed report takes nothing more
    await board_does(bot, ref, "Tolak", "Bukan wewenang BKM, sudah diteruskan ke kelurahan.")
    await bot.send(RESIDENT, "/laporanku")
    buttons = [b["text"] for b in (await bot.press(RESIDENT, ref))[-1].buttons]
    assert "Tambah informasi atau bukti" not in buttons


async def test_an_anonymous_reporter_reads_replies_and_rates_through_cek(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    calls = await file_report(bot, RESIDENT, identity="Anonim")
    ref, code = reference(calls), secret_code(calls)
    assert "Belum ada laporan atas nama Anda" in texts(await bot.send(RESIDENT, "/laporanku"))
    told = await board_does(bot, ref, "Balas pelapor", "Mohon kirim foto lokasinya.")
    assert not to(told, RESIDENT)  # no push messages for anonymous reports
    shown = texts(await bot.send(RESIDENT, f"/cek {ref} {code}"))
    assert "Mohon kirim foto lokasinya." in shown
    await board_does(bot, ref, "Verifikasi", "Dicek.")
    await board_does(bot, ref, "Ambil", "Dikerjakan.")
    told = await board_does(bot, ref, "Selesaikan", "Saluran sudah diperbaiki.")
    assert not to(told, RESIDENT)
    await bot.send(RESIDENT, f"/cek {ref} {code}")
    await bot.press(RESIDENT, "Ya, sudah beres")
    assert "Terima kasih" in texts(await bot.press(RESIDENT, "5"))
    assert rows(settings.database, "SELECT rating, confirmed FROM grievances") == [(5, 1)]
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, "selesai")
    assert "Penilaian pelapor: 5 dari 5" in texts(await bot.press(BOARD_ID, ref))
    # a stale rating button (pressed again) changes nothing
    calls = await bot.press(RESIDENT, "3")
    assert [c for c in calls if c.params.get("show_alert")]
    assert rows(settings.database, "SELECT rating FROM grievances") == [(5,)]


async def test_an_anonymous_reporter_reopens_through_cek(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    calls = await file_report(bot, RESIDENT, identity="Anonim")
    ref, code = reference(calls), secret_code(calls)
    for button, note in (
        ("Verifikasi", "Dicek."),
        ("Ambil", "Dikerjakan."),
        ("Selesaikan", "Sudah beres."),
    ):
        await board_does(bot, ref, button, note)
    await bot.send(RESIDENT, f"/cek {ref} {code}")
    await bot.press(RESIDENT, "Belum beres")
    calls = await bot.send(RESIDENT, "Masih meluap waktu hujan deras.")
    assert "dibuka kembali" in texts(to(calls, RESIDENT))
    assert "Masih meluap" in texts(to(calls, BOARD_ID))
    assert rows(settings.database, "SELECT status, reopen_count FROM grievances") == [
        ("diproses", 1)
    ]
    assert rows(
        settings.database,
        "SELECT actor_id FROM audit WHERE action = 'grievance.reopened'",
    ) == [(None,)]


async def test_a_follow_up_left_waiting_too_long_is_not_taken(
    bot: Simulator, settings: Settings, clock
) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    ref = reference(await file_report(bot, RESIDENT, identity="Terbuka"))
    await bot.send(RESIDENT, "/laporanku")
    await bot.press(RESIDENT, ref)
    await bot.press(RESIDENT, "Tambah informasi atau bukti")
    clock.advance(timedelta(minutes=31))
    assert "Terlalu lama" in texts(await bot.send(RESIDENT, "Info yang terlambat dikirim."))
    assert rows(settings.database, "SELECT COUNT(*) FROM grievance_messages") == [(0,)]


async def test_a_forged_follow_up_token_is_refused(bot: Simulator) -> None:
    for data in ("grv:f:add:a:forgedtoken", "grv:f:fix1:a:x", "grv:f:rate5:a:x", "grv:f:show:1"):
        calls = await bot.press_data(RESIDENT, data, message_id=1)
        assert [c for c in calls if c.params.get("show_alert")], data


async def test_status_changes_reach_the_reporter_in_their_language(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/start")
    bot.languages[RESIDENT] = "en"
    await bot.send(RESIDENT, "/report")
    await bot.press(RESIDENT, "Infrastructure")
    await bot.send(RESIDENT, "The drainage channel built by the KSM is cracked and overflowing.")
    for _ in range(3):
        await bot.press(RESIDENT, "Skip")
    await bot.press(RESIDENT, "Open")
    await bot.press(RESIDENT, "No")
    ref = reference(await bot.press(RESIDENT, "Submit"))
    told = to(await board_does(bot, ref, "Verifikasi", "Sudah dicek."), RESIDENT)
    assert "is now: verified" in texts(told) and "Sudah dicek." in texts(told)


async def test_group_chats_send_follow_ups_to_a_private_chat(bot: Simulator) -> None:
    for command, answer in (("/laporanku", "Belum ada laporan"), ("/cek", "Tulis nomor laporan")):
        calls = await bot.send(RESIDENT, command, group=True)
        [message] = [c for c in calls if c.method == "sendMessage"]
        assert "LPR" not in message.text and message.buttons[0]["url"]
        assert answer in texts(await bot.press(RESIDENT, 1, chat_id=message.chat_id)), command


async def test_the_admin_menu_opens_the_queue(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/admin")
    assert "Laporan: belum selesai" in texts(await bot.press(BOARD_ID, "Pengaduan"))


async def test_a_long_reply_full_of_html_characters_reaches_the_reporter(bot: Simulator) -> None:
    await bot.send(BOARD_ID, "/start")
    ref = reference(await file_report(bot, RESIDENT, identity="Terbuka"))
    reply = "<b>&" * 500  # 2000 characters, ten thousand once escaped
    calls = await board_does(bot, ref, "Balas pelapor", reply)
    told = to(calls, RESIDENT)
    assert told and all(c.error is None for c in told)
    assert "<b>&<b>&" in told[0].text and "…" in told[0].text
    await bot.send(RESIDENT, "/laporanku")
    card = await bot.press(RESIDENT, ref)
    assert all(c.error is None for c in card)
    assert reply in "".join(c.text.replace("\n", "") for c in card)
