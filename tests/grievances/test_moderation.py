"""Grievances on the one moderation seam: a public summary is hidden from the card's button or
from /admin › Hide public content alike (checked, stored in `moderation`, audited once); the
public then sees "disembunyikan oleh pengurus" and the reason; old hidden state migrates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.simulator import Simulator, running
from storage import audit, migrate
from storage.db import connect_sync
from storage.grievances import reports as grievances
from tests.conftest import BOARD_ID
from tests.support.grievances import file_report, reference, rows, texts, to
from tests.support.i18n import tr_id, tr_part

RESIDENT = 411
OUTSIDER = 412
SECRET_TEXT = "Pak Budi <0812> & tetangga meluap ke rumah warga RT 02."
REASON = "Memuat <nomor> & nama tetangga."
HIDDEN = "disembunyikan oleh pengurus: " + REASON  # as read (plain text)
ESCAPED = "<i>disembunyikan oleh pengurus</i>: Memuat &lt;nomor&gt; &amp; nama tetangga."


@pytest.fixture
async def sim(settings: Settings, make_bot: Callable[..., Simulator]) -> AsyncIterator[Simulator]:
    bot = make_bot(settings)
    async with running(bot.application):
        await bot.send(BOARD_ID, "/start")
        yield bot


def html_texts(calls: list) -> str:  # type: ignore[type-arg]
    """The texts as sent (HTML), to check escaping."""
    return "\n".join(str(c.params.get("text") or "") for c in calls)


def alert_text(calls: list) -> str:  # type: ignore[type-arg]
    return "\n".join(str(c.params.get("text")) for c in calls if c.method == "answerCallbackQuery")


def moderation_audit(path: Path) -> list[tuple[object, ...]]:
    return rows(
        path,
        "SELECT action, object_type, object_id FROM audit"
        " WHERE action LIKE 'moderation.%' OR action LIKE '%hidden%' ORDER BY id",
    )


async def test_hiding_from_the_card_goes_through_the_moderation_seam(
    sim: Simulator, settings: Settings
) -> None:
    sim.names[RESIDENT] = "Sulastri"
    ref = reference(await file_report(sim, RESIDENT, description=SECRET_TEXT, public=True))
    assert "Pak Budi" in texts(await sim.send(OUTSIDER, "/transparansi"))
    await sim.send(BOARD_ID, "/pengaduan")
    await sim.press(BOARD_ID, ref)
    asked = texts(await sim.press(BOARD_ID, "Sembunyikan ringkasan publik"))
    assert (
        ref in asked
        and tr_id(
            'Why hide it? The public sees "hidden by the board" and '
            "this reason, so do not repeat the personal or abusive "
            "content."
        )
        in asked
    )
    assert tr_part("That is too short: write at least {minimum} characters.") in texts(
        await sim.send(BOARD_ID, "x")
    )  # re-asked, nothing hidden
    assert moderation_audit(settings.database) == []
    calls = await sim.send(BOARD_ID, REASON)
    assert HIDDEN in texts(to(calls, BOARD_ID)) and ESCAPED in html_texts(calls)
    # the reporter of a named report is told, with the reason
    told = texts(to(calls, RESIDENT))
    assert ref in told and REASON in told
    public_calls = await sim.send(OUTSIDER, "/transparansi")
    assert f"{ref} · Infrastruktur · diterima · Sulastri: {ESCAPED}" in html_texts(public_calls)
    assert "Pak Budi" not in texts(public_calls)
    assert moderation_audit(settings.database) == [("moderation.hidden", "grievance", ref)]
    assert rows(settings.database, "SELECT object_type, object_id, reason FROM moderation") == [
        ("grievance", ref, REASON)
    ]
    # the board still sees the report; the hide button is gone; a stale press changes nothing
    await sim.send(BOARD_ID, "/pengaduan")
    card = await sim.press(BOARD_ID, ref)
    assert "Pak Budi" in texts(card) and f"Ringkasan publik: {HIDDEN}" in texts(card)
    assert "Sembunyikan ringkasan publik" not in str(sim.buttons(card))
    grievance_id = rows(settings.database, "SELECT id FROM grievances")[0][0]
    stale = await sim.press_data(BOARD_ID, f"grv:do:hide:{grievance_id}", message_id=1)
    assert tr_id("This button is no longer valid.") in alert_text(stale)
    assert len(moderation_audit(settings.database)) == 1


async def test_hiding_from_admin_names_the_report_and_anonymous_reporters_are_never_told(
    sim: Simulator, settings: Settings
) -> None:
    calls = await file_report(sim, RESIDENT, identity="Anonim", description=SECRET_TEXT)
    ref = reference(calls)
    private = reference(await file_report(sim, OUTSIDER, public=False))
    await sim.send(BOARD_ID, "/admin")
    await sim.press(BOARD_ID, "Sembunyikan konten publik")
    asked = texts(await sim.press(BOARD_ID, "Ringkasan pengaduan publik"))
    assert "LPR-2026-0001" in asked
    # a report not listed publicly has no public summary to hide
    assert tr_id("I found nothing with that number. Try again.") in texts(
        await sim.send(BOARD_ID, private)
    )
    assert tr_id(
        'Why hide it? The public sees "hidden by the board" and '
        "this reason, so do not repeat the personal or abusive "
        "content."
    ) in texts(await sim.send(BOARD_ID, ref.lower()))
    calls = await sim.send(BOARD_ID, REASON)
    assert HIDDEN in texts(to(calls, BOARD_ID))
    assert to(calls, RESIDENT) == []  # nothing is ever sent to an anonymous reporter
    public = texts(await sim.send(OUTSIDER, "/transparansi"))
    assert f"{ref} · Infrastruktur · diterima: {HIDDEN}" in public and "Pak Budi" not in public
    assert moderation_audit(settings.database) == [("moderation.hidden", "grievance", ref)]


def test_migration_0008_moves_a_summary_hidden_the_old_way(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = connect_sync(path)
    migrate.apply(conn, path, migrate.available()[:7])
    conn.execute("BEGIN")
    board = conn.execute(
        "INSERT INTO people (telegram_id, full_name, role, created_at)"
        " VALUES (99, 'Pengurus', 'pengurus', '2026-11-01') RETURNING id"
    ).fetchone()[0]
    for n, reason in ((1, "Alasan <lama>"), (2, None)):
        conn.execute(
            "INSERT INTO grievances (id, ref, year, seq, category, description, identity,"
            " public, hidden_reason, created_at, response_due_at, resolve_due_at)"
            " VALUES (?, ?, 2026, ?, 'lainnya', 'Teks lama.', 'terbuka', 1, ?,"
            " '2026-11-02T00:00:00+00:00', '2026-11-09T00:00:00+00:00',"
            " '2026-11-20T00:00:00+00:00')",
            (n + 10, f"LPR-2026-000{n}", n, reason),
        )
    when = datetime(2026, 11, 3, tzinfo=UTC)
    audit.record(
        conn, now=when, actor_id=board, actor_role="pengurus", action="grievance.public_hidden",
        object_type="grievance", object_id=11, before={"public": True}, after={"public": False},
    )  # fmt: skip
    conn.execute("COMMIT")

    migrate.apply(conn, path)
    moved = conn.execute("SELECT object_type, object_id, reason, hidden_by FROM moderation")
    assert [tuple(r) for r in moved] == [("grievance", "LPR-2026-0001", "Alasan <lama>", board)]
    columns = {r[1] for r in conn.execute("PRAGMA table_info(grievances)")}
    assert "hidden_reason" not in columns
    first, second = grievances.get(conn, 11), grievances.get(conn, 12)
    assert first is not None and first.hidden_reason == "Alasan <lama>"
    assert second is not None and second.hidden_reason is None
    conn.close()


async def test_a_hide_left_waiting_for_a_one_press_action_hides_nothing_later(
    sim: Simulator, settings: Settings, clock: FakeClock
) -> None:
    """Hide pressed, then the level of another report raised (presses only: no flow step
    ends the hide): a text afterwards is not a hiding reason."""
    first = reference(await file_report(sim, RESIDENT, public=True))
    second = reference(await file_report(sim, RESIDENT, public=True))
    await sim.send(BOARD_ID, "/pengaduan")
    await sim.press(BOARD_ID, first)
    await sim.press(BOARD_ID, "Sembunyikan ringkasan publik")
    clock.advance(timedelta(minutes=2))
    await sim.send(BOARD_ID, "/pengaduan")
    await sim.press(BOARD_ID, second)
    await sim.press(BOARD_ID, "Naikkan tingkat")
    await sim.press(BOARD_ID, 1)
    assert rows(settings.database, "SELECT level FROM grievances ORDER BY id") == [
        ("kelurahan",),
        ("kota",),
    ]
    told = texts(await sim.send(BOARD_ID, "Sudah diteruskan ke dinas kota."))
    assert (
        tr_id(
            "You started something else, so hiding was cancelled and "
            "nothing was hidden. Please send your message again."
        )
        in told
    )
    assert rows(settings.database, "SELECT COUNT(*) FROM moderation") == [(0,)]
