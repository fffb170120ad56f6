"""/lapor as residents use it: each identity mode, bad input, the daily limit."""

from __future__ import annotations

from bot.config import Settings
from bot.simulator import Simulator
from tests.conftest import BOARD_ID
from tests.support.grievances import (
    DESCRIPTION,
    file_report,
    reference,
    rows,
    texts,
    to,
)
from tests.support.i18n import tr_id, tr_nid, tr_part

RESIDENT = 301
SENT = (
    "Sent. Your report number is <b>{ref}</b>. You will get a message here whenever "
    "its status changes or the board replies; /laporanku shows your reports."
)
NEW_REPORT = tr_id("New report {ref} ({category}). Open /pengaduan to handle it.")
LENGTH_REFUSALS = (
    "That is too short: write at least {minimum} characters.",
    "That is too long: at most {maximum} characters (you wrote {length}).",
)
IDENTITY_QUESTION = tr_id(
    "Who may know that you reported this?\n"
    "• <b>Open</b>: the board sees your name; if the report is listed publicly, "
    "your name is shown there too.\n"
    "• <b>Confidential</b>: the board sees your name; it is never shown anywhere else.\n"
    "• <b>Anonymous</b>: nothing that identifies you is stored. You get a number and a "
    "secret code and follow the report with /cek. Anonymous reports get no messages "
    "from the bot: you check them yourself."
)
PAUSED = tr_id(
    "You were away for a while, so I paused. Your answers are kept: "
    "send the command again to continue."
)
DAILY_LIMIT = (
    "You have sent {n} report today, the most allowed in one day. "
    "Please send a new one tomorrow; /laporanku shows the ones you sent.",
    "You have sent {n} reports today, the most allowed in one day. "
    "Please send a new one tomorrow; /laporanku shows the ones you sent.",
)
RECEIVED = "Received ({n} of {most}). Send more, or press Done."
WHERE_QUESTION = tr_id(
    "Where is it? Write the RT/RW (for example RT 3 RW 5), share a location "
    "with the paperclip button, or skip."
)


