"""The board's review: /tinjau, status changes with reasons, progress, hiding, filing on behalf."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from bot.config import Settings
from bot.simulator import GROUP_CHAT_ID, Simulator
from tests.conftest import BOARD_ID
from tests.support.cli import run_cli, run_main
from tests.support.i18n import tr, tr_id, tr_nid, tr_part
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


def alert(calls: list) -> str:  # type: ignore[type-arg]
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers, "the press was not answered"
    return str(answers[0].params.get("text", ""))


def to(calls: list, chat: int) -> str:  # type: ignore[type-arg]
    return texts([c for c in calls if c.chat_id == chat])


REF = "USL-2026-0001"
TITLE = "Perbaikan saluran air RT 03"  # the title tests.support.proposals.propose writes
WAITING = (
    "<b>Review</b>: {n} proposal waits (page {page} of {pages}).",
    "<b>Review</b>: {n} proposals wait (page {page} of {pages}).",
)
IS_NOW = "{ref} is now: {status}. The proposer has been told."
TOLD = "Your proposal {ref} ({title}) is now: {status}."
PROGRESS = "Progress on proposal {ref} ({title}): {percent}% done.\n{note}"
NOTE = "Galian <saluran> 30 meter & pemasangan U-ditch dimulai."


async def open_as_board(bot: Simulator, reference: str = "USL-2026-0001") -> str:
    return texts(await bot.send(BOARD_ID, f"/usulan {reference}"))


async def test_the_whole_review_path_with_notifications(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    bot.languages[PROPOSER] = "en"
    await bot.send(PROPOSER, "/bahasa")
    await bot.press(PROPOSER, "English")
    await bot.send(PROPOSER, "/propose")
    await bot.press(PROPOSER, "Environment / infrastructure")
    await bot.send(PROPOSER, "Repair the drain in RT 03")
    await bot.send(PROPOSER, "The drain in front of the prayer house overflows when it rains.")
    await bot.send(PROPOSER, "RT 3 RW 5")
    await bot.press(PROPOSER, "Next")
    await bot.send(PROPOSER, "15 million")
    await bot.press(PROPOSER, "Skip")
    await bot.press(PROPOSER, "No, keep the name hidden")
    await bot.press(PROPOSER, "Submit")
    await bot.send(MEMBER, "/usulan USL-2026-0001")
    await bot.press(MEMBER, "Dukung (0)")

    queue = texts(await bot.send(BOARD_ID, "/tinjau"))
    assert tr_nid(*WAITING, 1, page=1, pages=1) in queue and REF in queue
    detail = texts(await bot.press(BOARD_ID, 1))
    assert "Repair the drain" in detail
    labels = [b["text"] for b in bot.buttons(BOARD_ID)]
    assert [x for x in labels if x in ("Verifikasi", "Tolak", "Minta revisi")] == [
        "Verifikasi",
        "Tolak",
        "Minta revisi",
    ]
    assert "Tandai didanai" not in labels  # only valid transitions are offered

    verified = await bot.press(BOARD_ID, "Verifikasi")
    assert tr_id(IS_NOW, ref=REF, status=tr_id("verified")) in to(verified, BOARD_ID)
    assert "Your proposal USL-2026-0001 (Repair the drain in RT 03) is now: verified." in to(
        verified, PROPOSER
    )

    await open_as_board(bot)
    assert tr_id("The board's cost estimate for {ref}? For example 15 juta.", ref=REF) in texts(
        await bot.press(BOARD_ID, "Terima ke daftar prioritas")
    )
    assert tr_id(
        "I could not read that amount. Write it like 1.500.000, 1,5 juta or 750 ribu."
    ) in texts(await bot.send(BOARD_ID, "banyak"))
    assert tr_id("When is it planned to be carried out? For example: Juli–Agustus 2027.") in texts(
        await bot.press(BOARD_ID, "Sama dengan usulan: Rp15.000.000")
    )
    accepted = await bot.send(BOARD_ID, "Juli–Agustus 2027")
    told = to(accepted, PROPOSER)
    assert "is now: accepted" in told and "Rp15.000.000" in told and "Juli–Agustus 2027" in told

    await open_as_board(bot)
    await bot.press(BOARD_ID, "Tandai didanai")
    detail = await open_as_board(bot)
    assert "Catat perkembangan" in [b["text"] for b in bot.buttons(BOARD_ID)]
    await bot.press(BOARD_ID, "Catat perkembangan")
    assert tr_id("Write a number from 0 to 100.") in texts(await bot.send(BOARD_ID, "150"))
    await bot.send(BOARD_ID, "40%")
    await bot.send(BOARD_ID, NOTE)
    posted = await bot.send_photo(BOARD_ID)
    assert tr_id("Progress posted on {ref}. The proposer and supporters are told.", ref=REF) in to(
        posted, BOARD_ID
    )
    progress_to_proposer = [c for c in posted if c.chat_id == PROPOSER]
    assert progress_to_proposer and progress_to_proposer[0].method == "sendPhoto"
    assert "40% done" in progress_to_proposer[0].text
    assert "Galian <saluran> 30 meter" in progress_to_proposer[0].text
    # every endorser, in their language
    assert tr_id(
        PROGRESS, ref=REF, title="Repair the drain in RT 03", percent=40, note=escape(NOTE)
    ) in to(posted, MEMBER)

    await open_as_board(bot)
    await bot.press(BOARD_ID, "Tandai dikerjakan")
    await open_as_board(bot)
    done = await bot.press(BOARD_ID, "Tandai selesai")
    assert "is now: completed" in to(done, PROPOSER)
    public = texts(await bot.send(MEMBER, "/usulan USL-2026-0001"))
    for status in ("new", "verified", "accepted", "funded", "in progress", "completed"):
        assert tr_id(status) in public, status
    assert "40% — Galian <saluran>" in public
    pictures = await bot.press(MEMBER, "Foto (1)")  # the progress photo
    assert [c.params.get("caption") for c in pictures if c.method == "sendPhoto"] == [
        "USL-2026-0001 · 28 November 2026 · 40%"
    ]
    assert tr_id("Planned for: {period}", period="Juli–Agustus 2027") in public
    actions = rows(
        settings.database,
        "SELECT action FROM audit WHERE object_type LIKE 'proposal%' ORDER BY id",
    )
    assert [a for (a,) in actions] == [
        "proposal.submitted",
        "proposal.endorsed",
        "proposal.terverifikasi",
        "proposal.diterima",
        "proposal.didanai",
        "proposal.progress",
        "proposal.dikerjakan",
        "proposal.selesai",
    ]
    dump = str(rows(settings.database, "SELECT * FROM audit"))
    assert "drain" not in dump and "Galian" not in dump and str(PROPOSER) not in dump


async def test_reject_and_revision_need_a_reason_told_to_the_proposer(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    await open_as_board(bot)
    assert tr_id(
        "Why? Your reason is shown publicly and sent to the proposer ({ref}).", ref=REF
    ) in texts(await bot.press(BOARD_ID, "Minta revisi"))
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "no")
    )
    asked = await bot.send(BOARD_ID, "Lengkapi <lokasi> & foto saluran")
    told = to(asked, PROPOSER)
    assert (
        tr_id("revision requested") in told
        and tr_id("Reason: {reason}", reason=escape("Lengkapi <lokasi> & foto saluran")) in told
    )

    # an unfinished /usul draft is not overwritten by a revision
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Sosial")
    await bot.send(PROPOSER, "/usulan USL-2026-0001")
    assert tr_id(
        "You have an unfinished proposal. Send /usul to finish it, or /batal there to drop "
        "it, then revise this one."
    ) in alert(await bot.press(PROPOSER, "Revisi usulan saya"))
    await bot.send(PROPOSER, "/usul")
    await bot.press(PROPOSER, "Lanjutkan")
    await bot.send(PROPOSER, "/batal")
    # the proposer revises: back to baru
    await bot.send(PROPOSER, "/usulan USL-2026-0001")
    summary = texts(await bot.press(PROPOSER, "Revisi usulan saya"))
    assert "Perbaikan saluran air RT 03" in summary
    await bot.press(PROPOSER, "Ubah")
    await bot.press(PROPOSER, "Lokasi")
    await bot.send(PROPOSER, "RT 4 RW 5")
    await bot.send_location(PROPOSER)
    sent = texts(await bot.press(PROPOSER, "Kirim"))
    assert (
        tr_part("Sent again for review. Proposal number: <b>{ref}</b>.") in sent
        and "USL-2026-0001" in sent
    )
    assert rows(settings.database, "SELECT status, rt, latitude IS NOT NULL FROM proposals") == [
        ("baru", 4, 1)
    ]
    assert rows(settings.database, "SELECT COUNT(*) FROM proposals") == [(1,)]

    await open_as_board(bot)
    await bot.press(BOARD_ID, "Tolak")
    rejected = await bot.send(BOARD_ID, "Sudah masuk program kota tahun depan.")
    assert tr_id(TOLD, ref=REF, title=TITLE, status=tr_id("rejected")) in to(rejected, PROPOSER)
    public = texts(await bot.send(MEMBER, "/usulan USL-2026-0001"))
    assert tr_id("Reason: {reason}", reason="Sudah masuk program kota tahun depan.") in public
    assert tr_id("Reason: {reason}", reason=escape("Lengkapi <lokasi> & foto saluran")) in public
    assert not any(b["text"].startswith("Dukung") for b in bot.buttons(MEMBER))


async def test_the_queue_puts_supported_proposals_first_then_the_oldest(
    bot: Simulator,
    settings: Settings,
    make_bot,  # type: ignore[no-untyped-def]
) -> None:
    await bot.send(PROPOSER, "/start")
    make_members(settings.database, [PROPOSER, *range(700, 703)])
    owner = person_id(settings.database, PROPOSER)
    members = [person_id(settings.database, m) for m in range(700, 703)]
    from storage import proposals

    def seed(conn) -> None:  # type: ignore[no-untyped-def]
        start = datetime(2026, 11, 1, tzinfo=UTC)
        made = [
            add_proposal(conn, owner, title=f"Usulan ke {n}", now=start + timedelta(days=n))
            for n in range(1, 5)
        ]
        for member in members:  # the newest reaches the threshold (3 in this run)
            proposals.endorse(
                conn, proposal_id=made[3].id, person_id=member, threshold=3, now=start
            )
        proposals.endorse(
            conn, proposal_id=made[1].id, person_id=members[0], threshold=3, now=start
        )

    await write(bot, seed)
    from bot.simulator import running

    board = make_bot(settings, endorsement_threshold=3)
    async with running(board.application):
        queue = texts(await board.send(BOARD_ID, "/tinjau"))
    order = [queue.index(f"USL-2026-000{n}") for n in (4, 1, 2, 3)]
    assert order == sorted(order)
    assert queue.count(tr_id("supported by residents")) == 1


async def test_non_board_people_cannot_review(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot)
    assert tr_id("Sorry, this is only for the BKM board.") in texts(
        await bot.send(MEMBER, "/tinjau")
    )
    assert tr_id("Sorry, this is only for the BKM board.") in texts(
        await bot.send(MEMBER, "/review")
    )
    await bot.send(MEMBER, "/usulan USL-2026-0001")
    assert not any(b["callback_data"].startswith("usl:t:") for b in bot.buttons(MEMBER))
    for forged in (
        "usl:t:1:terverifikasi:baru",
        "usl:t:1:ditolak:baru",
        "usl:p:1",
        "usl:h:1",  # the hide buttons of before the moderation seam: answered, nothing done
        "usl:hp:1",
        "usl:h:USL-2026-0001",
        "usl:h:USL-2026-0001/1",
        "usl:q:0",
        "adm:review",
        "adm:proposal_behalf",
    ):
        calls = await bot.press_data(MEMBER, forged, 1)
        assert tr_id("Sorry, this is only for the BKM board.") in alert(calls) or tr_id(
            "This button is no longer valid."
        ) in alert(calls), forged
        assert not [c for c in calls if c.chat_id == PROPOSER], forged
    assert rows(settings.database, "SELECT status FROM proposals") == [("baru",)]
    assert rows(settings.database, "SELECT * FROM moderation") == []


async def test_stale_and_forged_review_buttons_change_nothing(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    await open_as_board(bot)
    await bot.press(BOARD_ID, "Verifikasi")
    for forged in (
        "usl:t:1:terverifikasi:baru",  # the old view's button: already verified
        "usl:t:1:didanai:terverifikasi",  # not a valid move
        "usl:t:1:selesai:selesai",
        "usl:t:999:terverifikasi:baru",
        "usl:t:1:alien:baru",
        "usl:t:1",
        "usl:p:1",  # progress only once funded
        "usl:hp:999",
        "usl:q:x",
    ):
        calls = await bot.press_data(BOARD_ID, forged, 1)
        assert alert(calls), forged
        assert next(c for c in calls if c.method == "answerCallbackQuery").params.get("show_alert")
        assert not [c for c in calls if c.chat_id == PROPOSER], forged
    assert rows(settings.database, "SELECT status FROM proposals") == [("terverifikasi",)]


async def test_review_screens_open_only_in_private(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    calls = await bot.send(BOARD_ID, "/tinjau", group=True)
    assert tr_id("This needs your personal data, so we continue in a private chat.") in texts(
        calls
    )
    assert "USL-2026-0001" in texts(await bot.press(BOARD_ID, 1, chat_id=GROUP_CHAT_ID))
    # /usulan is public in the group; board buttons pressed there are refused
    assert "USL-2026-0001" in texts(await bot.send(MEMBER, "/usulan", group=True))
    calls = await bot.press_data(BOARD_ID, "usl:t:1:terverifikasi:baru", 1, GROUP_CHAT_ID)
    assert rows(settings.database, "SELECT status FROM proposals") == [("baru",)]


async def test_filing_on_behalf_of_a_resident(bot: Simulator, settings: Settings) -> None:
    await bot.send(BOARD_ID, "/admin")
    assert tr_id("Filing a proposal for a resident. How did it reach the board?") in texts(
        await bot.press(BOARD_ID, "Catat usulan atas nama warga")
    )
    await bot.press(BOARD_ID, "Kotak saran")
    assert tr_id("Please write a name with letters only, for example: Siti Aminah.") in texts(
        await bot.send(BOARD_ID, "12345")
    )
    await bot.send(BOARD_ID, "Mbah Sarinem")
    await bot.press(BOARD_ID, "Sosial")
    await bot.send(BOARD_ID, "Posyandu lansia bulanan")
    await bot.send(BOARD_ID, "Lansia di RW 02 belum punya posyandu rutin setiap bulan.")
    await bot.send(BOARD_ID, "RT 4 RW 2")
    await bot.press(BOARD_ID, "Lanjut")
    await bot.send(BOARD_ID, "3,5 juta")
    await bot.press(BOARD_ID, "Lewati")
    summary = texts(await bot.press(BOARD_ID, "Tidak, sembunyikan nama"))
    box = tr_id("Suggestion box")
    assert (
        tr_id("Filed on behalf of: {name} (via {channel})", name="Mbah Sarinem", channel=box)
        in summary
    )
    assert "USL-2026-0001" in texts(await bot.press(BOARD_ID, "Kirim"))
    assert rows(
        settings.database,
        "SELECT p.proposer_id, p.channel, p.proposer_name, b.telegram_id FROM proposals p"
        " JOIN people b ON b.id = p.filed_by",
    ) == [(None, "kotak_saran", "Mbah Sarinem", BOARD_ID)]
    public = texts(await bot.send(MEMBER, "/usulan USL-2026-0001"))
    assert tr_id("resident of RT {rt}/RW {rw}", rt="04", rw="02") in public
    assert "Mbah Sarinem" not in public
    assert tr_id("Received via: {channel}", channel=box) in public
    # a resident cannot start it, nor pick a channel
    assert tr_id("Sorry, this is only for the BKM board.") in alert(
        await bot.press_data(MEMBER, "adm:proposal_behalf", 1)
    )


async def test_transparency_section(bot: Simulator, settings: Settings) -> None:
    assert tr_id("<b>Proposals</b>\nNo proposals yet.") in texts(
        await bot.send(MEMBER, "/transparansi")
    )
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    await propose(bot, title="Posyandu lansia bulanan")
    await open_as_board(bot)
    await bot.press(BOARD_ID, "Verifikasi")
    text = texts(await bot.send(MEMBER, "/transparansi"))
    assert tr_id("<b>Proposals in {year}</b>", year=2026) in text
    assert tr_nid("{n} proposal", "{n} proposals", 2) in text
    assert f"{tr_id('new')}: 1" in text and f"{tr_id('verified')}: 1" in text
    assert f"{tr_id('Environment / infrastructure')}: 2" in text


@pytest.mark.slow
def test_demo_data_and_the_csv_export(tmp_path: Path) -> None:
    database = str(tmp_path / "demo.sqlite3")
    assert run_cli(["shell", "--demo", "--database", database], tmp_path).returncode == 0
    result = run_main(["export", "proposals"], tmp_path, BKM_DATABASE=database)
    assert result.returncode == 0, result.stderr
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == [
        "reference",
        "created_at",
        "field",
        "title",
        "description",
        "rt",
        "rw",
        "estimated_cost",
        "status",
        "endorsements",
        "proposer_name",
    ]
    statuses = {row[8] for row in table[1:]}
    assert statuses == {"dikerjakan", "terverifikasi", "baru", "ditolak"}
    names = [row[10] for row in table[1:]]
    assert "Budi Santoso" in names and "Sri Wahyuni" not in names  # only when chosen
    assert all(int(row[9]) >= 1 for row in table[1:])


async def test_board_buttons_are_not_shown_in_a_group(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    await bot.send(BOARD_ID, "/usulan USL-2026-0001", group=True)
    data = [b.get("callback_data", "") for b in bot.buttons(BOARD_ID, GROUP_CHAT_ID)]
    assert data and not [d for d in data if d.startswith(("usl:t:", "usl:h", "usl:p:"))]


async def test_a_forged_revision_of_someone_elses_proposal(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot)
    await open_as_board(bot)
    await bot.press(BOARD_ID, "Minta revisi")
    await bot.send(BOARD_ID, "Lengkapi lokasinya.")
    for forged in ("usl:rev:1", "usl:rev:999", "usl:rev:x"):
        calls = await bot.press_data(MEMBER, forged, 1)
        assert tr_id("This button is no longer valid.") in alert(calls), forged
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(settings.database, "SELECT status FROM proposals") == [("perlu_revisi",)]


async def test_an_erased_proposer_is_shown_as_erased(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot, show_name=True)
    registry = bot.application.services.registry
    [personal] = [p for p in registry.personal_data if p.key == "proposals"]
    owner = person_id(settings.database, PROPOSER)
    exported = await write(bot, personal.export, owner)
    assert exported["proposals"][0]["title"] == "Perbaikan saluran air RT 03"
    await write(bot, personal.erase, owner, datetime(2026, 11, 29, tzinfo=UTC))
    public = texts(await bot.send(MEMBER, "/usulan USL-2026-0001"))
    assert tr_id("Proposed by: {name}", name=tr_id("resident (erased)")) in public
    assert f"Anggota Nomor {PROPOSER}" not in public
    assert "Perbaikan saluran air RT 03" in public  # the record stays


async def test_the_digest_section(bot: Simulator, settings: Settings) -> None:
    registry = bot.application.services.registry
    services = bot.application.services
    [section] = [s for s in registry.digest if s.key == "proposals"]
    assert await section.render(services.db, services.tr("id"), services.clock.now()) is None
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    text = await section.render(services.db, services.tr("id"), services.clock.now())
    digest = (
        "<b>Proposals {year}</b>\n{total} submitted, {accepted} accepted into the priority "
        "list, {done} completed. See them all with /usulan."
    )
    assert text is not None
    assert tr("id", digest, year=2026, total=1, accepted=0, done=0) in text
