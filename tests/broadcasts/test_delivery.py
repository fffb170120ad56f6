"""The delivery engine: audiences, subscriptions, pacing, Telegram's errors, restarts."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.delivery import engine, outbox
from bot.delivery.outbox import Outgoing
from bot.i18n import Translator
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from storage import deliveries, migrate, people, subscriptions
from storage.db import connect_sync
from tests.conftest import BOARD_ID
from tests.support.delivery import seed, sent_to
from tests.support.i18n import tr_id

RESIDENTS = range(5001, 5100)


def text(marker: str) -> outbox.Render:
    def render(tr: Translator) -> Outgoing:
        return Outgoing(f"{marker} " + tr._("Delivered: {n}").format(n=1))

    return render


async def board_person(bot: Simulator) -> int:
    await bot.send(BOARD_ID, "/start")
    person = await bot.application.services.db.read(people.by_telegram_id, BOARD_ID)
    return int(person.id)


def report_of(api: FakeBotAPI) -> ApiCall:
    reports = [c for c in api.calls if c.chat_id == BOARD_ID and "laporan pengiriman" in c.text]
    assert reports, "the author got no report"
    return reports[-1]


# ---- who receives what --------------------------------------------------------------------------
async def test_broadcasts_respect_subscriptions_and_notifications_ignore_them(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001, 5002, 5003, 5004])
    await bot.send(5002, "/berhenti")
    await bot.send(5003, "/langganan")
    await bot.press(5003, "✅ Polling")  # polling off for 5003
    db = bot.application.services.db
    assert "polling" not in (await db.read(subscriptions.get, ids[5003])).topics

    everyone = list(ids.values())
    queued = await outbox.broadcast(
        bot.application, everyone, text("POLL"), topic="polling", author_id=None
    )
    await bot.drain()
    assert queued == 2
    assert sent_to(api, "POLL") == {5001: 1, 5004: 1}

    await outbox.broadcast(
        bot.application, everyone, text("NEWS"), topic="pengumuman", author_id=None
    )
    await outbox.notify(bot.application, everyone, text("YOURS"), kind="test.own_business")
    await bot.drain()
    assert sent_to(api, "NEWS") == {5001: 1, 5003: 1, 5004: 1}  # /berhenti: not 5002
    assert sent_to(api, "YOURS") == {5001: 1, 5002: 1, 5003: 1, 5004: 1}


async def test_each_recipient_reads_their_own_language(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001], language="id")
    ids |= seed(settings, api, clock, [5002], language="en")
    await outbox.notify(bot.application, ids.values(), text("LANG"), kind="test")
    await bot.drain()
    [indonesian] = [c for c in api.calls if c.chat_id == 5001 and "LANG" in c.text]
    [english] = [c for c in api.calls if c.chat_id == 5002 and "LANG" in c.text]
    assert "Terkirim: 1" in indonesian.text
    assert "Delivered: 1" in english.text


async def test_resubscribing_and_the_daily_digest_time(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001])
    await bot.send(5001, "/berhenti")
    calls = await bot.send(5001, "/langganan")
    assert (
        tr_id(
            "You stopped all broadcasts. News about your own "
            "proposals, reports, membership and votes still reaches "
            "you."
        )
        in calls[-1].text
    )
    await bot.press(5001, "Terima siaran lagi")
    await bot.press(5001, "Sekali sehari saja")
    assert tr_id("Write the time as hours and minutes, for example 20:00.") in " ".join(
        c.text for c in await bot.send(5001, "jam enam")
    )
    shown = await bot.send(5001, "18.00")  # typed, or one of the buttons
    assert "sekali sehari pukul 18:00" in shown[-1].text
    # 03:00 UTC = 10:00 WIB: a broadcast now waits for 18:00 WIB (11:00 UTC)
    for marker in ("LATER", "AND-THIS"):
        await outbox.broadcast(
            bot.application, ids.values(), text(marker), topic="pengumuman", author_id=None
        )
    await outbox.notify(bot.application, ids.values(), text("OWN"), kind="test")
    await bot.drain()
    assert sent_to(api, "LATER") == {} and sent_to(api, "OWN") == {5001: 1}
    clock.advance(timedelta(hours=8))
    engine.wake(bot.application)
    await bot.drain()
    [digest] = [c for c in api.calls if c.chat_id == 5001 and "LATER" in c.text]
    assert tr_id("<b>Today's BKM broadcasts</b>") in digest.text and "AND-THIS" in digest.text


# ---- pacing -------------------------------------------------------------------------------------
async def test_the_overall_rate_and_one_message_a_second_per_chat(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    rate = 20
    ids = seed(settings, api, clock, list(range(5001, 5031)))  # 30 chats × 2 = 3 × rate
    sim = make_bot(settings, broadcast_rate=rate)
    async with running(sim.application):
        for marker in ("FIRST", "SECOND"):
            await outbox.broadcast(
                sim.application, ids.values(), text(marker), topic="pengumuman", author_id=None
            )
        await sim.drain(timeout=30)
    calls = [c for c in api.calls if c.method == "sendMessage" and c.error is None]
    assert len(calls) == 60
    times = sorted(c.at for c in calls)
    # sliding window of one second, starting at every call
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= rate
    per_chat: dict[int, list[float]] = {}
    for call in calls:
        per_chat.setdefault(call.chat_id or 0, []).append(call.at)
    gaps = [b - a for stamps in per_chat.values() for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 30 and min(gaps) >= 1.0
    # and it is not needlessly slow: 60 calls at 20/s take about three seconds (a loaded
    # machine may stretch that)
    assert times[-1] - times[0] < 10


# ---- Telegram's errors ---------------------------------------------------------------------
async def test_a_429_pauses_everyone_for_retry_after_and_loses_nobody(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, list(range(5001, 5007)))
    api.inject("retry_after", method="sendMessage", seconds=1)
    await outbox.broadcast(
        bot.application, ids.values(), text("WAIT"), topic="pengumuman", author_id=None
    )
    await bot.drain()
    assert sent_to(api, "WAIT") == {chat: 1 for chat in ids}
    [limited] = [c for c in api.calls if c.error is not None and c.error.status == 429]
    accepted = [c.at for c in api.calls if c.error is None and "WAIT" in c.text]
    assert not [t for t in accepted if limited.at < t < limited.at + 1.0]


async def test_403_marks_the_chat_unreachable_until_the_person_writes_again(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    author = await board_person(bot)
    ids = seed(settings, api, clock, [5001, 5002, 5003])
    api.block(5002)
    await outbox.broadcast(
        bot.application, ids.values(), text("ONE"), topic="pengumuman", author_id=author
    )
    await bot.drain()
    assert sent_to(api, "ONE") == {5001: 1, 5003: 1}
    report = report_of(api).text
    assert "Terkirim: 2" in report and "Tidak terjangkau (memblokir bot" in report
    assert "keluar dari Telegram): 1" in report
    attempts = len([c for c in api.calls if c.chat_id == 5002])
    await outbox.broadcast(
        bot.application, ids.values(), text("TWO"), topic="pengumuman", author_id=author
    )
    await bot.drain()
    assert len([c for c in api.calls if c.chat_id == 5002]) == attempts  # skipped, not tried
    assert "keluar dari Telegram): 1" in report_of(api).text  # and still accounted for

    api.blocked.discard(5002)
    clock.advance(timedelta(minutes=1))
    await bot.send(5002, "/start")  # they came back
    await outbox.broadcast(
        bot.application, ids.values(), text("THREE"), topic="pengumuman", author_id=author
    )
    await bot.drain()
    assert sent_to(api, "THREE") == {5001: 1, 5002: 1, 5003: 1}


async def test_5xx_is_retried_then_recorded_failed(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    author = await board_person(bot)
    ids = seed(settings, api, clock, [5001, 5002, 5003])
    api.inject("internal", chat_id=5001, times=2)  # recovers on the third try
    api.inject("bad_gateway", chat_id=5002, times=None)  # never recovers
    await outbox.broadcast(
        bot.application, ids.values(), text("RETRY"), topic="pengumuman", author_id=author
    )
    await bot.drain(timeout=20)
    assert sent_to(api, "RETRY") == {5001: 1, 5003: 1}
    assert len([c for c in api.calls if c.chat_id == 5002]) == 5  # MAX_ATTEMPTS
    report = report_of(api).text
    assert "Terkirim: 2" in report and "Gagal: 1" in report


async def test_a_content_error_stops_the_broadcast_and_tells_its_author(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    author = await board_person(bot)
    ids = seed(settings, api, clock, list(range(5001, 5041)))

    def broken(tr: Translator) -> Outgoing:
        return Outgoing("BROKEN <b>unclosed")

    await outbox.broadcast(
        bot.application, ids.values(), broken, topic="pengumuman", author_id=author
    )
    await bot.drain()
    tried = [c for c in api.calls if c.chat_id in ids and c.method == "sendMessage"]
    assert tried and all(c.error is not None for c in tried)
    assert len(tried) < 10  # stopped at once: only what was already in flight
    report = report_of(api).text
    assert (
        tr_id(
            "Telegram refused this message (its formatting or size), "
            "so sending was stopped. Fix it and send it again with "
            "/siaran."
        )
        in report
    )
    assert "Tidak dikirim (dihentikan): " in report


async def test_a_photo_is_uploaded_once_then_sent_by_file_id(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, [5001, 5002, 5003])

    def chart(tr: Translator) -> Outgoing:
        return Outgoing("CHART " + "x" * 1500, photo=b"\x89PNG chart")

    await outbox.broadcast(bot.application, ids.values(), chart, topic="anggaran", author_id=None)
    await bot.drain()
    photos = [c for c in api.calls if c.method == "sendPhoto" and c.error is None]
    assert len(photos) == 3
    assert sum(1 for u in api.uploads if u.method == "sendPhoto") == 1
    texts = [c for c in api.calls if c.method == "sendMessage" and "CHART" in c.text]
    assert len(texts) == 3  # the caption was too long: photo, then the text a second later
    for chat in ids:
        photo_at = next(c.at for c in photos if c.chat_id == chat)
        text_at = next(c.at for c in texts if c.chat_id == chat)
        assert text_at - photo_at >= 1.0


# ---- restarts -----------------------------------------------------------------------------------
def interrupted_broadcast(
    settings: Settings, clock: FakeClock, author: int, ids: list[int]
) -> int:
    """What a kill -9 leaves: some rows `sending`, some `sent`, the rest queued."""
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        recipients = subscriptions.recipients(
            conn, ids, topic="pengumuman", hold_until=lambda _: clock.now()
        )
        conn.execute("BEGIN")
        message_id, _ = deliveries.enqueue(
            conn,
            kind="broadcast:pengumuman",
            topic="pengumuman",
            author_id=author,
            renderings={"*": deliveries.Rendering("KILLED broadcast")},
            recipients=recipients,
            now=clock.now(),
        )
        rows = deliveries.ready(conn, clock.now(), 100)
        deliveries.claim(conn, [r.id for r in rows[:4]], clock.now())
        deliveries.finish(
            conn, [deliveries.Outcome(r.id, "sent", r.chat_id) for r in rows[:2]], clock.now()
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return int(message_id)


async def test_rows_left_sending_become_uncertain_and_can_be_resent(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    board = seed(settings, api, clock, [BOARD_ID], role="pengurus")
    ids = seed(settings, api, clock, list(range(5001, 5011)))
    interrupted_broadcast(settings, clock, board[BOARD_ID], list(ids.values()))
    sim = make_bot(settings)
    async with running(sim.application):
        await sim.drain()
        # two were sent before the kill, two were in flight: eight go out now, never again
        assert sum(sent_to(api, "KILLED").values()) == 6
        assert all(n == 1 for n in sent_to(api, "KILLED").values())
        report = report_of(api)
        assert "Belum pasti (bot berhenti saat mengirim): 2" in report.text
        assert "Terkirim: 8" in report.text
        assert [b["text"] for b in report.buttons] == ["Kirim ulang 2 yang belum pasti"]
        calls = await sim.press(BOARD_ID, "Kirim ulang 2 yang belum pasti")
        assert "Mengirim ulang 2 pesan" in " ".join(c.text for c in calls)
        await sim.drain()
        assert sum(sent_to(api, "KILLED").values()) == 8
        assert "Terkirim: 10" in report_of(api).text
        again = await sim.press_data(BOARD_ID, report.buttons[0]["callback_data"], 1)
        assert any("Tidak ada lagi" in c.text for c in again)  # a second press changes nothing


async def test_resending_is_board_only_and_forged_ids_change_nothing(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    seed(settings, api, clock, [5001])
    calls = await bot.press_data(5001, "dlv:re:1", 1)
    assert any("hanya untuk pengurus" in c.text.lower() or c.method == "answerCallbackQuery"
               for c in calls)  # fmt: skip
    await bot.send(BOARD_ID, "/start")
    for data in ("dlv:re:999999", "dlv:re:abc", "dlv:re:' OR 1=1 --"):
        calls = await bot.press_data(BOARD_ID, data, 1)
        assert [c for c in calls if c.method == "answerCallbackQuery"]
    conn = sqlite3.connect(settings.database)
    assert conn.execute("SELECT COUNT(*) FROM deliveries WHERE status = 'queued'").fetchone() == (
        0,
    )
    conn.close()


async def test_notifications_go_before_a_long_broadcast(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    ids = seed(settings, api, clock, list(RESIDENTS)[:60])
    long = asyncio.create_task(  # broadcast() waits at most NOTIFY_WAIT for its deliveries
        outbox.broadcast(
            bot.application, ids.values(), text("LONG"), topic="pengumuman", author_id=None
        )
    )
    await asyncio.sleep(0.2)
    await outbox.notify(bot.application, [ids[5060]], text("URGENT"), kind="test")
    await long
    await bot.drain()
    urgent = next(c.at for c in api.calls if "URGENT" in c.text)
    long_calls = sorted(c.at for c in api.calls if "LONG" in c.text)
    assert urgent < long_calls[len(long_calls) // 2]


async def test_membership_notifications_go_through_the_engine(
    bot: Simulator, settings: Settings, api: FakeBotAPI
) -> None:
    await bot.send(BOARD_ID, "/start")
    await bot.send(5001, "/daftar")
    await bot.send(5001, "Siti Aminah")
    await bot.send(5001, "RT 3 RW 5")
    await bot.press(5001, "Perempuan")
    calls = await bot.press(5001, "Kirim")
    assert any(c.chat_id == BOARD_ID and "/admin" in c.text for c in calls)
    conn = sqlite3.connect(settings.database)
    rows = conn.execute(
        "SELECT m.kind, d.chat_id, d.status FROM deliveries d"
        " JOIN outbox_messages m ON m.id = d.message_id"
    ).fetchall()
    conn.close()
    assert rows == [("membership.applied", BOARD_ID, "sent")]


async def test_the_rate_limiter_leaves_the_engines_429s_to_the_engine() -> None:
    from datetime import timedelta as td

    from telegram.error import RetryAfter

    from bot.delivery.ratelimit import ENGINE_CALL, rate_limiter

    limiter = rate_limiter(25)
    assert limiter._base_limiter is not None and limiter._base_limiter.max_rate == 30
    calls: list[int] = []

    async def refused(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RetryAfter(td(seconds=0))

    for args, expected in ((ENGINE_CALL, 1), (None, 3)):
        calls.clear()
        with pytest.raises(RetryAfter):
            await limiter.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, args)
        assert len(calls) == expected  # the engine's own call: no retry by the limiter


async def test_a_graceful_stop_mid_broadcast_leaves_nothing_uncertain(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Any
) -> None:
    ids = seed(settings, api, clock, list(range(5001, 5041)))
    first = make_bot(settings, broadcast_rate=10)
    async with running(first.application):
        sending = asyncio.create_task(
            outbox.broadcast(
                first.application, ids.values(), text("STOP"), topic="pengumuman", author_id=None
            )
        )
        await asyncio.sleep(1.0)
    assert await sending == 40  # queued; the stop ended its wait
    before = sum(sent_to(api, "STOP").values())
    assert 0 < before < 40
    conn = sqlite3.connect(settings.database)
    statuses = dict(conn.execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status"))
    conn.close()
    assert statuses == {"sent": before, "queued": 40 - before}
    second = make_bot(settings, broadcast_rate=40)
    async with running(second.application):
        await second.drain()
    assert sent_to(api, "STOP") == {chat: 1 for chat in ids}


async def test_failed_deliveries_alert_the_board_and_status_shows_the_queue(
    bot: Simulator, settings: Settings, api: FakeBotAPI, clock: FakeClock
) -> None:
    author = await board_person(bot)
    ids = seed(settings, api, clock, [5101, 5102, 5103, 5104])
    for chat in (5101, 5102, 5103):
        api.inject("bad_gateway", chat_id=chat, times=None)  # never recovers
    await outbox.broadcast(
        bot.application, ids.values(), text("FAILS"), topic="pengumuman", author_id=author
    )
    await bot.drain(timeout=30)
    await bot.settle()
    assert sent_to(api, "FAILS") == {5104: 1}
    alerts = [c for c in api.calls if c.chat_id == BOARD_ID and "tidak dapat terkirim" in c.text]
    assert len(alerts) == 1  # three failures within minutes: one alert, not three
    status = "".join(c.text for c in await bot.send(BOARD_ID, "/status"))
    assert "Antrean pesan menunggu dikirim: 0" in status
    assert "Antrean pesan yang belum pasti terkirim: 0" in status
