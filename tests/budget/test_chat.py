"""/anggaran as residents use it, and the board's import and realisation by chat."""

from __future__ import annotations

import io
import sqlite3
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

from bot.clock import FakeClock
from bot.config import Settings
from bot.context import services_of
from bot.features import discover
from bot.simulator import GROUP_CHAT_ID, Simulator
from bot.transport.fake_api import ApiCall
from handlers.budget.ask import proposal_budget_text
from storage import budget, migrate
from storage.budget import LineInput
from storage.db import connect_sync, in_transaction
from storage.demo.budget import seed_demo
from storage.demo.people import seed_people
from tests.conftest import BOARD_ID
from tests.support.i18n import tr_id, tr_nid, tr_part

RESIDENT = 301
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
HEAD = "tahun,program,kegiatan,bidang,sumber_dana,rw,ksm,anggaran,realisasi,usulan"
MATCHES = ("{n} budget line matches.", "{n} budget lines match.")
DIFF = (
    "Lines added: {added}\nLines removed: {removed}\nLines changed: {changed}\n"
    "Unchanged: {unchanged}\nRealisation conflicts: {conflicts}"
)
NOT_IMPORTED = (
    "<b>The file was not imported</b>: {n} problem. Nothing was changed.",
    "<b>The file was not imported</b>: {n} problems. Nothing was changed.",
)
SEND_FILE = (
    "Send the budget file (CSV or XLSX) as a document. Columns: tahun, program, kegiatan, "
    "bidang, sumber_dana, rw, ksm, anggaran; optional: realisasi, usulan, disalurkan, "
    "kembali, tunggakan. The years in the file are replaced by its lines; nothing changes "
    "until you confirm. Send /batal to stop."
)
LAPSED = "That took a while, so I stopped. Start again from /admin."


def filters(*used: str) -> str:
    return tr_id("Filters: {filters}", filters="; ".join(used))


def page(n: int, of: int) -> str:
    return tr_id("Page {page} of {pages}", page=n, pages=of)


def texts(calls: list[ApiCall]) -> str:
    return "\n".join(c.text for c in calls if c.method in ("sendMessage", "editMessageText"))


def refused(calls: list[ApiCall]) -> list[ApiCall]:
    return [c for c in calls if c.error is not None]


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def line(
    program: str, activity: str, allocation: int, realised: int = 0, **kw: object
) -> LineInput:
    base: dict[str, object] = {
        "year": 2026,
        "program": program,
        "activity": activity,
        "field": "lingkungan",
        "source": "BLM",
        "rw": 5,
        "ksm": "KSM Tirta",
        "allocation": allocation,
        "realised": realised,
    }
    base.update(kw)
    return LineInput(**base)  # type: ignore[arg-type]


def seed(settings: Settings, lines: list[LineInput]) -> None:
    conn = connect_sync(settings.database)
    try:
        migrate.apply(conn, settings.database)
        in_transaction(
            conn, budget.apply_import, lines, now=NOW, actor_id=None, actor_role="system"
        )
    finally:
        conn.close()


