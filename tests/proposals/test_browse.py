"""/usulan, /usulanku, the deep link, and endorsing: what residents see and press."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.simulator import Simulator
from tests.support.i18n import tr_id, tr_nid
from tests.support.proposals import (
    MEMBER,
    PROPOSER,
    add_proposal,
    make_members,
    person_id,
    propose,
    rows,
    texts,
    write,
)

LISTING = "<b>Residents' proposals</b> (page {page} of {pages})"
ENDORSEMENTS = ("{n} endorsement", "{n} endorsements")
THANKS = (
    "Thank you for your support. {n} endorsement now.",
    "Thank you for your support. {n} endorsements now.",
)


def alert(calls: list) -> str:  # type: ignore[type-arg]
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers, "the press was not answered"
    return str(answers[0].params.get("text", ""))


async def test_the_list_pages_newest_first_and_filters(bot: Simulator, settings: Settings) -> None:
    await bot.send(PROPOSER, "/start")
    owner = person_id(settings.database, PROPOSER)

    def seed(conn) -> None:  # type: ignore[no-untyped-def]
        start = datetime(2026, 11, 1, tzinfo=UTC)
        for n in range(12):
            add_proposal(
                conn,
                owner,
                title=f"Usulan nomor {n + 1}",
                field="sosial" if n % 3 == 0 else "lingkungan",
                now=start + timedelta(hours=n),
            )

    await write(bot, seed)
    first = texts(await bot.send(MEMBER, "/usulan"))
    assert tr_id(LISTING, page=1, pages=3) in first
    assert first.index("USL-2026-0012") < first.index("USL-2026-0008")
    assert "USL-2026-0007" not in first
    second = texts(await bot.press(MEMBER, "Berikutnya »"))
    assert tr_id(LISTING, page=2, pages=3) in second and "USL-2026-0007" in second
    assert tr_id(LISTING, page=1, pages=3) in texts(await bot.press(MEMBER, "« Sebelumnya"))
    await bot.press(MEMBER, "Bidang")
    social = texts(await bot.press(MEMBER, "Sosial"))
    assert tr_id("Filter: {filter}", filter=tr_id("Social")) in social
    assert tr_id(LISTING, page=1, pages=1) in social
    assert social.count("USL-2026-") == 4
    await bot.press(MEMBER, "Status usulan")
    none = texts(await bot.press(MEMBER, "selesai"))
    assert tr_id("No proposals yet. Make the first one with /usul.") in none
    assert tr_id("Filter: {filter}", filter=f"{tr_id('Social')}, {tr_id('completed')}") in none
    for forged in ("usl:l:0:alien:-", "usl:l:x:-:-", "usl:l:0:-:hacked", "usl:lf:;DROP:-"):
        assert tr_id("This button is no longer valid.") in alert(
            await bot.press_data(MEMBER, forged, 1)
        ), forged


async def test_detail_my_proposals_and_the_deep_link(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    reference = await propose(bot, show_name=True)
    mine = texts(await bot.send(PROPOSER, "/usulanku"))
    assert reference in mine
    assert tr_id("<b>Your proposals</b> (page {page} of {pages})", page=1, pages=1) in mine
    assert tr_id("You have no proposals yet. Send /usul to make one.") in texts(
        await bot.send(MEMBER, "/usulanku")
    )
    detail = texts(await bot.send(MEMBER, f"/start usl_{reference}"))
    for expected in (
        reference,
        "Perbaikan saluran air RT 03",
        tr_id("Field: {field}", field=tr_id("Environment / infrastructure")),
        tr_id("Location: {rtrw}", rtrw="RT 03/RW 05"),
        "Perkiraan biaya: Rp1.500.000",
        tr_id("Proposed by: {name}", name=f"Anggota Nomor {PROPOSER}"),
        tr_nid(*ENDORSEMENTS, 0),
        tr_id("<b>Status history</b>"),
    ):
        assert expected in detail, expected
    assert tr_id("There is no proposal with the number {ref}.", ref="USL-2026-0404") in texts(
        await bot.send(MEMBER, "/start usl_USL-2026-0404")
    )
    assert reference in texts(await bot.send(MEMBER, f"/usulan {reference.lower()}"))
    for forged in ("usl:v:999", "usl:v:abc", "usl:v:" + "9" * 30, "usl:ph:1"):
        assert tr_id("This button is no longer valid.") in alert(
            await bot.press_data(MEMBER, forged, 1)
        ), forged


async def test_the_name_is_hidden_unless_chosen(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    reference = await propose(bot)
    detail = texts(await bot.send(MEMBER, f"/usulan {reference}"))
    resident = tr_id("resident of RT {rt}/RW {rw}", rt="03", rw="05")
    assert tr_id("Proposed by: {name}", name=resident) in detail
    assert "Anggota Nomor" not in detail


async def test_endorse_and_withdraw(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    reference = await propose(bot)
    await bot.send(MEMBER, f"/usulan {reference}")
    calls = await bot.press(MEMBER, "Dukung (0)")
    thanks = (
        "Thank you for your support. {n} endorsement now.",
        "Thank you for your support. {n} endorsements now.",
    )
    assert tr_nid(*thanks, 1) in alert(calls)
    assert next(b["text"] for b in bot.buttons(MEMBER)) == "Batal dukung (1)"
    assert tr_id("You already support this proposal.") in alert(
        await bot.press_data(MEMBER, "usl:d:1", 1)
    )
    assert tr_id("Your support is withdrawn.") in alert(
        await bot.press(MEMBER, "Batal dukung (1)")
    )
    assert rows(settings.database, "SELECT COUNT(*) FROM proposal_endorsements") == [(0,)]
    assert tr_id("You did not support it.") in alert(await bot.press_data(MEMBER, "usl:u:1", 1))


async def test_who_may_not_endorse(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    reference = await propose(bot)
    outsider = 999
    await bot.send(outsider, f"/usulan {reference}")
    assert tr_id("Only verified members can support proposals. Apply with /daftar.") in alert(
        await bot.press(outsider, "Dukung (0)")
    )
    # the proposer sees no support button, and a forged press is refused
    await bot.send(PROPOSER, f"/usulan {reference}")
    assert not any(b["text"].startswith("Dukung") for b in bot.buttons(PROPOSER))
    assert tr_id("You cannot support your own proposal.") in alert(
        await bot.press_data(PROPOSER, "usl:d:1", 1)
    )
    make_members(settings.database, [MEMBER])
    for forged in ("usl:d:999", "usl:d:", "usl:d:-1", "usl:u:999"):
        assert tr_id("This button is no longer valid.") in alert(
            await bot.press_data(MEMBER, forged, 1)
        ), forged
    assert rows(settings.database, "SELECT COUNT(*) FROM proposal_endorsements") == [(0,)]


async def test_200_members_endorsing_at_once_count_exactly_200(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    members = list(range(5000, 5200))
    make_members(settings.database, members)
    before = len(bot.api.calls)
    for member in members:  # every press queued before any is handled
        await bot.submit(bot.api.callback_update(member, member, 1, "usl:d:1", **bot._who(member)))
    # and a few members press twice
    for member in members[:20]:
        await bot.submit(bot.api.callback_update(member, member, 1, "usl:d:1", **bot._who(member)))
    await bot.settle(timeout=60)
    answers = [c for c in bot.api.calls[before:] if c.method == "answerCallbackQuery"]
    assert len(answers) == 220  # every press answered: 200 thanks, 20 "already"
    assert (
        sum(
            tr_id("You already support this proposal.") in str(c.params.get("text"))
            for c in answers
        )
        == 20
    )
    assert rows(settings.database, "SELECT COUNT(*) FROM proposal_endorsements") == [(200,)]
    [(count,)] = rows(
        settings.database, "SELECT COUNT(*) FROM audit WHERE action = 'proposal.endorsed'"
    )
    assert count == 200
    detail = texts(await bot.send(PROPOSER, "/usulan USL-2026-0001"))
    assert tr_nid(*ENDORSEMENTS, 200) in detail


async def test_reaching_the_threshold_tells_the_proposer_once(
    settings: Settings,
    make_bot,  # type: ignore[no-untyped-def]
) -> None:
    from bot.simulator import running

    bot = make_bot(settings, endorsement_threshold=2)
    async with running(bot.application):
        await bot.send(PROPOSER, "/start")
        make_members(settings.database, [PROPOSER, 401, 402, 403])
        await propose(bot)
        await bot.send(401, "/usulan USL-2026-0001")
        assert not [c for c in await bot.press(401, 1) if c.chat_id == PROPOSER]
        await bot.send(402, "/usulan USL-2026-0001")
        reached = [c for c in await bot.press(402, 1) if c.chat_id == PROPOSER]
        reached_text = tr_id(
            "Your proposal {ref} has {n} endorsements: it is now supported by residents and "
            "moves to the top of the board's review queue.",
            ref="USL-2026-0001",
            n=2,
        )
        assert len(reached) == 1 and reached_text in reached[0].text
        await bot.send(403, "/usulan USL-2026-0001")
        assert not [c for c in await bot.press(403, 1) if c.chat_id == PROPOSER]
        listing = texts(await bot.send(403, "/usulan"))
        assert tr_id("supported by residents") in listing


async def test_photos_are_shown_on_request(bot: Simulator, settings: Settings) -> None:
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Sosial")
    await bot.send(PROPOSER, "Posyandu lansia bulanan")
    await bot.send(PROPOSER, "Lansia di RW 05 belum punya posyandu rutin setiap bulan.")
    await bot.send(PROPOSER, "RT 1 RW 5")
    await bot.press(PROPOSER, "Lanjut")
    await bot.send(PROPOSER, "3 juta")
    for _ in range(3):
        last = await bot.send_photo(PROPOSER)
    show_name = (
        'Show the proposer\'s name publicly? If not, the public sees only "resident of RT x/RW y".'
    )
    assert tr_id(show_name) in texts(last)  # the third photo moves on by itself
    await bot.press(PROPOSER, "Tidak, sembunyikan nama")
    await bot.press(PROPOSER, "Kirim")
    await bot.send(MEMBER, "/usulan USL-2026-0001")
    calls = await bot.press(MEMBER, "Foto (3)")
    assert [c.method for c in calls].count("sendPhoto") == 3


async def test_browsing_and_supporting_in_english(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot)
    bot.languages[MEMBER] = "en"
    await bot.send(MEMBER, "/language")
    await bot.press(MEMBER, "English")
    listing = texts(await bot.send(MEMBER, "/proposals"))
    assert "Residents' proposals (page 1 of 1)" in listing and "0 endorsements" in listing
    detail = texts(await bot.press(MEMBER, 1))
    assert "Field: Environment / infrastructure" in detail
    assert "Proposed by: resident of RT 03/RW 05" in detail and "Status history" in detail
    assert "1 endorsement now" in alert(await bot.press(MEMBER, "Support (0)"))
    assert "You have no proposals yet" in texts(await bot.send(MEMBER, "/myproposals"))
    assert "no proposal with the number" in texts(await bot.send(MEMBER, "/start usl_nothing"))
