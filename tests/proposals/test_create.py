"""/usul as residents live it: every step, bad answers, Ubah, drafts, restarts."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import GROUP_CHAT_ID, Simulator, running
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_nid
from tests.support.proposals import MEMBER, PROPOSER, make_members, propose, rows, texts

WHERE_QUESTION = tr_id(
    "Where is it? Write the RT and RW (for example RT 3 RW 5), share a location "
    "(📎 → Location), or both. Press Next when done."
)
COST_QUESTION = tr_id("Estimated cost? For example 1.500.000, 1,5 juta or 750 ribu.")
NAME_QUESTION = tr_id(
    'Show the proposer\'s name publicly? If not, the public sees only "resident of RT x/RW y".'
)
THANKS = (
    "Thank you! Your proposal is saved and public. Proposal number: <b>{ref}</b>.\n"
    "The BKM board will review it; you will be told of every change."
)
TOO_SHORT = "That is too short: write at least {minimum} characters."
TOO_LONG = "That is too long: at most {maximum} characters (you wrote {length})."
WANT_TEXT = tr_id("Please write your answer as text.")
UNREADABLE_AMOUNT = "I could not read that amount. Write it like 1.500.000, 1,5 juta or 750 ribu."
TOO_MUCH = "That is more than the largest amount accepted, {ceiling}."
PAUSED = tr_id(
    "You were away for a while, so I paused. Your answers are kept: "
    "send the command again to continue."
)
UNFINISHED = tr_id("You have an unfinished proposal. Continue where you stopped?")
SUPPORTED = tr_id("Thank you. You support {ref}; your own draft was discarded.")


async def test_the_whole_flow_in_indonesian(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/start")
    assert tr_id("Which field (bidang) is the proposal about?") in texts(
        await bot.send(PROPOSER, "/usul")
    )
    assert tr_id(
        "Give it a short title (5 to 120 characters), for example: Perbaikan saluran air RT 03."
    ) in texts(await bot.press(PROPOSER, "Lingkungan / infrastruktur"))
    assert tr_id("Describe the problem and what should be done (20 to 2000 characters).") in texts(
        await bot.send(PROPOSER, "Perbaikan saluran air RT 03")
    )
    assert WHERE_QUESTION in texts(
        await bot.send(PROPOSER, "Saluran air di depan musala mampet dan meluap setiap hujan.")
    )
    got = texts(await bot.send(PROPOSER, "RT 3 RW 5"))
    assert (
        tr_id("{rtrw} received.", rtrw="RT 03/RW 05") in got
        and tr_id("You may also share a map location.") in got
    )
    assert COST_QUESTION in texts(await bot.send_location(PROPOSER))
    assert tr_id("Send up to {n} photos, or skip.", n=3) in texts(
        await bot.send(PROPOSER, "1,5 juta")
    )
    await bot.send_photo(PROPOSER)
    assert tr_id("{have} of {n} received.", have=2, n=3) in texts(
        await bot.send_photo(PROPOSER, caption="x")
    )
    asked = texts(await bot.press(PROPOSER, "Selesai"))
    assert NAME_QUESTION in asked
    summary = texts(await bot.press(PROPOSER, "Tidak, sembunyikan nama"))
    for expected in (
        tr_id("Field: {field}", field=tr_id("Environment / infrastructure")),
        "Perbaikan saluran air RT 03",
        "RT 03/RW 05",
        tr_id("Map location shared"),
        "Rp1.500.000",
        tr_nid("{n} photo", "{n} photos", 2),
        tr_id("Name shown publicly: {answer}", answer=tr_id("no")),
    ):
        assert expected in summary, expected
    sent = await bot.press(PROPOSER, "Kirim")
    confirmed = texts([c for c in sent if c.chat_id == PROPOSER])
    assert tr_id(THANKS, ref="USL-2026-0001") in confirmed
    assert "https://t.me/bkm_kelurahan_bot?start=usl_USL-2026-0001" in confirmed
    assert any(c.chat_id == BOARD_ID and "USL-2026-0001" in c.text for c in sent)
    assert rows(
        settings.database,
        "SELECT reference, field, rt, rw, estimated_cost, status, show_name FROM proposals",
    ) == [("USL-2026-0001", "lingkungan", 3, 5, 1_500_000, "baru", 0)]
    detail = texts(await bot.press(PROPOSER, "Lihat usulan"))
    assert tr_id("resident of RT {rt}/RW {rw}", rt="03", rw="05") in detail
    assert tr_id("new") in detail


async def test_the_whole_flow_in_english(bot: Simulator, settings: Settings) -> None:
    bot.languages[PROPOSER] = "en"
    assert "Which field" in texts(await bot.send(PROPOSER, "/propose"))
    await bot.press(PROPOSER, "Social")
    assert "Describe the problem" in texts(await bot.send(PROPOSER, "Monthly elderly health post"))
    await bot.send(PROPOSER, "Our elderly residents have no regular health check in RW 05.")
    await bot.send_location(PROPOSER)
    assert "Estimated cost" in texts(await bot.press(PROPOSER, "Next"))
    assert "Send up to 3 photos" in texts(await bot.send(PROPOSER, "2m"))  # a million in English
    await bot.press(PROPOSER, "Skip")
    summary = texts(await bot.press(PROPOSER, "Yes, show the name"))
    assert "Rp2.000.000" in summary and " - " not in summary and "Map location shared" in summary
    assert "Name shown publicly: yes" in summary and "Social" in summary
    done = texts(await bot.press(PROPOSER, "Submit"))
    assert "Proposal number: USL-2026-0001" in done
    assert rows(
        settings.database, "SELECT estimated_cost, rt, latitude IS NOT NULL FROM proposals"
    ) == [(2_000_000, None, 1)]
    detail = texts(await bot.press(PROPOSER, "View proposal"))
    assert "Warga 301" not in detail  # no verified name yet: the public sees "resident"
    assert "Status history" in detail and "new" in detail


async def test_i_dont_know_the_cost(bot: Simulator, settings: Settings) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Ekonomi")
    await bot.send(PROPOSER, "Pelatihan pemasaran online UMKM")
    await bot.send(PROPOSER, "Pelatihan tiga kali untuk pelaku usaha kecil di RW 05.")
    await bot.send(PROPOSER, "03/05")
    await bot.press(PROPOSER, "Lanjut")
    await bot.press(PROPOSER, "Tidak tahu")
    await bot.press(PROPOSER, "Lewati")
    summary = texts(await bot.press(PROPOSER, "Tidak, sembunyikan nama"))
    assert tr_id("Estimated cost: {cost}", cost=tr_id("unknown")) in summary
    await bot.press(PROPOSER, "Kirim")
    assert rows(settings.database, "SELECT estimated_cost FROM proposals") == [(None,)]


async def start_to_title(bot: Simulator) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lingkungan / infrastruktur")


async def test_bad_answers_are_re_asked_keeping_earlier_ones(
    bot: Simulator, settings: Settings
) -> None:
    await start_to_title(bot)
    for bad, reason in (
        (" ", tr_id(TOO_SHORT, minimum=5)),
        ("abc", tr_id(TOO_SHORT, minimum=5)),
        ("x" * 121, tr_id(TOO_LONG, maximum=120, length=121)),
        ("\u200b\u200b\u200b\u200b\u200b\u200b", tr_id(TOO_SHORT, minimum=5)),
    ):
        assert reason in texts(await bot.send(PROPOSER, bad)), bad
    assert WANT_TEXT in texts(await bot.send_photo(PROPOSER))
    assert WANT_TEXT in texts(await bot.send_voice(PROPOSER))
    title = "<b>Jalan</b> & 'gang' \"Melati\" 🌺 שלום'; DROP TABLE proposals;--"
    await bot.send(PROPOSER, title)
    assert tr_id(TOO_SHORT, minimum=20) in texts(await bot.send(PROPOSER, "pendek"))
    assert tr_id(TOO_LONG, maximum="2.000", length="2.001") in texts(
        await bot.send(PROPOSER, "y" * 2001)
    )
    await bot.send(PROPOSER, "Deskripsi <i>miring</i> & *bintang* _garis_ `kode` cukup panjang.")
    for bad in ("RT tiga", "RT 0 RW 0", "💥" * 50):
        assert tr_id("I could not read that RT/RW.") in texts(await bot.send(PROPOSER, bad)), bad
    refused = [c for c in await bot.press(PROPOSER, "Lanjut") if c.method == "answerCallbackQuery"]
    assert tr_id("Write the RT and RW or share a location first.") in refused[0].params["text"]
    await bot.send(PROPOSER, "RT 3 RW 5")
    await bot.press(PROPOSER, "Lanjut")
    for bad, reason in (
        ("-500.000", tr_id("An amount cannot be negative.")),
        ("0", tr_id("The amount must be more than zero.")),
        ("lima ratus", tr_id(UNREADABLE_AMOUNT)),
        ("6 miliar", tr_id(TOO_MUCH, ceiling="Rp5.000.000.000")),
    ):
        assert reason in texts(await bot.send(PROPOSER, bad)), bad
    await bot.send(PROPOSER, "750rb")
    assert tr_id("Please send a photo, or press Skip / Done to go on.") in texts(
        await bot.send(PROPOSER, "ini bukan foto")
    )
    await bot.press(PROPOSER, "Lewati")
    assert tr_id("Please choose one of the buttons.") in texts(await bot.send(PROPOSER, "tidak"))
    summary_calls = await bot.press(PROPOSER, "Tidak, sembunyikan nama")
    summary = [c for c in summary_calls if c.method == "sendMessage"][-1]
    # shown back exactly as typed, and the HTML did not break the message
    assert title in summary.text and "<i>miring</i>" in summary.text
    assert summary.error is None
    assert "Rp750.000" in summary.text
    await bot.press(PROPOSER, "Kirim")
    assert rows(settings.database, "SELECT title FROM proposals") == [(title,)]


async def test_back_and_change_keep_every_other_answer(bot: Simulator) -> None:
    await start_to_title(bot)
    await bot.send(PROPOSER, "Perbaikan jalan gang Melati")
    assert tr_id(
        "Give it a short title (5 to 120 characters), for example: Perbaikan saluran air RT 03."
    ) in texts(await bot.press(PROPOSER, "Kembali"))
    await bot.send(PROPOSER, "Perbaikan jalan gang Mawar")
    await bot.send(PROPOSER, "Jalan gang berlubang dan berbahaya bagi anak-anak sekolah.")
    await bot.send(PROPOSER, "RT 3 RW 5")
    await bot.press(PROPOSER, "Lanjut")
    await bot.send(PROPOSER, "2 juta")
    await bot.press(PROPOSER, "Lewati")
    await bot.press(PROPOSER, "Tidak, sembunyikan nama")
    assert tr_id("What do you want to change?") in texts(await bot.press(PROPOSER, "Ubah"))
    await bot.press(PROPOSER, "Perkiraan biaya")
    summary = texts(await bot.send(PROPOSER, "3,5 juta"))  # straight back to the summary
    assert "Rp3.500.000" in summary and "gang Mawar" in summary and "RT 03/RW 05" in summary
    await bot.press(PROPOSER, "Ubah")
    await bot.press(PROPOSER, "Bidang")
    summary = texts(await bot.press(PROPOSER, "Sosial"))
    assert tr_id("Field: {field}", field=tr_id("Social")) in summary and "Rp3.500.000" in summary
    assert "USL-2026-0001" in texts(await bot.press(PROPOSER, "Kirim"))


async def test_a_stale_summary_button_changes_nothing(bot: Simulator, settings: Settings) -> None:
    await propose(bot)
    old_send = next(
        c for c in reversed(bot.api.calls) if any("usl:send:" in str(b) for b in c.buttons)
    )
    data = next(b["callback_data"] for b in old_send.buttons if "usl:send:" in b["callback_data"])
    message_id = old_send.result["message_id"]
    calls = await bot.press_data(PROPOSER, data, message_id)
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and answers[0].params.get("show_alert")
    # a new draft in progress: the old summary's Kirim still does not send it
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Sosial")
    calls = await bot.press_data(PROPOSER, data, message_id)
    assert next(c for c in calls if c.method == "answerCallbackQuery").params.get("show_alert")
    assert rows(settings.database, "SELECT COUNT(*) FROM proposals") == [(1,)]


async def test_cancel_discards_the_draft(bot: Simulator, settings: Settings) -> None:
    await start_to_title(bot)
    await bot.send(PROPOSER, "Perbaikan jalan gang Melati")
    assert tr_id("Cancelled. Nothing was sent.") in texts(await bot.send(PROPOSER, "/batal"))
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_a_left_or_idle_draft_is_offered_back(bot: Simulator, clock: FakeClock) -> None:
    await start_to_title(bot)
    await bot.send(PROPOSER, "Perbaikan jalan gang Melati")
    clock.advance(timedelta(minutes=31))
    assert PAUSED in texts(
        await bot.send(PROPOSER, "Jalan gang berlubang dan berbahaya bagi anak-anak.")
    )
    assert UNFINISHED in texts(await bot.send(PROPOSER, "/usul"))
    assert tr_id("Describe the problem and what should be done (20 to 2000 characters).") in texts(
        await bot.press(PROPOSER, "Lanjutkan")
    )
    await bot.send(PROPOSER, "Jalan gang berlubang dan berbahaya bagi anak-anak.")
    # leaving mid-flow for another command, then coming back
    await bot.send(PROPOSER, "/usulan")
    assert UNFINISHED in texts(await bot.send(PROPOSER, "/usul"))
    assert tr_id("Which field (bidang) is the proposal about?") in texts(
        await bot.press(PROPOSER, "Mulai dari awal")
    )


async def test_the_flow_resumes_after_kill_9(
    bot: Simulator,
    settings: Settings,
    make_bot,  # type: ignore[no-untyped-def]
) -> None:
    await start_to_title(bot)
    await bot.send(PROPOSER, "Perbaikan jalan gang Melati")
    await bot.send(PROPOSER, "Jalan gang berlubang dan berbahaya bagi anak-anak.")
    # a second Application on the same file, as after kill -9: no graceful flush happened
    second = make_bot(settings)
    async with running(second.application):
        got = texts(await second.send(PROPOSER, "RT 3 RW 5"))
        assert tr_id("{rtrw} received.", rtrw="RT 03/RW 05") in got
        await second.press(PROPOSER, "Lanjut")
        await second.send(PROPOSER, "1,5 juta")
        await second.press(PROPOSER, "Lewati")
        summary = texts(await second.press(PROPOSER, "Tidak, sembunyikan nama"))
        assert "gang Melati" in summary and "berlubang" in summary
        assert "USL-2026-0001" in texts(await second.press(PROPOSER, "Kirim"))


async def test_similar_proposals_are_offered_and_can_be_supported_instead(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot, MEMBER, title="Perbaikan saluran air RT 03")
    await start_to_title(bot)
    offered = texts(await bot.send(PROPOSER, "Saluran air mampet di RT 03"))
    assert (
        tr_id("Similar proposals already exist. You can support one instead:") in offered
        and "USL-2026-0001" in offered
    )
    done = texts(await bot.press(PROPOSER, "Dukung USL-2026-0001 saja"))
    assert SUPPORTED.format(ref="USL-2026-0001") in done
    assert rows(settings.database, "SELECT COUNT(*) FROM proposal_endorsements") == [(1,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_a_non_member_is_told_and_can_continue_with_their_own(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [MEMBER])
    await propose(bot, MEMBER, title="Perbaikan saluran air RT 03")
    await start_to_title(bot)
    await bot.send(PROPOSER, "Saluran air mampet di RT 03")
    calls = await bot.press(PROPOSER, "Dukung USL-2026-0001 saja")
    assert (
        tr_id("Only verified members can support proposals. Apply with /daftar.")
        in calls[0].params["text"]
    )
    assert tr_id("Describe the problem and what should be done (20 to 2000 characters).") in texts(
        await bot.press(PROPOSER, "Lanjutkan usulan saya sendiri")
    )


async def test_in_a_group_the_flow_continues_in_private(bot: Simulator) -> None:
    calls = await bot.send(PROPOSER, "/usul", group=True)
    assert tr_id("This needs your personal data, so we continue in a private chat.") in texts(
        calls
    )
    assert calls[-1].buttons[0]["url"].endswith("?start=usul")
    assert tr_id("Which field (bidang) is the proposal about?") in texts(
        await bot.press(PROPOSER, 1, chat_id=GROUP_CHAT_ID)
    )


async def test_each_step_is_committed_before_the_next_question(
    bot: Simulator, settings: Settings
) -> None:
    await start_to_title(bot)
    await bot.send(PROPOSER, "Perbaikan jalan gang Melati")
    [(step, data)] = rows(settings.database, "SELECT step, data FROM drafts")
    assert step == "DESCRIPTION" and "gang Melati" in data
