"""Proposals and the one moderation seam: hidden from the detail view or from /admin, the
public sees "disembunyikan oleh pengurus" and the reason everywhere; audited once.
Also the proposals' rows on /transparansi (board actions, proposers by RW and gender)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator
from storage import migrate, moderation, proposal_records, proposals
from storage.db import connect_sync
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_part
from tests.support.proposals import (
    MEMBER,
    PROPOSER,
    add_proposal,
    make_members,
    propose,
    rows,
    texts,
    write,
)

SECRET = "Pak Budi 0812345678"
REASON = "Memuat <nomor> & telepon pribadi."
HIDDEN = "disembunyikan oleh pengurus: " + REASON


def alert(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(c.params.get("text")) for c in calls if c.method == "answerCallbackQuery")


async def board_view(bot: Simulator, reference: str = "USL-2026-0001") -> str:
    return texts(await bot.send(BOARD_ID, f"/usulan {reference}"))


async def fund_and_post_progress(bot: Simulator, note: str) -> None:
    def fund(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE proposals SET status = 'didanai'")

    await write(bot, fund)
    await board_view(bot)
    await bot.press(BOARD_ID, "Catat perkembangan")
    await bot.send(BOARD_ID, "10")
    await bot.send(BOARD_ID, note)
    await bot.send_photo(BOARD_ID)


def hide_audit(path: Path) -> list[tuple[object, ...]]:
    return rows(
        path,
        "SELECT action, object_type, object_id FROM audit"
        " WHERE action LIKE '%hidden%' OR action LIKE 'moderation.%' ORDER BY id",
    )


async def test_hiding_from_the_detail_view_shows_the_reason_everywhere(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot, title=f"Saluran air di depan rumah {SECRET}")
    await bot.send(MEMBER, "/usulan USL-2026-0001")  # a resident's view, opened before
    await board_view(bot)
    asked = await bot.press(BOARD_ID, "Sembunyikan usulan ini")
    assert tr_id(
        'Why hide it? The public sees "hidden by the board" and '
        "this reason, so do not repeat the personal or abusive "
        "content."
    ) in texts(asked)
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await bot.send(BOARD_ID, "x")
    )  # re-asks the reason
    calls = await bot.send(BOARD_ID, REASON)
    done = texts([c for c in calls if c.chat_id == BOARD_ID])
    assert tr_part("Hidden. The public now sees: {text}") in done and HIDDEN in done
    told = texts([c for c in calls if c.chat_id == PROPOSER])
    assert (
        f"Pengurus menyembunyikan usulan Anda USL-2026-0001 dari publik. Alasan: {REASON}" in told
    )

    for user, command in (
        (MEMBER, "/usulan USL-2026-0001"),  # detail
        (MEMBER, "/usulan"),  # list
        (MEMBER, "/start usl_USL-2026-0001"),  # deep link
        (PROPOSER, "/usulanku"),  # the proposer's own list
    ):
        calls = await bot.send(user, command)
        shown = texts(calls) + str([b["text"] for c in calls for b in c.buttons])
        assert HIDDEN in shown, command
        assert "0812345678" not in shown and "Pak Budi" not in shown, command
    assert "Pak Budi" in await board_view(bot)  # the board still sees what it hid
    assert "Sembunyikan usulan ini" not in [b["text"] for b in bot.buttons(BOARD_ID)]
    # the resident's old Dukung button: endorsing a hidden proposal has ended
    assert tr_id("This proposal can no longer be supported.") in alert(
        await bot.press_data(MEMBER, "usl:d:1", 1)
    )
    assert "Tidak ada usulan" in texts(await bot.send(BOARD_ID, "/tinjau"))
    # the board's old hide button: stale now, nothing hidden twice
    stale = await bot.press_data(BOARD_ID, "usl:h:USL-2026-0001", 1)
    assert tr_id("This button is no longer valid.") in alert(stale)
    assert hide_audit(settings.database) == [("moderation.hidden", "proposal", "USL-2026-0001")]


async def test_a_progress_note_is_hidden_with_its_photo(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot)
    await fund_and_post_progress(bot, "Ketua RT 03 Pak Budi menolak membantu.")
    await fund_and_post_progress(bot, "Galian selesai 30 meter.")
    await board_view(bot)
    await bot.press(BOARD_ID, "Sembunyikan catatan perkembangan 1")
    hidden = await bot.send(BOARD_ID, "Menyebut nama orang.")
    assert [c.chat_id for c in hidden] == [BOARD_ID]  # the board's own note: nobody else told
    calls = await bot.send(MEMBER, "/usulan USL-2026-0001")
    public = texts(calls)
    assert "1. 28 November 2026: disembunyikan oleh pengurus: Menyebut nama orang." in public
    assert "menolak membantu" not in public and "2. 28 November 2026: 10% — Galian" in public
    assert "Foto (1)" in [b["text"] for c in calls for b in c.buttons]  # the hidden note's gone
    await board_view(bot)
    board = [b["text"] for b in bot.buttons(BOARD_ID)]
    assert "Sembunyikan catatan perkembangan 1" not in board
    assert "Sembunyikan catatan perkembangan 2" in board
    assert hide_audit(settings.database) == [
        ("moderation.hidden", "proposal_progress", "USL-2026-0001/1")
    ]


async def test_hiding_from_admin_reaches_proposals_and_notes(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot, title=f"Saluran air di depan rumah {SECRET}")
    await fund_and_post_progress(bot, "Pak Budi menolak membantu.")

    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Sembunyikan konten publik")
    asked = texts(await bot.press(BOARD_ID, "Usulan"))
    assert "USL-2026-0001" in asked  # an example of the number to type
    assert tr_id("I found nothing with that number. Try again.") in texts(
        await bot.send(BOARD_ID, "USL-2026-0099")
    )
    await bot.send(BOARD_ID, "usl-2026-0001")  # as people type it
    told = [c for c in await bot.send(BOARD_ID, REASON) if c.chat_id == PROPOSER]
    assert REASON in texts(told)  # the proposer is told, as from the detail view

    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Sembunyikan konten publik")
    await bot.press(BOARD_ID, "Catatan perkembangan usulan")
    for wrong in ("USL-2026-0001/2", "USL-2026-0001/0", "USL-2026-0002/1", "1", "'; --"):
        assert tr_id("I found nothing with that number. Try again.") in texts(
            await bot.send(BOARD_ID, wrong)
        ), wrong
    await bot.send(BOARD_ID, "USL-2026-0001 / 1")
    await bot.send(BOARD_ID, "Menyebut nama orang.")

    public = texts(await bot.send(MEMBER, "/usulan USL-2026-0001"))
    assert HIDDEN in public and "Pak Budi" not in public
    assert "disembunyikan oleh pengurus: Menyebut nama orang." in public
    assert HIDDEN in texts(await bot.send(MEMBER, "/usulan"))
    await board_view(bot)
    board = [b["text"] for b in bot.buttons(BOARD_ID)]
    assert "Sembunyikan usulan ini" not in board
    assert "Sembunyikan catatan perkembangan 1" not in board
    assert hide_audit(settings.database) == [
        ("moderation.hidden", "proposal", "USL-2026-0001"),
        ("moderation.hidden", "proposal_progress", "USL-2026-0001/1"),
    ]
    # the public page names the proposal, never the reason's person or the board member
    page = texts(await bot.send(MEMBER, "/transparansi"))
    assert "Konten publik disembunyikan oleh pengurus (USL-2026-0001)" in page
    assert "Pak Budi" not in page


async def test_shown_again_it_is_public_and_endorsable_again(bot: Simulator) -> None:
    def run(conn: sqlite3.Connection) -> tuple[bool, bool, bool]:
        board = conn.execute("SELECT id FROM people WHERE role = 'pengurus'").fetchone()
        board_id = board[0] if board else add_board(conn)
        p = add_proposal(conn, None)
        args = dict(object_type=proposals.PROPOSAL_TYPE, object_id=p.reference)
        now = datetime(2026, 11, 28, tzinfo=UTC)
        moderation.hide(conn, **args, reason="kasar", board_id=board_id, now=now)  # type: ignore[arg-type]
        hidden = proposals.get(conn, p.id)
        queue_hidden = proposals.review_queue(conn, threshold=5)[1]
        moderation.unhide(conn, **args, board_id=board_id, now=now)  # type: ignore[arg-type]
        shown = proposals.get(conn, p.id)
        assert hidden is not None and shown is not None
        return (
            hidden.hidden,
            shown.hidden,
            queue_hidden == 0 and bool(proposals.review_queue(conn, threshold=5)[1]),
        )

    assert await write(bot, run) == (True, False, True)


def add_board(conn: sqlite3.Connection) -> int:
    return int(
        conn.execute(
            "INSERT INTO people (telegram_id, full_name, role, created_at)"
            " VALUES (99, 'Pengurus', 'pengurus', '2026-11-01') RETURNING id"
        ).fetchone()[0]
    )


def test_the_migration_moves_hidden_proposals_and_notes_into_moderation(tmp_path: Path) -> None:
    """A database hidden with the proposals' own columns (before 0004) keeps what was hidden."""
    path = tmp_path / "old.sqlite3"
    conn = connect_sync(path)
    migrate.apply(conn, path, migrate.available()[:3])
    conn.execute("BEGIN")
    board = add_board(conn)
    for n in (1, 2):
        conn.execute(
            "INSERT INTO proposals (year, seq, reference, field, title, description, status,"
            " created_at, updated_at, hidden_reason, hidden_by, hidden_at)"
            " VALUES (2026, ?, ?, 'sosial', 'Judul', 'Deskripsi panjang', 'didanai',"
            " '2026-11-01', '2026-11-01', ?, ?, ?)",
            (n, f"USL-2026-000{n}", *(("kasar", board, "2026-11-02") if n == 1 else (None,) * 3)),
        )
    for proposal, hidden in ((2, None), (1, None), (2, "nama orang")):  # note ids 1, 2, 3
        conn.execute(
            "INSERT INTO proposal_progress (proposal_id, at, percent, note, hidden_reason,"
            " hidden_by, hidden_at) VALUES (?, '2026-11-03', 10, 'catatan', ?, ?, ?)",
            (proposal, hidden, board if hidden else None, "2026-11-04" if hidden else None),
        )
    conn.execute("COMMIT")

    migrate.apply(conn, path)
    assert sorted(
        tuple(r) for r in conn.execute("SELECT object_type, object_id, reason FROM moderation")
    ) == [
        ("proposal", "USL-2026-0001", "kasar"),
        ("proposal_progress", "USL-2026-0002/2", "nama orang"),  # the 2nd note of USL-0002
    ]
    columns = {r[1] for r in conn.execute("PRAGMA table_info(proposals)")}
    assert not {"hidden_reason", "hidden_by", "hidden_at"} & columns
    first, second = proposals.get(conn, 1), proposals.detail(conn, 2)
    assert first is not None and first.hidden and first.hidden_reason == "kasar"
    assert second is not None and [n.hidden for n in second.progress] == [False, True]
    conn.close()


