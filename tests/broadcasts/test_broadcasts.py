"""/siaran: composing, audiences, schedules across restarts, misfires, and the digest."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import scheduling
from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from rules.recurrence import Recurrence, next_digest, next_firing, previous_month
from storage import broadcasts, subscriptions
from storage.db import connect_sync
from tests.conftest import BOARD_ID
from tests.support.delivery import seed, sent_to
from tests.support.i18n import tr_id, tr_part

JAKARTA = ZoneInfo("Asia/Jakarta")


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(call.text for call in calls)


async def compose(bot: Simulator, content: dict[str, Any] | str, audience: str) -> None:
    await bot.send(BOARD_ID, "/siaran")
    if isinstance(content, str):
        await bot.send(BOARD_ID, content)
    else:
        await bot.send_raw(BOARD_ID, content)
    await bot.press(BOARD_ID, audience)


# ---- composing ------
async def test_a_formatted_broadcast_to_one_rw_is_previewed_then_delivered_exactly(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    seed(settings, api, clock, [5001, 5002], rw=1)
    seed(settings, api, clock, [5003], rw=2)
    text = "Rapat <warga> & kerja bakti 🧹 Sabtu"
    message = {
        "text": text,
        "entities": [
            {"type": "bold", "offset": 0, "length": 5},
            {"type": "text_link", "offset": 16, "length": 11, "url": "https://bkm.example/"},
        ],
    }
    await compose(bot, message, "Satu RW")
    assert tr_id("Write the RW as a number, for example 5.") in texts(
        await bot.send(BOARD_ID, "RW lima")
    )  # re-asked, kept
    await bot.send(BOARD_ID, "1")
    preview = await bot.press(BOARD_ID, "Sekarang")
    html = '<b>Rapat</b> &lt;warga&gt; &amp; <a href="https://bkm.example/">kerja bakti</a>'
    assert any(c.params.get("text", "").startswith(html) for c in preview)
    assert "Warga RW 01 (2 orang saat ini)" in texts(preview)
    done = await bot.press(BOARD_ID, "Kirim sekarang")
    assert "Mengirim SRN-0001 kepada 2 orang" in texts(done)
    delivered = [c for c in api.calls if c.chat_id in (5001, 5002, 5003) and "Rapat" in c.text]
    assert sorted(c.chat_id for c in delivered) == [5001, 5002]
    assert all(c.params["text"].startswith(html) for c in delivered)
    report = [c for c in api.calls if c.chat_id == BOARD_ID and "laporan pengiriman" in c.text]
    assert report and "Terkirim: 2" in report[-1].text
    again = await bot.press_data(BOARD_ID, "sb:go", done[-1].result["message_id"])
    assert tr_id("This button is no longer valid.") in texts(again) or any(
        c.method == "answerCallbackQuery" for c in again
    )  # a second press of the old button sends nothing
    assert len([c for c in api.calls if c.chat_id == 5001 and "Rapat" in c.text]) == 1


async def test_a_photo_with_its_caption_goes_to_subscribers_of_a_topic(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001, 5002])
    db = bot.application.services.db
    await db.write(subscriptions.set_topic, ids[5002], "anggaran", False, clock.now())
    await bot.send(BOARD_ID, "/siaran")
    await bot.send_photo(BOARD_ID, caption="Realisasi anggaran Oktober")
    await bot.press(BOARD_ID, "Pelanggan satu topik")
    await bot.press(BOARD_ID, "Anggaran")
    await bot.press(BOARD_ID, "Sekarang")
    await bot.press(BOARD_ID, "Kirim sekarang")
    photos = [c for c in api.calls if c.method == "sendPhoto" and c.chat_id in ids]
    assert [c.chat_id for c in photos] == [5001]
    assert photos[0].params["caption"] == "Realisasi anggaran Oktober"


async def test_siaran_is_for_the_board_only(bot: Simulator, settings: Settings) -> None:
    calls = await bot.send(5001, "/siaran")
    assert tr_id("Sorry, this is only for the BKM board.") in texts(calls)
    for data in ("sb:go", "sb:list", "sb:x:1", "dlv:re:1"):
        calls = await bot.press_data(5001, data, 1)
        assert not [c for c in calls if c.method == "sendMessage" and "SRN" in c.text]
    conn = sqlite3.connect(settings.database)
    assert conn.execute("SELECT COUNT(*) FROM broadcasts").fetchone() == (0,)
    conn.close()


async def test_cancel_and_bad_answers_lose_nothing(bot: Simulator, api: FakeBotAPI) -> None:
    await bot.send(BOARD_ID, "/siaran")
    assert tr_id("The message is empty. Send the text.") in texts(await bot.send(BOARD_ID, "   "))
    await bot.send(BOARD_ID, "Pengumuman <b>tebal</b>")  # typed tags are shown, not parsed
    await bot.press(BOARD_ID, "Semua warga")
    await bot.press(BOARD_ID, "Pada tanggal dan jam tertentu")
    assert "terlalu" in texts(await bot.send(BOARD_ID, "5 menit")).lower()
    preview = await bot.send(BOARD_ID, "besok 08:00")
    assert any(c.params.get("text") == "Pengumuman &lt;b&gt;tebal&lt;/b&gt;" for c in preview)
    assert "Kapan: 29 November 2026, 08:00 WIB" in texts(preview)
    assert "Dibatalkan" in texts(await bot.press(BOARD_ID, "Batal"))


# ---- schedules ------
async def schedule_for_tomorrow(bot: Simulator) -> None:
    await compose(bot, "Kerja bakti besok pagi", "Semua warga")
    await bot.press(BOARD_ID, "Pada tanggal dan jam tertentu")
    await bot.send(BOARD_ID, "besok 08:00")  # 29/11 08:00 WIB = 01:00 UTC
    done = await bot.press(BOARD_ID, "Jadwalkan")
    assert "Dijadwalkan sebagai SRN-0001" in texts(done)


@pytest.mark.parametrize(
    ("late", "delivered"), [(timedelta(hours=5), True), (timedelta(hours=7), False)]
)
async def test_a_scheduled_broadcast_survives_a_restart_within_grace_only(
    settings: Settings,
    api: FakeBotAPI,
    clock: FakeClock,
    make_bot: Any,
    late: timedelta,
    delivered: bool,
) -> None:
    seed(settings, api, clock, [5001, 5002])
    first = make_bot(settings)
    async with running(first.application):
        await schedule_for_tomorrow(first)
    assert sent_to(api, "Kerja bakti") == {BOARD_ID: 1}  # only the preview so far
    clock.set(datetime(2026, 11, 29, 1, 0, tzinfo=UTC) + late)  # the bot was down
    second = make_bot(settings)
    async with running(second.application):  # the overdue row runs at start
        await second.drain()
    got = sent_to(api, "Kerja bakti")
    board = texts([c for c in api.calls if c.chat_id == BOARD_ID])
    if delivered:
        assert got == {5001: 1, 5002: 1, BOARD_ID: 2}
    else:
        assert got == {BOARD_ID: 1}
        assert "SRN-0001 TIDAK dikirim" in board and "terlambat 7 jam" in board
    conn = connect_sync(settings.database)
    assert conn.execute("SELECT status FROM broadcasts").fetchone()[0] == "sent"
    conn.close()


async def test_a_weekly_broadcast_fires_rearms_and_can_be_cancelled(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    seed(settings, api, clock, [5001])
    await compose(bot, "Posyandu setiap Senin", "Semua warga")
    await bot.press(BOARD_ID, "Berulang")
    await bot.press(BOARD_ID, "Setiap minggu")
    await bot.press(BOARD_ID, "Senin")
    assert tr_id("Write the time as hours and minutes, for example 20:00.") in texts(
        await bot.send(BOARD_ID, "jam tujuh")
    )
    summary = await bot.send(BOARD_ID, "07:30")
    assert "setiap Senin pukul 07:30" in texts(summary)
    await bot.press(BOARD_ID, "Jadwalkan")
    # Saturday 28/11 10:00 WIB now; Monday 30/11 07:30 WIB = 00:30 UTC
    clock.set(datetime(2026, 11, 30, 0, 31, tzinfo=UTC))
    await scheduling.run_due(bot.application)
    await bot.drain()
    assert sent_to(api, "Posyandu")[5001] == 1
    db = bot.application.services.db
    [planned] = await db.read(broadcasts.scheduled)
    assert planned.due_at == datetime(2026, 12, 7, 0, 30, tzinfo=UTC)
    listing = await bot.send(BOARD_ID, "/siaran")
    listing = await bot.press(BOARD_ID, "Siaran terjadwal dan terakhir")
    assert "SRN-0001" in texts(listing) and "setiap Senin pukul 07:30" in texts(listing)
    assert "Terkirim: 2" in texts(listing)
    await bot.send(BOARD_ID, "/batal")
    cancelled = await bot.press(BOARD_ID, "Batalkan SRN-0001")
    assert "dibatalkan" in texts(cancelled)
    clock.set(datetime(2026, 12, 7, 0, 31, tzinfo=UTC))
    await scheduling.run_due(bot.application)  # (the monthly digest is due by now)
    await bot.drain()
    assert sent_to(api, "Posyandu")[5001] == 1
    assert await db.read(broadcasts.scheduled) == []
    again = await bot.press_data(BOARD_ID, f"sb:x:{planned.id}", 1)
    assert any(c.method == "answerCallbackQuery" for c in again)


# ---- the monthly digest ------
async def until_queued(database: Path, kind: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Until a message of this kind is in the outbox (queued by whichever run_due claimed it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        conn = connect_sync(database)
        try:
            found = conn.execute(
                "SELECT 1 FROM outbox_messages WHERE kind = ?", (kind,)
            ).fetchone()
        finally:
            conn.close()
        if found:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"no {kind} message was queued")


async def test_the_monthly_digest_in_both_languages_and_to_the_channel(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    ids = seed(settings, api, clock, [5001], language="id")
    ids |= seed(settings, api, clock, [5002], language="en")
    ids |= seed(settings, api, clock, [5003], language="id")
    conn = connect_sync(settings.database)
    conn.execute("BEGIN")
    subscriptions.set_topic(conn, ids[5003], "laporan_bulanan", False, clock.now())
    conn.execute("COMMIT")
    conn.close()
    api.known_chats[-100777] = {"id": -100777, "type": "channel", "title": "BKM"}
    sim = make_bot(settings, channel="-100777", digest=True)
    async with running(sim.application):
        clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))  # 1 December, 08:00 WIB
        await scheduling.run_due(sim.application)
        # an armed job may have claimed the firing first; wait for it to queue the digest
        await until_queued(settings.database, "digest")
        await sim.drain()
    indonesian = texts([c for c in api.calls if c.chat_id == 5001])
    english = texts([c for c in api.calls if c.chat_id == 5002])
    assert "Laporan bulanan BKM: November 2026" in indonesian
    assert (
        tr_part(
            "<b>Participation</b>\nResidents using the bot: "
            "{residents}\nVerified members: {members}"
        )
        in indonesian
        or "Warga" in indonesian
    )
    assert "BKM monthly report: November 2026" in english and "Participation" in english
    assert not [c for c in api.calls if c.chat_id == 5003]  # unsubscribed from the digest
    channel = texts([c for c in api.calls if c.chat_id == -100777])
    assert "Laporan bulanan BKM: November 2026" in channel
    conn = connect_sync(settings.database)
    assert [tuple(r) for r in conn.execute("SELECT month, status FROM digests")] == [
        ("2026-11", "sent")
    ]
    [due] = conn.execute(
        "SELECT due_at FROM schedules WHERE kind = 'digest' AND status = 'pending'"
    )
    assert due[0] == "2027-01-01T01:00:00+00:00"
    conn.close()


async def test_the_digest_is_off_when_bkm_digest_is_off(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    seed(settings, api, clock, [5001])
    sim = make_bot(settings, digest=False)
    async with running(sim.application):
        clock.set(datetime(2026, 12, 1, 1, 0, tzinfo=UTC))
        await scheduling.run_due(sim.application)
        await sim.drain()
    assert not [c for c in api.calls if tr_part("<b>BKM monthly report: {month}</b>") in c.text]
    conn = connect_sync(settings.database)
    assert conn.execute("SELECT COUNT(*) FROM schedules WHERE kind = 'digest'").fetchone()[0] == 0
    conn.close()


# ---- recurrence (pure) ------
def test_next_firings() -> None:
    saturday = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 10:00 WIB
    daily = Recurrence("daily", time(9, 0))
    assert next_firing(daily, saturday, JAKARTA) == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    weekly = Recurrence("weekly", time(10, 30), weekday=5)  # Saturday, later today
    assert next_firing(weekly, saturday, JAKARTA) == datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    monthly = Recurrence("monthly", time(8, 0), day=31)
    assert next_firing(monthly, saturday, JAKARTA) == datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    feb = datetime(2027, 2, 1, tzinfo=UTC)
    assert next_firing(monthly, feb, JAKARTA) == datetime(2027, 2, 28, 1, 0, tzinfo=UTC)
    assert next_digest(saturday, JAKARTA) == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert previous_month(datetime(2027, 1, 1, 1, 0, tzinfo=UTC), JAKARTA) == "2026-12"
    assert Recurrence.from_code("weekly:0", "07:30") == Recurrence("weekly", time(7, 30), 0)
    with pytest.raises(ValueError):
        Recurrence("weekly", time(7, 0))


# ---- personal data ------
async def test_personal_data_export_erase_and_merge(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001, 5002])
    await bot.send(5001, "/berhenti")
    [item] = [p for p in bot.application.services.registry.personal_data
              if p.key == "subscriptions"]  # fmt: skip
    conn = connect_sync(settings.database)
    exported = item.export(conn, ids[5001])
    assert exported["all_broadcasts_stopped"] is True
    assert exported["topics"] == sorted(subscriptions.TOPICS)
    conn.execute("BEGIN")
    assert item.merge is not None
    item.merge(conn, ids[5002], ids[5001])
    conn.execute("COMMIT")
    assert subscriptions.get(conn, ids[5002]).stopped
    conn.execute("BEGIN")
    item.erase(conn, ids[5002], clock.now())
    conn.execute("COMMIT")
    assert not subscriptions.get(conn, ids[5002]).stopped  # back to the defaults
    conn.close()


async def test_audiences_pick_exactly_the_right_people(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    residents = seed(settings, api, clock, [5001, 5002], rw=1)
    members = seed(settings, api, clock, [5003], rw=2, role="anggota")
    conn = connect_sync(settings.database)
    conn.execute(  # registered in person: no Telegram, never in an audience
        "INSERT INTO people (full_name, rw, role, created_at) VALUES ('Mbah', 1, 'anggota', 'x')"
    )
    everyone = set(residents.values()) | set(members.values())
    board = {r[0] for r in conn.execute("SELECT id FROM people WHERE role = 'pengurus'")}
    assert set(broadcasts.audience_ids(conn, "all", None)) == everyone | board
    assert set(broadcasts.audience_ids(conn, "members", None)) == set(members.values()) | board
    assert set(broadcasts.audience_ids(conn, "rw", 1)) == set(residents.values())
    assert broadcasts.audience_ids(conn, "rw", 3) == []
    conn.execute("BEGIN")
    subscriptions.set_topic(conn, residents[5001], "polling", False, clock.now())
    conn.execute("COMMIT")
    assert broadcasts.audience_size(conn, "topic", None, "polling") == len(everyone | board) - 1
    conn.close()


async def test_siaran_in_a_group_continues_in_private_and_odd_content_is_refused(
    bot: Simulator,
) -> None:
    calls = await bot.send(BOARD_ID, "/siaran", group=True)
    assert "percakapan pribadi" in texts(calls).lower() or calls[-1].buttons
    calls = await bot.press(BOARD_ID, calls[-1].buttons[0]["text"], chat_id=calls[-1].chat_id)
    assert "Kirim siaran seperti" in texts(calls)
    calls = await bot.send_voice(BOARD_ID)
    assert tr_id("A broadcast can be text, a photo or a document. Send one of those.") in texts(
        calls
    )
    calls = await bot.send(BOARD_ID, "Masih di sini")
    assert tr_id("Who should receive it?") in texts(calls)