SAMPLE = [
    line("Drainase", "Normalisasi saluran", 60_000_000, 27_000_000, proposal_ref="USL-2026-0007"),
    line(
        "Perbaikan jalan", "Pengecoran jalan gang", 85_000_000, 85_000_000, rw=1, source="swadaya"
    ),
    line("Posyandu", "Makanan tambahan balita", 18_000_000, 4_500_000, field="sosial", rw=None),
    line(
        "Dana bergulir",
        "Modal usaha",
        150_000_000,
        150_000_000,
        field="ekonomi",
        rw=None,
        ksm="KSM Mandiri",
        disbursed=150_000_000,
        repaid=90_000_000,
        arrears=7_500_000,
    ),
    line("Drainase", "Sumur resapan", 10_000_000, 0, year=2025),
]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ---- residents ------------------------------------------------------------------------------
async def test_summary_with_fields_sources_and_a_menu(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    calls = await bot.send(RESIDENT, "/anggaran")
    shown = texts(calls)
    assert tr_id("<b>BKM budget {year}</b>", year=2026) in shown
    assert "Pagu: Rp313.000.000" in shown  # 60 + 85 + 18 + 150 juta
    assert "Realisasi: Rp266.500.000 (85,1%)" in shown
    assert "Lingkungan: Rp112.000.000 dari Rp145.000.000 (77,2%)" in shown
    assert "Swadaya masyarakat: Rp85.000.000 dari Rp85.000.000 (100,0%)" in shown
    labels = [b["text"] for b in bot.buttons(RESIDENT)]
    assert {"Menurut RW", "Menurut program", "Grafik menurut bidang", "Cari", "2025"} <= set(
        labels
    )
    assert "Dana bergulir" in labels
    assert all(len(b["callback_data"].encode()) <= 64 for b in bot.buttons(RESIDENT))

    loans = texts(await bot.press(RESIDENT, "Dana bergulir"))
    assert (
        "KSM Mandiri: disalurkan Rp150.000.000, kembali Rp90.000.000, tunggakan Rp7.500.000"
        in loans
    )
    per_rw = texts(await bot.press_data(RESIDENT, "bud:rw:2026", 1))
    assert "RW 01: Rp85.000.000 dari Rp85.000.000" in per_rw and tr_id("Whole kelurahan") in per_rw
    last_year = texts(await bot.press_data(RESIDENT, "bud:y:2025", 1))
    assert tr_id("<b>BKM budget {year}</b>", year=2025) in last_year
    assert "Pagu: Rp10.000.000" in last_year


async def test_english_reader_sees_rupiah_and_one_decimal(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    bot.languages[RESIDENT] = "en"
    shown = texts(await bot.send(RESIDENT, "/budget"))
    assert (
        "BKM budget 2026" in shown and "Realised: Rp266.500.000 (85,1%)" in shown
    )  # en_ID: Indonesian digits


async def test_no_budget_yet(bot: Simulator) -> None:
    assert tr_id("No budget has been published yet.") in texts(
        await bot.send(RESIDENT, "/anggaran")
    )
    assert tr_id("No budget has been published yet.") in texts(
        await bot.send(RESIDENT, "/anggaran jalan")
    )


async def test_a_question_says_which_filters_it_used(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    shown = texts(await bot.send(RESIDENT, "/anggaran drainase RW 5 2026"))
    year = tr_id("year {year}", year=2026)
    assert filters(year, "RW 05", tr_id("words {words}", words="“drainase”")) in shown
    assert tr_nid(*MATCHES, 1) in shown
    assert "Normalisasi saluran" in shown and "Sumur resapan" not in shown  # 2025's line
    assert tr_id("Funds proposal {reference}", reference="USL-2026-0007") in shown
    blm = texts(await bot.send(RESIDENT, "berapa dana BLM tahun ini"))
    assert "berapa" not in blm  # free text outside a flow is not a question yet
    blm = texts(await bot.send(RESIDENT, "/anggaran berapa dana BLM tahun ini"))
    assert filters(year, tr_id("source {source}", source="BLM")) in blm
    assert tr_nid(*MATCHES, 3) in blm
    implied = texts(await bot.send(RESIDENT, "/anggaran posyandu"))
    assert tr_id("year {year} (not named: the current budget year)", year=2026) in implied
    assert "Makanan tambahan balita" in implied


async def test_nothing_matched_suggests_the_nearest_names(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    bot.languages[RESIDENT] = "en"
    shown = texts(await bot.send(RESIDENT, "/budget how much went to drainage in RW 05 this year"))
    assert "No budget line matches." in shown and "Did you mean: Drainase?" in shown
    found = texts(await bot.press(RESIDENT, "Drainase"))
    assert "Normalisasi saluran" in found and "1 budget line matches" in found
    none = texts(await bot.send(RESIDENT, "/budget zzzqqq"))
    assert "Try other words" in none
    past = texts(await bot.send(RESIDENT, "/budget drainase 2019"))
    assert "There is no budget for 2019. Years with a budget: 2026, 2025." in past


async def test_group_chat_answers_in_the_group(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    calls = await bot.send(RESIDENT, "/anggaran posyandu", group=True)
    assert calls and all(c.chat_id == GROUP_CHAT_ID for c in calls if c.method == "sendMessage")
    assert "Makanan tambahan balita" in texts(calls)
    await bot.send(RESIDENT, "/anggaran", group=True)
    hint = await bot.press(RESIDENT, "Cari", chat_id=GROUP_CHAT_ID)
    assert tr_id(
        "In a group, write the question after the command, for example: /budget posyandu RW 3"
    ) in texts(hint)


async def test_search_flow_in_a_private_chat(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    await bot.send(RESIDENT, "/anggaran")
    assert tr_id(
        "What would you like to know? For example: drainase RW "
        "5, posyandu, dana BLM tahun ini. Send /batal to stop."
    ) in texts(await bot.press(RESIDENT, "Cari"))
    answered = texts(await bot.send(RESIDENT, "posyandu"))
    assert "Makanan tambahan balita" in answered
    after = texts(await bot.send(RESIDENT, "posyandu"))  # one question per press
    assert "Makanan tambahan balita" not in after
    await bot.press_data(RESIDENT, "bud:ask", 1)
    assert tr_id("Cancelled.") in texts(await bot.send(RESIDENT, "/batal"))


async def test_long_answers_are_paginated_within_telegram_limits(
    bot: Simulator, settings: Settings
) -> None:
    long_name = "Jalan " + "panjang sekali " * 12
    seed(
        settings,
        [line(f"{long_name}{i}", f"Gang <{i}> & {'x' * 150}", 1_000_000 + i) for i in range(300)],
    )
    first = await bot.send(RESIDENT, "/anggaran jalan")
    assert refused(first) == [] and page(1, 38) in texts(first)
    seen = set()
    for _ in range(3):
        calls = await bot.press(RESIDENT, "Berikutnya ▶")
        assert refused(calls) == []
        edited = [c for c in calls if c.method == "editMessageText"]
        assert edited and len(edited[0].text) <= 4096
        seen.add(edited[0].text.split("\n")[2])
    assert page(4, 38) in texts(calls)
    back = await bot.press(RESIDENT, "◀ Sebelumnya")
    assert page(3, 38) in texts(back)
    assert "Gang <0> &" in texts(first)  # typed characters shown back exactly
    programs = await bot.press_data(RESIDENT, "bud:pg:2026:0", 1)
    assert refused(programs) == [] and page(1, 12) in texts(programs)
    nxt = await bot.press(RESIDENT, "Berikutnya ▶")
    assert refused(nxt) == [] and page(2, 12) in texts(nxt)
    per_rw = await bot.press_data(RESIDENT, "bud:rw:2026", 1)
    assert refused(per_rw) == []


async def test_charts_are_phone_sized_pngs(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    await bot.send(RESIDENT, "/anggaran")
    calls = await bot.press(RESIDENT, "Grafik menurut bidang")
    photo = next(c for c in calls if c.method == "sendPhoto")
    assert tr_id("Allocation and realisation {year}, per field", year=2026) in photo.text
    upload = bot.api.uploads[-1]
    width, height = png_size(upload.content)
    assert width >= 1080 and height >= 600
    assert tr_id("<b>Per field</b>") in texts(
        calls
    )  # the figures also as text, in their own message
    calls = await bot.press_data(RESIDENT, "bud:ch:r:2026", 1)
    assert any(c.method == "sendPhoto" for c in calls)
    assert png_size(bot.api.uploads[-1].content)[0] >= 1080


async def test_a_chart_of_many_rws_keeps_photo_proportions(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, [line("Jalan", f"Gang {rw}", 1_000_000 * rw, rw=rw) for rw in range(1, 61)])
    await bot.send(RESIDENT, "/anggaran")
    calls = await bot.press_data(RESIDENT, "bud:ch:r:2026", 1)
    assert refused(calls) == [] and any(c.method == "sendPhoto" for c in calls)
    width, height = png_size(bot.api.uploads[-1].content)
    assert width >= 1080 and width + height <= 10_000 and height / width <= 20


async def test_forged_and_stale_buttons_change_nothing(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    await bot.send(RESIDENT, "/anggaran")
    for data in (
        "bud:l:999999",
        "bud:l:abc",
        "bud:q:0:!!!notbase64",
        "bud:q:0:MjAzMXx8fHw",  # a valid encoding of a question with no lines (2031)
        "bud:ch:x:2026",
        "bud:ch:f:1999",
        "bud:r:1",
        "bud:y:1999",
        "bud:pg:2026:99",
        "bud:rw:2031",
        "bud:rl:1",
        "bud:imp:ok",
        "bud:re:ok",
    ):
        calls = await bot.press_data(RESIDENT, data, 1)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and tr_id("This button is no longer valid.") in str(
            answers[0].params.get("text")
        ), data
        assert not [c for c in calls if c.method in ("sendMessage", "sendPhoto")], data
    assert rows(settings.database, "SELECT COUNT(*) FROM budget_realisations") == [(0,)]


async def test_transparency_digest_and_proposal_views(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    shown = texts(await bot.send(RESIDENT, "/transparansi"))
    assert tr_id("<b>Budget {year}</b>", year=2026) in shown
    assert "Realisasi Rp266.500.000 dari Rp313.000.000" in shown
    services = services_of(bot.application)
    db, tr = services.db, services.tr("id")
    [section] = [s for s in discover().digest if s.key == "budget"]
    assert section.chart is not None
    assert png_size(await section.chart(db, tr, services.clock.now()) or b"")[0] >= 1080
    rendered = await section.render(db, tr, services.clock.now()) or ""
    assert tr_id("<b>Budget {year}</b>", year=2026) in rendered
    trail = await proposal_budget_text(db, tr, "usl-2026-0007")
    assert (
        trail is not None and "Pagu: Rp60.000.000" in trail and "Realisasi: Rp27.000.000" in trail
    )
    assert await proposal_budget_text(db, tr, "USL-2026-9999") is None


# ---- the board ------------------------------------------------------------------------------
async def test_import_by_chat_shows_the_diff_and_applies_on_confirm(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    other_board = 302
    await bot.send(other_board, "/start")
    conn = connect_sync(settings.database)
    conn.execute(f"UPDATE people SET role = 'pengurus' WHERE telegram_id = {other_board}")
    conn.close()
    await bot.send(BOARD_ID, "/admin")
    assert tr_id(SEND_FILE) in texts(await bot.press(BOARD_ID, "Impor anggaran"))
    content = (
        HEAD
        + "\n2026,Drainase,Normalisasi saluran,lingkungan,BLM,5,KSM Tirta,65.000.000,27.000.000,"
        + "USL-2026-0007\n2026,Sanitasi,MCK <komunal>,lingkungan,CSR,3,KSM Sehat,48 juta,0,\n"
    ).encode()
    preview = texts(await bot.send_document(BOARD_ID, "anggaran.csv", content, "text/csv"))
    assert tr_part("<b>Check before importing</b> ({years}).") in preview
    diff = tr_id(DIFF, added=1, removed=3, changed=1, unchanged=0, conflicts=0)
    assert diff in preview and "MCK <komunal>" in preview
    assert rows(settings.database, "SELECT COUNT(*) FROM budget_lines WHERE year=2026") == [(4,)]
    confirmed = await bot.press(BOARD_ID, "Impor")
    done = texts([c for c in confirmed if c.chat_id == BOARD_ID])
    assert tr_part("<b>Budget imported</b> for {years}.") in done
    told = texts([c for c in confirmed if c.chat_id == other_board])
    assert tr_part("<b>Budget imported</b> for {years}.") in told and diff in told
    assert "MCK" not in told  # counts only, the details are in /anggaran
    assert rows(
        settings.database,
        "SELECT program, allocation FROM budget_lines WHERE year=2026 ORDER BY id",
    ) == [("Drainase", 65_000_000), ("Sanitasi", 48_000_000)]
    [(actor, role, after)] = rows(
        settings.database,
        "SELECT actor_id, actor_role, after FROM audit WHERE action='budget.imported'"
        " AND actor_id IS NOT NULL",
    )
    assert (
        actor is not None
        and role == "pengurus"
        and '"added":1' in str(after)
        and '"removed":3' in str(after)
    )
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_a_bad_file_by_chat_lists_every_problem_and_changes_nothing(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    before = rows(settings.database, "SELECT * FROM budget_lines ORDER BY id")
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Impor anggaran")
    bad = (
        HEAD
        + "\n"
        + "\n".join(
            f"2026,Jalan <b>{i}</b>,Cor,lingkungan,BLM,{i % 9 + 1},K,"
            f"{'seribu' if i % 2 else '1000'},0,"
            for i in range(400)
        )
    )
    calls = await bot.send_document(BOARD_ID, "anggaran.csv", bad.encode())
    assert refused(calls) == []
    shown = texts(calls)
    assert tr_nid(*NOT_IMPORTED, 200) in shown
    at = "Row {row}, column {column}: {reason}"
    assert tr_id(at, row=3, column="anggaran", reason="") in shown
    documents = [c for c in calls if c.method == "sendDocument"]
    assert documents, "more problems than fit: the full list goes as a file"
    listing = bot.api.uploads[-1].content.decode()
    assert listing.count("\n") == 199
    assert tr_id(at, row=401, column="anggaran", reason="") in listing
    assert rows(settings.database, "SELECT * FROM budget_lines ORDER BY id") == before
    # still waiting for a file: an XLSX now, with an unchanged year
    book = Workbook()
    sheet = book.active
    sheet.append(HEAD.split(","))
    sheet.append(
        [2025, "Drainase", "Sumur resapan", "lingkungan", "BLM", 5, "KSM Tirta", 10_000_000, 0]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    preview = texts(await bot.send_document(BOARD_ID, "anggaran.xlsx", buffer.getvalue()))
    assert tr_id(DIFF, added=0, removed=0, changed=0, unchanged=1, conflicts=0) in preview
    assert tr_id("Cancelled. The budget was not changed.") in texts(
        await bot.press(BOARD_ID, "Batal")
    )
    assert tr_id("Please send the budget as a file (CSV or XLSX).") not in texts(
        await bot.send(BOARD_ID, "halo")
    )


async def test_residents_cannot_use_board_actions(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    await bot.send(RESIDENT, "/start")
    for data in ("adm:budget_import", "adm:budget_realise"):
        calls = await bot.press_data(RESIDENT, data, 1)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answers and tr_id("Sorry, this is only for the BKM board.") in str(
            answers[0].params.get("text")
        )
    calls = await bot.send_document(RESIDENT, "anggaran.csv", (HEAD + "\n").encode())
    assert tr_part("<b>Budget imported</b> for {years}.") not in texts(calls)


async def test_realisation_by_chat_with_a_receipt_is_audited_and_public(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    await bot.send(BOARD_ID, "/admin")
    assert tr_id(
        "Recording spending (realisasi). Which budget line? "
        "Write words from the program or activity, for example: "
        "drainase RW 2. Send /batal to stop."
    ) in texts(await bot.press(BOARD_ID, "Catat realisasi"))
    assert tr_id("No budget line matches. Try other words.") in texts(
        await bot.send(BOARD_ID, "zzzqqq")
    )
    await bot.send(BOARD_ID, "drainase RW 5")
    assert tr_part("{line}\nHow much was spent? For example 2.500.000 or 2,5 juta.") in texts(
        await bot.press(BOARD_ID, 1)
    )
    assert tr_id("An amount cannot be negative.") in texts(await bot.send(BOARD_ID, "-5"))
    await bot.send(BOARD_ID, "2,5 juta")
    assert tr_id("That day has not come yet: spending is recorded after it happens.") in texts(
        await bot.send(BOARD_ID, "1/1/2027")
    )
    await bot.press(BOARD_ID, "Hari ini")
    await bot.send(BOARD_ID, "Semen <b>50</b> sak & pasir; DROP TABLE budget_lines;")
    assert tr_id("Please send the receipt as a photo, or press No receipt.") in texts(
        await bot.send(BOARD_ID, "bukan foto")
    )
    confirm = texts(await bot.send_photo(BOARD_ID))
    assert "Semen <b>50</b> sak & pasir" in confirm and tr_id("photo attached") in confirm
    assert "28 November 2026" in confirm and "Rp2.500.000" in confirm
    done = texts(await bot.press(BOARD_ID, "Kirim"))
    assert (
        tr_id(
            "Recorded. The line has now realised {realised} of {allocation} ({percent}).",
            realised="Rp29.500.000",
            allocation="Rp60.000.000",
            percent="49,2%",
        )
        in done
    )
    [(amount, receipt)] = rows(
        settings.database, "SELECT amount, receipt FROM budget_realisations"
    )
    assert amount == 2_500_000 and receipt
    [(after,)] = rows(settings.database, "SELECT after FROM audit WHERE action='budget.realised'")
    assert '"amount":2500000' in str(after) and "Semen" not in str(after)

    # a resident follows the money: the line, its entry, the receipt
    await bot.send(RESIDENT, "/anggaran drainase")
    detail = texts(await bot.press(RESIDENT, "Rincian 1"))
    assert "Dari berkas bendahara: Rp27.000.000; dicatat per transaksi: Rp2.500.000" in detail
    assert "28 November 2026 — Rp2.500.000 — Semen <b>50</b> sak" in detail
    shown = await bot.press(RESIDENT, "Bukti 1")
    photo = next(c for c in shown if c.method == "sendPhoto")
    assert photo.params["photo"] == receipt and "Bukti: Rp2.500.000" in photo.text


def test_demo_budget_seeds_lines_entries_and_loans(tmp_path: Path) -> None:
    conn = connect_sync(tmp_path / "demo.sqlite3")
    migrate.apply(conn, None)
    conn.execute("BEGIN")
    seed_people(conn, NOW)
    seed_demo(conn, NOW)
    conn.execute("COMMIT")
    summary = budget.summary(conn, 2026)
    assert summary is not None and summary.total.lines == 10
    assert budget.loans(conn, 2026) and budget.for_proposal(conn, "USL-2026-0001") is not None
    assert conn.execute("SELECT COUNT(*) FROM budget_realisations").fetchone()[0] == 2
    conn.close()


async def test_odd_questions_get_a_clear_answer(bot: Simulator, settings: Settings) -> None:
    seed(settings, SAMPLE)
    for question in (
        "/anggaran " + "jalan " * 2000,
        "/anggaran 🚧🚧 posyandu 🚧",
        "/anggaran שלום RW 5",
        "/anggaran <b>drainase</b> & co",
        "/anggaran '; DROP TABLE budget_lines; --",
    ):
        calls = await bot.send(RESIDENT, question)
        assert refused(calls) == [] and texts(calls), question
    shown = texts(await bot.send(RESIDENT, "/anggaran <script>posyandu"))
    # markup characters are not part of words: the words are read, the rest dropped
    assert tr_id("words {words}", words="“script”, “posyandu”") in shown
    assert tr_id("Did you mean: {names}?", names="Posyandu") in shown
    assert rows(settings.database, "SELECT COUNT(*) FROM budget_lines") == [(5,)]


async def test_board_flows_answer_wrong_input_and_cancel(
    bot: Simulator, settings: Settings, clock: FakeClock
) -> None:
    seed(settings, SAMPLE)
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Impor anggaran")
    assert tr_id("Please send the budget as a file (CSV or XLSX).") in texts(
        await bot.send(BOARD_ID, "ini anggarannya")
    )
    assert tr_id("Please send the budget as a file (CSV or XLSX).") in texts(
        await bot.send_photo(BOARD_ID)
    )  # a photo of the sheet
    assert tr_id("Cancelled. The budget was not changed.") in texts(
        await bot.send(BOARD_ID, "/batal")
    )

    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat realisasi")
    await bot.send(BOARD_ID, "posyandu")
    await bot.press(BOARD_ID, 1)
    await bot.send(BOARD_ID, "500rb")
    clock.advance(timedelta(hours=2))
    assert tr_id(LAPSED) in texts(await bot.send(BOARD_ID, "hari ini"))
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Catat realisasi")
    await bot.send(BOARD_ID, "posyandu")
    await bot.press(BOARD_ID, 1)
    assert tr_id("Cancelled. Nothing was recorded.") in texts(await bot.send(BOARD_ID, "/batal"))
    assert rows(settings.database, "SELECT COUNT(*) FROM budget_realisations") == [(0,)]
    assert rows(settings.database, "SELECT COUNT(*) FROM drafts") == [(0,)]


async def test_a_line_with_many_entries_stays_within_limits(
    bot: Simulator, settings: Settings
) -> None:
    seed(settings, SAMPLE)
    conn = connect_sync(settings.database)
    [drain] = [x for x in budget.lines_of_year(conn, 2026) if x.program == "Drainase"]
    for n in range(45):
        in_transaction(
            conn,
            budget.add_entry,
            line_id=drain.id,
            spent_on=(NOW - timedelta(days=45 - n)).date(),
            amount=10_000 + n,
            description=f"Belanja <{n}> " + "bahan bangunan " * 15,
            receipt=f"file-{n}",
            actor_id=None,
            now=NOW,
        )
    conn.close()
    await bot.send(RESIDENT, "/anggaran drainase 2026")
    calls = await bot.press(RESIDENT, "Rincian 1")
    assert refused(calls) == []
    shown = texts(calls)
    assert tr_id("The latest {shown} of {count} entries:", shown=40, count=45) in shown
    assert "Belanja <44>" in shown
    buttons = bot.buttons(RESIDENT)
    assert len(buttons) == 40 and buttons[-1]["text"] == "Bukti 40"


async def test_a_10000_line_file_by_chat(bot: Simulator, settings: Settings) -> None:
    content = (
        HEAD
        + "\n"
        + "\n".join(
            f"2026,Program {i % 50},Kegiatan {i},sosial,APBD,{i % 20 + 1},KSM {i % 9},"
            f"{i + 1}000,0,"
            for i in range(10_000)
        )
    )
    await bot.send(BOARD_ID, "/admin")
    await bot.press(BOARD_ID, "Impor anggaran")
    preview = await bot.send_document(BOARD_ID, "anggaran.csv", content.encode())
    assert refused(preview) == [] and "Baris ditambahkan: 10.000" in texts(preview)
    assert "…dan 9.980 lagi." in texts(preview)
    done = await bot.press(BOARD_ID, "Impor")
    assert refused(done) == [] and tr_part("<b>Budget imported</b> for {years}.") in texts(done)
    assert rows(settings.database, "SELECT COUNT(*), SUM(allocation) FROM budget_lines") == [
        (10_000, sum((i + 1) * 1000 for i in range(10_000)))
    ]
    summary = await bot.send(RESIDENT, "/anggaran")
    assert refused(summary) == [] and "Pagu: Rp50.005.000.000" in texts(summary)
