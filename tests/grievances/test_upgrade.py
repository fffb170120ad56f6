"""Grievances after the renovation (issue 14) keep what the earlier code left behind.

- Conversations saved mid-way by the code before the flow runner (rows exactly as it wrote
  them: the PTB state as a JSON int under "[chat id, user id]", the draft with its step
  name and answers) resume and complete: a resident's conduct report at the exclusions, a
  board member's report on a resident's behalf at the resident's name, and the board's
  typed note after Verify.
- Buttons already in people's chats (the data strings the earlier code made, captured from
  it) still do what they did; malformed or foreign data gets the polite stale answer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from bot.transport.fake_api import ApiCall, FakeBotAPI
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference, rows, texts
from tests.support.saved_steps import write_saved_step

OTHER_BOARD = 1002
RESIDENT = 401
REPORTER = 402
STALE = "Tombol ini sudah tidak berlaku"


def person_id(path: Path, telegram_id: int) -> int:
    [(found,)] = rows(path, "SELECT id FROM people WHERE telegram_id = ?", (telegram_id,))
    return int(found)


async def test_grievance_flows_saved_mid_way_by_the_earlier_code_resume_and_complete(
    settings: Settings, api: FakeBotAPI, clock: FakeClock, make_bot: Callable[..., Simulator]
) -> None:
    admins = frozenset({BOARD_ID, OTHER_BOARD})
    first = make_bot(settings, admins=admins)
    async with running(first.application):
        for board in (BOARD_ID, OTHER_BOARD):
            first.names[board] = f"Pengurus {board}"
            await first.send(board, "/start")
        await first.send(RESIDENT, "/start")
        ref = reference(await file_report(first, REPORTER))
    path = settings.database
    [(gid,)] = rows(path, "SELECT id FROM grievances")
    at = clock.now().isoformat()
    update = api.last_update_id
    # a resident's conduct report, at "who must not see it" (Step.EXCLUDE = 10)
    write_saved_step(settings, "grievance_report", 10, "EXCLUDE", {
        "_update": update,
        "category": "perilaku",
        "description": "Ketua RT memungut biaya surat pengantar tanpa dasar yang jelas.",
        "evidence": [["photo", "file-1"]],
        "evidence_done": True,
        "exclude": [person_id(path, OTHER_BOARD)],
        "expected": None,
        "identity": "rahasia",
        "latitude": None,
        "longitude": None,
        "rt": 2,
        "rw": 1,
        "where": "rtrw",
    }, RESIDENT, at)  # fmt: skip
    # a board member filing on a resident's behalf, at the resident's name (Step.NAME = 9)
    write_saved_step(settings, "grievance_report", 9, "NAME", {
        "_update": update,
        "category": "infrastruktur",
        "channel": "in_person",
        "description": "Lampu jalan di gang 3 mati sejak dua minggu yang lalu.",
        "evidence": [],
        "evidence_done": True,
        "expected": "Diperbaiki segera",
        "identity": "terbuka",
        "on_behalf": True,
        "where": "none",
    }, BOARD_ID, at)  # fmt: skip
    # the board's note after Verify (board Step.TEXT = 1)
    write_saved_step(settings, "grievance_board", 1, "TEXT", {
        "_update": update, "assignee": None, "grievance_id": gid, "op": "verify",
    }, OTHER_BOARD, at)  # fmt: skip
    clock.advance(timedelta(minutes=5))
    second = make_bot(settings, admins=admins)
    async with running(second.application):
        # the Continue button under the exclusion list, shown before the upgrade
        summary = texts(await second.press_data(RESIDENT, "grv:r:exdone", 1))
        assert "Disembunyikan dari 1 pengurus" in summary
        assert "Terkirim" in texts(await second.press(RESIDENT, "Kirim"))
        assert "untuk umum" in texts(await second.send(BOARD_ID, "Budi Santoso"))
        assert "Lampu jalan" in texts(await second.press(BOARD_ID, "Tidak"))
        assert "Tercatat sebagai" in texts(await second.press(BOARD_ID, "Kirim"))
        assert "diverifikasi" in texts(await second.send(OTHER_BOARD, "Sudah dicek di lokasi."))
    assert rows(path, "SELECT COUNT(*) FROM drafts") == [(0,)]
    assert rows(path, "SELECT COUNT(*) FROM conversations") == [(0,)]
    filed = rows(
        path,
        "SELECT category, identity, reporter_name, channel, filed_by IS NOT NULL, status"
        " FROM grievances ORDER BY id",
    )
    assert filed == [
        ("infrastruktur", "terbuka", None, "telegram", 0, "diverifikasi"),
        ("perilaku", "rahasia", None, "telegram", 0, "diterima"),
        ("infrastruktur", "terbuka", "Budi Santoso", "in_person", 1, "diterima"),
    ]
    assert rows(path, "SELECT person_id FROM grievance_exclusions") == [
        (person_id(path, OTHER_BOARD),)
    ]
    assert rows(path, "SELECT COUNT(*) FROM grievance_evidence") == [(1,)]
    del ref


def stale(calls: list[ApiCall]) -> bool:
    return any(
        c.method == "answerCallbackQuery" and STALE in str(c.params.get("text")) for c in calls
    )


async def test_todays_button_data_still_work_or_get_the_stale_answer(
    settings: Settings, make_bot: Callable[..., Simulator]
) -> None:
    bot = make_bot(settings, admins=frozenset({BOARD_ID, OTHER_BOARD}))
    async with running(bot.application):
        for board in (BOARD_ID, OTHER_BOARD):
            bot.names[board] = f"Pengurus {board}"
            await bot.send(board, "/start")
        ref = reference(await file_report(bot, REPORTER))
        [(gid,)] = rows(settings.database, "SELECT id FROM grievances")
        board_pid = person_id(settings.database, BOARD_ID)

        async def works(user: int, data: str, expect: str) -> None:
            calls = await bot.press_data(user, data, 1)
            assert not stale(calls), data
            assert expect in texts(calls), (data, texts(calls))

        # the board's buttons, as the earlier code wrote them
        await works(BOARD_ID, "adm:grievances", ref)
        await works(BOARD_ID, "grv:q:open:all:0:0", ref)
        await works(BOARD_ID, "grv:q:diterima:infrastruktur:0:0", ref)
        await works(BOARD_ID, "grv:q:selesai:all:1:0", "Tidak ada laporan di sini.")
        await works(BOARD_ID, f"grv:b:{gid}", ref)
        await works(BOARD_ID, f"grv:lvl:{gid}", "Naikkan")
        await works(BOARD_ID, f"grv:do:verify:{gid}", "Memverifikasi")
        assert "diverifikasi" in texts(await bot.send(BOARD_ID, "Sudah dicek."))
        await works(BOARD_ID, f"grv:asg:{gid}", "Siapa yang menangani")
        await works(BOARD_ID, f"grv:do:reply:{gid}", "Tulis balasan Anda")
        await works(BOARD_ID, f"grv:do:to{board_pid}:{gid}", "Menugaskan")
        await works(BOARD_ID, f"grv:up:{gid}:kota", "sekarang di tingkat")
        await bot.send(BOARD_ID, "/batal")
        # the reporter's buttons
        await works(REPORTER, f"grv:f:show:{gid}", ref)
        await works(REPORTER, f"grv:f:add:{gid}", "Tulis informasi tambahan")
        await bot.send(REPORTER, "/batal")
        await works(REPORTER, "menu:myreports", ref)
        await works(REPORTER, "menu:report", "Laporan ini tentang apa?")
        assert stale(await bot.press_data(REPORTER, "grv:r:id:anonim", 1))  # another step's
        assert stale(await bot.press_data(REPORTER, "grv:r:ex:1:1", 1))
        await works(REPORTER, "grv:r:cat:pelayanan", "Ceritakan")
        assert stale(await bot.press_data(REPORTER, "grv:r:skip", 1))  # "what happened" is asked
        await works(REPORTER, "grv:r:cancel", "Dibatalkan")

        # malformed, forged or of another step: the stale answer, nothing done
        forged = [
            (BOARD_ID, "grv:q:open:all:2:0"),
            (BOARD_ID, "grv:q:nope:all:0:0"),
            (BOARD_ID, "grv:q:open:nope:0:0"),
            (BOARD_ID, "grv:q:open:all:0"),
            (BOARD_ID, "grv:b:abc"),
            (BOARD_ID, "grv:b:999999"),
            (BOARD_ID, f"grv:b:{gid}:1"),
            (BOARD_ID, "grv:ev:x"),
            (BOARD_ID, "grv:up:zz:kota"),
            (BOARD_ID, f"grv:do:frob:{gid}"),
            (BOARD_ID, "grv:do:verify:x"),
            (BOARD_ID, f"grv:do:to999999:{gid}"),
            (REPORTER, "grv:f:show:zz"),
            (REPORTER, "grv:f:show:a:nosuchtoken"),
            (REPORTER, f"grv:f:fix1:{gid}"),  # not resolved
            (REPORTER, f"grv:f:rate9:{gid}"),
            (REPORTER, "grv:f:rate3:a:nosuchtoken"),
            (REPORTER, "grv:r:send"),  # no report being written
            (REPORTER, "grv:r:cat:nope"),
        ]
        for user, data in forged:
            calls = await bot.press_data(user, data, 1)
            assert stale(calls), data
        assert rows(settings.database, "SELECT status, level FROM grievances") == [
            ("diverifikasi", "kota")
        ]


# Data of grievances buttons as the code before the renovation made them (captured from its
# test runs; a session token or confirm token written as TOKEN).
TODAYS_DATA = """
adm:grievances menu:report menu:myreports grv:behalf
grv:q:open:all:0:0 grv:q:open:infrastruktur:1:0 grv:q:diverifikasi:all:1:0
grv:q:selesai:keuangan:0:3 grv:q:ditolak:all:0:0
grv:b:1 grv:ev:1 grv:lvl:2 grv:up:1:kota grv:asg:1
grv:do:verify:1 grv:do:take:1 grv:do:resolve:1 grv:do:reply:2 grv:do:hide:1
grv:do:reject:1:TOKEN grv:do:to1:1
grv:f:show:1 grv:f:add:1 grv:f:add:a:TOKEN grv:f:fix0:1 grv:f:fix0:a:TOKEN
grv:f:fix1:1 grv:f:fix1:a:TOKEN grv:f:rate1:1 grv:f:rate5:1 grv:f:rate3:a:TOKEN
grv:r:resume grv:r:restart grv:r:cancel grv:r:send grv:r:edit grv:r:skip grv:r:evdone
grv:r:exdone grv:r:cat:infrastruktur grv:r:cat:keuangan grv:r:cat:lainnya
grv:r:cat:pelayanan grv:r:cat:perilaku grv:r:ch:box grv:r:ch:in_person grv:r:ch:phone
grv:r:e:CATEGORY grv:r:e:DESCRIPTION grv:r:e:EVIDENCE grv:r:e:EXPECTED grv:r:e:IDENTITY
grv:r:e:PUBLIC grv:r:e:WHERE grv:r:ex:1:1 grv:r:ex:2:0 grv:r:ex:2
grv:r:id:anonim grv:r:id:rahasia grv:r:id:terbuka grv:r:pub:0 grv:r:pub:1
""".replace("TOKEN", "Ab3_x-YZ12qw").split()


def test_todays_button_data_decode_to_one_kind_and_are_made_again_the_same() -> None:
    from bot.buttons import Button, kind_of

    for data in TODAYS_DATA:
        kind = kind_of(data)
        assert kind is not None, data
        if isinstance(kind, type) and issubclass(kind, Button):
            pressed = kind.unpack(data)
            assert pressed is not None and pressed.data == data, data
        else:
            assert kind.prefix == data, data
    for data in ("grv:f:rate9:1", "grv:f:rate0:a:x", "grv:do:verify:1:x", "grv:q:open:all:0"):
        assert kind_of(data) is None, data