async def test_board_actions_on_the_public_page(bot: Simulator, settings: Settings) -> None:
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot, title="Saluran air Bu Kartini")
    await board_view(bot)
    await bot.press(BOARD_ID, "Verifikasi")
    await board_view(bot)
    await bot.press(BOARD_ID, "Tolak")
    await bot.send(BOARD_ID, "Sudah ada di anggaran kelurahan untuk Bu Kartini.")
    make_members(settings.database, [BOARD_ID])  # a board member who also supports, as a resident

    def board_role(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE people SET role = 'pengurus' WHERE telegram_id = ?", (BOARD_ID,))

    await write(bot, board_role)
    page = texts(await bot.send(MEMBER, "/transparansi"))
    assert "Sebuah usulan diverifikasi (USL-2026-0001)" in page
    assert "Sebuah usulan ditolak (USL-2026-0001)" in page
    assert "proposal." not in page  # no raw codes
    assert "Kartini" not in page and "anggaran kelurahan" not in page  # never free text


async def test_a_board_member_supporting_is_not_a_board_action(
    bot: Simulator, settings: Settings
) -> None:
    make_members(settings.database, [PROPOSER])
    await propose(bot)
    await board_view(bot)
    await bot.press(BOARD_ID, "Dukung (0)")
    assert rows(
        settings.database, "SELECT actor_role FROM audit WHERE action LIKE '%endorsed'"
    ) == [("pengurus",)]
    page = texts(await bot.send(PROPOSER, "/transparansi"))
    assert "proposal.endorsed" not in page and "mendukung" not in page.lower()


async def test_proposers_by_rw_and_gender_with_small_groups(
    bot: Simulator, settings: Settings
) -> None:
    def run(conn: sqlite3.Connection) -> None:
        for n in range(6):  # six women of RW 05, one proposing twice
            pid = conn.execute(
                "INSERT INTO people (telegram_id, full_name, rt, rw, gender, role, created_at)"
                " VALUES (?, ?, 3, 5, 'female', 'anggota', '2026-11-01') RETURNING id",
                (5000 + n, f"Ratna Nomor {n}"),
            ).fetchone()[0]
            add_proposal(conn, pid)
            if n == 0:
                add_proposal(conn, pid, title="Posyandu lansia RW 05")
        man = conn.execute(
            "INSERT INTO people (telegram_id, full_name, rt, rw, gender, role, created_at)"
            " VALUES (6000, 'Budi Dua', 1, 2, 'male', 'anggota', '2026-11-01') RETURNING id"
        ).fetchone()[0]
        add_proposal(conn, man, rw=2)
        # Mbah Sarinem came in person twice: one proposer; an unnamed note in the box: another
        for _ in range(2):
            add_proposal(
                conn, None, proposer_name="Mbah Sarinem", channel="tatap_muka", rt=1, rw=7
            )
        add_proposal(conn, None, channel="kotak_saran", rt=1, rw=7)

    await write(bot, run)
    page = texts(await bot.send(MEMBER, "/transparansi"))
    block = page.split("Pengusul tahun 2026 per RW")[1].split("Usulan tahun 2026")[0]
    assert "RW 05: 6" in block and "RW 02: < 5" in block and "RW 07: < 5" in block
    assert "perempuan: 6" in block and "laki-laki: < 5" in block
    assert "tidak disebutkan: < 5" in block
    assert "Ratna" not in page and "Sarinem" not in page and "Budi" not in page
    [(year_rows)] = [await write(bot, proposal_records.participation, 2026)]
    assert year_rows[1] == [("female", 6), ("male", 1), ("unspecified", 2)]


async def test_changing_ones_mind_between_hide_and_review_does_the_last_thing(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    """Hide pressed, then Reject: the reason rejects. Reject pressed, then Hide: it hides,
    and a later text rejects nothing. A hide left waiting in /admin never takes a reason
    meant for something else."""
    make_members(settings.database, [PROPOSER, MEMBER])
    await propose(bot)
    await board_view(bot)
    await bot.press(BOARD_ID, "Sembunyikan usulan ini")
    await bot.press(BOARD_ID, "Tolak")
    await bot.send(BOARD_ID, "Sudah dianggarkan kelurahan.")
    assert rows(settings.database, "SELECT status FROM proposals") == [("ditolak",)]
    assert rows(settings.database, "SELECT * FROM moderation") == []

    await propose(bot, title="Posyandu lansia di balai RW 05")
    await board_view(bot, "USL-2026-0002")
    await bot.press(BOARD_ID, "Tolak")
    await board_view(bot, "USL-2026-0002")
    await bot.press(BOARD_ID, "Sembunyikan usulan ini")
    await bot.send(BOARD_ID, "Menyebut nama orang.")
    await bot.send(BOARD_ID, "Terima kasih semuanya")  # a stray text afterwards
    assert rows(settings.database, "SELECT status FROM proposals WHERE id = 2") == [("baru",)]
    assert rows(settings.database, "SELECT object_id, reason FROM moderation") == [
        ("USL-2026-0002", "Menyebut nama orang.")
    ]

    await propose(bot, title="Lampu jalan gang mawar")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Sembunyikan konten publik")
    await bot.press(BOARD_ID, "Usulan")
    await bot.send(BOARD_ID, "USL-2026-0003")  # the reason is asked next; the board leaves
    clock.advance(timedelta(minutes=2))
    await board_view(bot, "USL-2026-0003")
    await bot.press(BOARD_ID, "Minta revisi")
    # starting the review ended the /admin hide left waiting (bot.flows: one current flow),
    # so the reason goes to the revision at once
    told = texts(await bot.send(BOARD_ID, "Lengkapi lokasi tiang lampu."))
    assert tr_id("revision requested") in told and "disembunyikan" not in told.lower()
    assert rows(settings.database, "SELECT status FROM proposals WHERE id = 3") == [
        ("perlu_revisi",)
    ]
    assert rows(settings.database, "SELECT object_id FROM moderation") == [("USL-2026-0002",)]

    # a hide left waiting on the detail view, then a hide done in /admin: a later text is
    # not a reason for the first one
    await propose(bot, title="Taman bermain anak RW 05")
    await board_view(bot, "USL-2026-0004")
    await bot.press(BOARD_ID, "Sembunyikan usulan ini")
    clock.advance(timedelta(minutes=2))
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Sembunyikan konten publik")
    await bot.press(BOARD_ID, "Usulan")
    await bot.send(BOARD_ID, "USL-2026-0003")
    await bot.send(BOARD_ID, "Menyebut nama orang.")
    clock.advance(timedelta(minutes=2))
    told = texts(await bot.send(BOARD_ID, "Terima kasih semuanya"))
    assert (
        tr_id(
            "I did not understand that. Choose from the menu, or send /bantuan for the commands."
        )
        in told
    )  # the first hide ended when /admin's began: no flow waits
    assert rows(settings.database, "SELECT object_id FROM moderation ORDER BY 1") == [
        ("USL-2026-0002",),
        ("USL-2026-0003",),
    ]