async def test_an_open_report_end_to_end(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    bot.names[RESIDENT] = "Siti"
    calls = await file_report(bot, RESIDENT, identity="Terbuka", expected="Diperbaiki bulan ini")
    ref = reference(calls)
    assert ref == "LPR-2026-0001"
    assert tr_id(SENT, ref=ref) in texts(to(calls, RESIDENT))
    board = texts(to(calls, BOARD_ID))
    assert NEW_REPORT.format(ref=ref, category=tr_id("Infrastructure")) in board
    assert rows(settings.database, "SELECT status, identity, public FROM grievances") == [
        ("diterima", "terbuka", 1)
    ]


async def test_bad_answers_are_re_asked_and_nothing_is_lost(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(RESIDENT, "/lapor")
    assert tr_id("Please choose one of the buttons.") in texts(
        await bot.send(RESIDENT, "keuangan")
    )
    await bot.press(RESIDENT, "Keuangan/Dana")
    for bad in ("terlalu pendek", "x" * 4001, "\u200b" * 30):
        shown = texts(await bot.send(RESIDENT, bad))
        assert any(tr_part(m) in shown for m in LENGTH_REFUSALS), bad[:20]
    tricky = "<b>Dana</b> & 'KSM'; DROP TABLE grievances; -- 🙂 \u05e9\u05dc\u05d5\u05dd dipakai"
    assert tr_id("How much money is involved? For example: 1,5 juta or 750rb.") in texts(
        await bot.send(RESIDENT, tricky)
    )
    for bad in ("banyak sekali", "-5 juta", "0"):
        calls = await bot.send(RESIDENT, bad)
        assert tr_id("How much money is involved? For example: 1,5 juta or 750rb.") not in texts(
            calls
        ) and texts(calls), bad
    [(data,)] = rows(settings.database, "SELECT data FROM drafts")
    assert "DROP TABLE grievances" in data  # the description typed before is kept
    await bot.send(RESIDENT, "1,5 juta")
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(RESIDENT, "ok")
    )
    await bot.send(RESIDENT, "Dana dikembalikan ke kas")
    assert tr_id("I could not read that RT/RW. Write it like this: RT 3 RW 5, or 03/05.") in texts(
        await bot.send(RESIDENT, "di dekat masjid")
    )
    await bot.send(RESIDENT, "RT 3 RW 5")
    await bot.press(RESIDENT, "Lewati")
    await bot.press(RESIDENT, "Terbuka")
    summary = await bot.press(RESIDENT, "Tidak")
    shown = texts(summary)
    assert tricky in shown and "Rp1.500.000" in shown and "RT 03/RW 05" in shown
    assert summary[-1].error is None  # the HTML characters did not break the message
    await bot.press(RESIDENT, "Kirim")
    assert rows(settings.database, "SELECT description, amount FROM grievances") == [
        (tricky, 1_500_000)
    ]
    assert rows(settings.database, "SELECT COUNT(*) FROM grievances") == [(1,)]


async def test_change_one_part_from_the_summary(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/lapor")
    await bot.press(RESIDENT, "Infrastruktur")
    await bot.send(RESIDENT, DESCRIPTION)
    await bot.press(RESIDENT, "Lewati")
    await bot.send(RESIDENT, "RT 2 RW 1")
    await bot.press(RESIDENT, "Lewati")
    await bot.press(RESIDENT, "Terbuka")
    await bot.press(RESIDENT, "Tidak")
    await bot.press(RESIDENT, "Ubah")
    await bot.press(RESIDENT, "Kategori")
    # switching to Keuangan/Dana asks the amount it needs, then comes back to the summary
    assert tr_id("How much money is involved? For example: 1,5 juta or 750rb.") in texts(
        await bot.press(RESIDENT, "Keuangan/Dana")
    )
    summary = texts(await bot.send(RESIDENT, "750rb"))
    assert (
        tr_id("Finance / funds") in summary and "Rp750.000" in summary and DESCRIPTION in summary
    )
    await bot.press(RESIDENT, "Ubah")
    assert IDENTITY_QUESTION in texts(await bot.press(RESIDENT, "Identitas"))
    assert tr_id("Identity: {identity}", identity=tr_id("Confidential")) in texts(
        await bot.press(RESIDENT, "Rahasia")
    )
    await bot.press(RESIDENT, "Kirim")
    assert rows(settings.database, "SELECT category, amount, identity FROM grievances") == [
        ("keuangan", 750_000, "rahasia")
    ]


async def test_cancel_and_an_idle_report_is_offered_back(bot: Simulator, clock) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    await bot.send(RESIDENT, "/lapor")
    await bot.press(RESIDENT, "Pelayanan")
    await bot.send(RESIDENT, DESCRIPTION)
    clock.advance(timedelta(minutes=31))
    assert PAUSED in texts(await bot.send(RESIDENT, "Diperbaiki"))
    assert tr_id("You have an unfinished report. Continue where you stopped?") in texts(
        await bot.send(RESIDENT, "/lapor")
    )
    assert tr_id("What outcome do you expect? (optional)") in texts(
        await bot.press(RESIDENT, "Lanjutkan")
    )
    assert tr_id("Cancelled. Nothing was sent.") in texts(await bot.send(RESIDENT, "/batal"))
    assert tr_id("What is the report about?") in texts(await bot.send(RESIDENT, "/lapor"))


async def test_the_daily_limit_counts_named_and_anonymous_reports(
    settings: Settings,
    make_bot,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    from datetime import timedelta

    from bot.simulator import running

    limited = make_bot(settings, grievance_daily_limit=3)
    async with running(limited.application):
        await file_report(limited, RESIDENT, identity="Terbuka")
        await file_report(limited, RESIDENT, identity="Anonim")
        await file_report(limited, RESIDENT, identity="Rahasia")
        refused = texts(await limited.send(RESIDENT, "/lapor"))
        assert tr_nid(*DAILY_LIMIT, 3) in refused
        assert rows(settings.database, "SELECT COUNT(*) FROM grievances") == [(3,)]
        # another resident is not affected
        assert tr_id("What is the report about?") in texts(
            await limited.send(RESIDENT + 1, "/lapor")
        )
        # the next local day the count starts again
        clock.advance(timedelta(days=1))
        assert tr_id("What is the report about?") in texts(await limited.send(RESIDENT, "/lapor"))


async def test_in_a_group_the_report_continues_in_a_private_chat(bot: Simulator) -> None:
    calls = await bot.send(RESIDENT, "/lapor", group=True)
    [message] = [c for c in calls if c.method == "sendMessage"]
    assert message.buttons[0]["url"].endswith("?start=lapor")
    assert tr_id("What is the report about?") in texts(
        await bot.press(RESIDENT, 1, chat_id=message.chat_id)
    )


async def test_english_speakers_report_in_english(bot: Simulator) -> None:
    bot.languages[RESIDENT] = "en"
    await bot.send(RESIDENT, "/report")
    await bot.press(RESIDENT, "Service")
    await bot.send(RESIDENT, "The BKM office was closed for the whole week without notice.")
    await bot.press(RESIDENT, "Skip")
    await bot.press(RESIDENT, "Skip")
    assert "Anonymous reports get no messages" in texts(await bot.press(RESIDENT, "Skip"))
    await bot.press(RESIDENT, "Anonymous")
    await bot.press(RESIDENT, "No")
    calls = await bot.press(RESIDENT, "Submit")
    assert "Secret code" in texts(calls) and reference(calls)


async def test_the_longest_report_full_of_html_characters_reaches_the_board(
    bot: Simulator, settings: Settings
) -> None:
    await bot.send(BOARD_ID, "/start")
    text = "<&>" * 1333 + "x"  # 4000 characters that triple in size when escaped
    ref = reference(await file_report(bot, RESIDENT, description=text))
    await bot.send(BOARD_ID, "/pengaduan")
    calls = await bot.press(BOARD_ID, ref)
    assert all(c.error is None for c in calls)
    shown = "".join(c.text.replace("\n", "") for c in calls if c.method == "sendMessage")
    assert text in shown
    await bot.send(RESIDENT, "/laporanku")
    calls = await bot.press(RESIDENT, ref)
    assert all(c.error is None for c in calls)


async def test_audio_files_are_evidence_too(bot: Simulator, settings: Settings) -> None:
    await bot.send(RESIDENT, "/lapor")
    await bot.press(RESIDENT, "Lainnya")
    await bot.send(RESIDENT, DESCRIPTION)
    await bot.press(RESIDENT, "Lewati")
    await bot.press(RESIDENT, "Lewati")
    audio = {**bot.api.add_file(b"ID3 audio", "rekaman.mp3"), "duration": 30}
    assert tr_id(RECEIVED, n=1, most=5) in texts(await bot.send_raw(RESIDENT, {"audio": audio}))
    assert tr_id(RECEIVED, n=2, most=5) in texts(await bot.send_photo(RESIDENT))
    await bot.press(RESIDENT, "Selesai")
    await bot.press(RESIDENT, "Rahasia")
    await bot.press(RESIDENT, "Tidak")
    await bot.press(RESIDENT, "Kirim")
    assert rows(settings.database, "SELECT kind FROM grievance_evidence ORDER BY id") == [
        ("audio",),
        ("photo",),
    ]
    await bot.send(BOARD_ID, "/pengaduan")
    await bot.press(BOARD_ID, "LPR-2026-0001")
    calls = await bot.press(BOARD_ID, "Bukti (2)")
    sent = [c.method for c in calls if c.method.startswith("send") and c.error is None]
    assert sent == ["sendAudio", "sendPhoto"]


async def test_a_report_resumes_in_a_new_application_on_the_same_database(
    bot: Simulator,
    settings: Settings,
    make_bot,  # type: ignore[no-untyped-def]
) -> None:
    from bot.simulator import running

    await bot.send(RESIDENT, "/lapor")
    await bot.press(RESIDENT, "Infrastruktur")
    await bot.send(RESIDENT, DESCRIPTION)
    # no graceful stop of the first: a new application on the same file carries on
    second = make_bot(settings)
    async with running(second.application):
        assert WHERE_QUESTION in texts(await second.send(RESIDENT, "Segera diperbaiki"))
        await second.send(RESIDENT, "RT 2 RW 1")
        await second.press(RESIDENT, "Lewati")
        await second.press(RESIDENT, "Terbuka")
        summary = texts(await second.press(RESIDENT, "Tidak"))
        assert DESCRIPTION in summary and "Segera diperbaiki" in summary
        assert "LPR-2026-0001" in texts(await second.press(RESIDENT, "Kirim"))
