"""Closing: on time, after a restart past the closing time, early by the board; reminders."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import running
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.polls import add_people, create_poll, raw_rows, run_due, texts

MEMBERS = [301, 302, 303]


async def test_a_poll_due_while_the_bot_was_down_closes_at_start_once(
    make_bot,
    settings: Settings,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    first = make_bot(settings)
    async with running(first.application):
        await first.send(BOARD_ID, "/start")
        await add_people(first, MEMBERS)
        poll_id, _reference, _ = await create_poll(first, closing="2 jam")
        await first.press_data(MEMBERS[0], f"pol:ok:{poll_id}:1", 1)
    # the bot is down at the closing time, and for a day after it
    clock.advance(timedelta(days=1, hours=3))
    second = make_bot(settings)
    before = len(second.api.calls)
    async with running(second.application):
        sent = second.api.calls[before:]
        photos = [c for c in sent if c.method == "sendPhoto"]
        assert {c.chat_id for c in photos} == {*MEMBERS, BOARD_ID}
        assert "1. Drainase RW 03: 1 suara (100%)" in texts(sent, MEMBERS[1])
    assert raw_rows(settings.database, "SELECT status FROM polls") == [("closed",)]
    [(closed_at,)] = raw_rows(settings.database, "SELECT closed_at FROM polls")
    assert closed_at.startswith("2026-11-29T06:00")  # closed when the bot came back
    # a third start closes nothing again and sends nothing again
    third = make_bot(settings)
    before = len(third.api.calls)
    async with running(third.application):
        assert not [c for c in third.api.calls[before:] if c.method == "sendPhoto"]
    assert raw_rows(
        settings.database, "SELECT COUNT(*) FROM audit WHERE action = 'poll.closed'"
    ) == [(1,)]


async def test_the_reminder_goes_once_to_those_who_have_not_voted(
    bot,
    settings: Settings,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    poll_id, _, _ = await create_poll(bot, closing="3 hari")
    await bot.press_data(MEMBERS[0], f"pol:ok:{poll_id}:2", 1)
    clock.advance(timedelta(days=2, hours=1))  # 23 hours before closing
    before = len(bot.api.calls)
    assert await run_due(bot) == 1
    reminded = [c for c in bot.api.calls[before:] if "Pengingat" in c.text]
    assert {c.chat_id for c in reminded} == {MEMBERS[1], MEMBERS[2], BOARD_ID}
    assert await run_due(bot) == 0  # once
    # the reminder's button opens the ballot
    card = await bot.press(MEMBERS[1], "Beri suara")
    assert "1. Drainase RW 03" in [b["text"] for b in card[-1].buttons]


async def test_the_board_closes_early_with_a_reason(
    bot,
    settings: Settings,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    poll_id, _reference, _ = await create_poll(
        bot, ballot="Pemungutan suara terbuka", results="Setelah ditutup"
    )
    await bot.press_data(MEMBERS[0], f"pol:v:{poll_id}:3", 1)
    await bot.press_data(MEMBERS[1], f"pol:v:{poll_id}:1", 1)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Tutup polling lebih awal")
    asked = await bot.press(BOARD_ID, 1)
    assert "Apa alasannya" in texts(asked)
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "x")
    )
    closed = await bot.send(BOARD_ID, "Rapat <darurat> dimajukan")
    told = texts(closed, MEMBERS[2])
    assert "Ditutup lebih awal oleh pengurus. Alasan: Rapat <darurat> dimajukan" in told
    assert "Seri antara pilihan 1, 3" in told  # a tie is stated as a tie
    [(action, actor)] = raw_rows(
        settings.database,
        "SELECT action, actor_role FROM audit WHERE action LIKE 'poll.closed%'",
    )
    assert (action, actor) == ("poll.closed_early", "pengurus")
    # the scheduled close finds nothing to do
    clock.advance(timedelta(days=4))
    before = len(bot.api.calls)
    await run_due(bot)
    assert not [c for c in bot.api.calls[before:] if c.method == "sendPhoto"]
    # and the board cannot close it twice
    again = await bot.press_data(BOARD_ID, f"pol:x:{poll_id}", 1)
    assert "sudah ditutup" in texts(again)


async def test_results_are_also_posted_to_the_public_channel(
    make_bot,
    settings: Settings,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    channel = -1009876543210
    bot = make_bot(settings, channel=str(channel))
    bot.api.known_chats[channel] = {"id": channel, "type": "channel", "title": "Kanal BKM"}
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        await add_people(bot, MEMBERS)
        poll_id, _, _ = await create_poll(bot, closing="1 jam")
        await bot.press_data(MEMBERS[0], f"pol:ok:{poll_id}:4", 1)
        clock.advance(timedelta(hours=1))
        await run_due(bot)
        await bot.drain()  # the channel posts go through the delivery engine, paced per chat
        posted = [c for c in bot.api.calls if c.chat_id == channel]
        assert [c.method for c in posted] == ["sendPhoto", "sendMessage"]
        assert "3. Sumur resapan: 1 suara (100%)" in posted[1].text


async def test_emoji_and_dollar_signs_in_options_still_give_a_chart(
    bot,
    settings: Settings,
    clock: FakeClock,  # type: ignore[no-untyped-def]
) -> None:
    await bot.send(BOARD_ID, "/start")
    await add_people(bot, MEMBERS)
    poll_id, _, _ = await create_poll(
        bot, options=("Jalan 🚧 rusak", "Biaya $5 atau $\\frac", "中文"), closing="1 jam"
    )
    await bot.press_data(MEMBERS[0], f"pol:ok:{poll_id}:1", 1)
    clock.advance(timedelta(hours=1))
    before = len(bot.api.calls)
    await run_due(bot)
    sent = bot.api.calls[before:]
    assert len([c for c in sent if c.method == "sendPhoto"]) == len(MEMBERS) + 1
    # the text keeps every character the chart could not draw
    assert "1. Jalan 🚧 rusak: 1 suara (100%)" in texts(sent, MEMBERS[1])
    assert "3. 中文: 0 suara (0%)" in texts(sent, MEMBERS[1])


async def test_an_rw_without_members_is_refused_before_publishing(bot) -> None:  # type: ignore[no-untyped-def]
    await bot.send(BOARD_ID, "/start")
    await bot.send(BOARD_ID, "/buatpolling")
    await bot.send(BOARD_ID, "Perbaikan jalan RW 09?")
    await bot.send(BOARD_ID, "Setuju\nTidak setuju")
    await bot.press(BOARD_ID, "Anggota satu RW")
    assert "RW 09 belum punya anggota" in texts(await bot.send(BOARD_ID, "RW 9"))
    await add_people(bot, [311], rw=9)
    assert tr_id(
        "Secret or open ballot?\nSecret: nobody, the board "
        "included, can see who chose what; a vote cannot be "
        "changed.\nOpen: each vote is recorded with the voter and "
        "may be changed until closing."
    ) in texts(await bot.send(BOARD_ID, "RW 9"))
