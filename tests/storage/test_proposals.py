"""storage/proposals.py on a real SQLite file: references, endorsements, transitions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rules.proposal_status import Actor, InvalidTransition, Status
from storage import moderation, proposal_records, proposals
from storage.db import Database

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def person(conn: sqlite3.Connection, role: str = "anggota", name: str = "Siti Aminah") -> int:
    return conn.execute(
        "INSERT INTO people (telegram_id, full_name, rt, rw, role, created_at)"
        " VALUES (abs(random() % 1000000000) + 1, ?, 3, 5, ?, ?) RETURNING id",
        (name, role, NOW.isoformat()),
    ).fetchone()[0]


def hide(
    conn: sqlite3.Connection, object_id: str, board: int, reason: str, kind: str = ""
) -> None:
    """Hide through the one moderation seam, as /admin and the detail view's buttons do."""
    moderation.hide(
        conn,
        object_type=kind or proposals.PROPOSAL_TYPE,
        object_id=object_id,
        reason=reason,
        board_id=board,
        now=NOW,
    )


def new(conn: sqlite3.Connection, proposer: int | None, **changes: Any) -> proposals.Proposal:
    values: dict[str, Any] = dict(
        proposer_id=proposer,
        field="lingkungan",
        title="Perbaikan saluran air RT 03",
        description="Saluran air mampet dan meluap setiap hujan deras.",
        rt=3,
        rw=5,
        latitude=None,
        longitude=None,
        estimated_cost=1_500_000,
        photos=[],
        show_name=False,
        now=NOW,
        year=2026,
    )
    values.update(changes)
    return proposals.create(conn, **values)


async def test_references_count_per_year(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> list[str]:
        who = person(conn)
        made = [new(conn, who), new(conn, who), new(conn, who, year=2027)]
        return [p.reference for p in made]

    assert await db.write(run) == ["USL-2026-0001", "USL-2026-0002", "USL-2027-0001"]
    found = await db.read(proposals.by_reference, "usl-2026-0002")
    assert found is not None and found.reference == "USL-2026-0002"
    assert await db.read(proposals.by_reference, "USL-2026-9999") is None


async def test_one_endorsement_per_member_and_not_ones_own(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> None:
        proposer, member, resident = person(conn), person(conn), person(conn, "warga")
        p = new(conn, proposer)
        first = proposals.endorse(conn, proposal_id=p.id, person_id=member, threshold=20, now=NOW)
        again = proposals.endorse(conn, proposal_id=p.id, person_id=member, threshold=20, now=NOW)
        assert first.changed and not again.changed and again.proposal.endorsements == 1
        with pytest.raises(proposals.OwnProposal):
            proposals.endorse(conn, proposal_id=p.id, person_id=proposer, threshold=20, now=NOW)
        with pytest.raises(proposals.NotMember):
            proposals.endorse(conn, proposal_id=p.id, person_id=resident, threshold=20, now=NOW)
        with pytest.raises(proposals.NotFound):
            proposals.endorse(conn, proposal_id=999, person_id=member, threshold=20, now=NOW)
        # the database itself refuses a second row
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO proposal_endorsements VALUES (?, ?, ?)", (p.id, member, "x"))
        withdrawn = proposals.withdraw(conn, proposal_id=p.id, person_id=member, now=NOW)
        assert withdrawn.changed and withdrawn.proposal.endorsements == 0

    await db.write(run)


async def test_the_threshold_is_reached_once(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> list[bool]:
        p = new(conn, person(conn))
        members = [person(conn) for _ in range(4)]
        reached = [
            proposals.endorse(
                conn, proposal_id=p.id, person_id=m, threshold=3, now=NOW
            ).reached_threshold
            for m in members[:3]
        ]
        proposals.withdraw(conn, proposal_id=p.id, person_id=members[0], now=NOW)
        again = proposals.endorse(
            conn, proposal_id=p.id, person_id=members[3], threshold=3, now=NOW
        )
        return [*reached, again.reached_threshold]

    assert await db.write(run) == [False, False, True, False]


async def test_transitions_follow_the_machine_and_leave_a_trail(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> None:
        board = person(conn, "pengurus")
        p = new(conn, person(conn))
        with pytest.raises(InvalidTransition):
            proposals.transition(
                conn,
                proposal_id=p.id,
                target=Status.FUNDED,
                actor_id=board,
                actor=Actor.BOARD,
                now=NOW,
            )
        proposals.transition(
            conn,
            proposal_id=p.id,
            target=Status.VERIFIED,
            actor_id=board,
            actor=Actor.BOARD,
            now=NOW + timedelta(days=1),
            expected=Status.NEW,
        )
        with pytest.raises(InvalidTransition):  # a button pressed on an older view
            proposals.transition(
                conn,
                proposal_id=p.id,
                target=Status.VERIFIED,
                actor_id=board,
                actor=Actor.BOARD,
                now=NOW,
                expected=Status.NEW,
            )
        _, after = proposals.transition(
            conn,
            proposal_id=p.id,
            target=Status.ACCEPTED,
            actor_id=board,
            actor=Actor.BOARD,
            now=NOW + timedelta(days=2),
            board_cost=2_000_000,
            planned_period="Januari 2027",
        )
        assert (after.status, after.board_cost, after.planned_period) == (
            Status.ACCEPTED,
            2_000_000,
            "Januari 2027",
        )
        trail = proposals.events(conn, p.id)
        assert [(e.from_status, e.to_status) for e in trail] == [
            (None, Status.NEW),
            (Status.NEW, Status.VERIFIED),
            (Status.VERIFIED, Status.ACCEPTED),
        ]
        actions = [r[0] for r in conn.execute("SELECT action FROM audit ORDER BY id")]
        assert actions[-2:] == ["proposal.terverifikasi", "proposal.diterima"]

    await db.write(run)


async def test_revision_goes_back_to_new_only_by_the_proposer(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> None:
        board, proposer, other = person(conn, "pengurus"), person(conn), person(conn)
        p = new(conn, proposer)
        proposals.transition(
            conn,
            proposal_id=p.id,
            target=Status.REVISION,
            actor_id=board,
            actor=Actor.BOARD,
            now=NOW,
            reason="Lengkapi lokasinya",
        )
        with pytest.raises(InvalidTransition):
            proposals.revise(conn, proposal_id=p.id, person_id=other, changes={}, now=NOW)
        revised = proposals.revise(
            conn, proposal_id=p.id, person_id=proposer, changes={"rt": 4}, now=NOW
        )
        assert revised.status is Status.NEW and revised.rt == 4

    await db.write(run)


async def test_similar_titles_by_word_overlap(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> list[str]:
        who = person(conn)
        new(conn, who, title="Perbaikan saluran air RT 03")
        new(conn, who, title="Pembangunan saluran drainase")
        new(conn, who, title="Posyandu lansia")
        hidden = new(conn, who, title="Saluran air kotor sekali")
        hide(conn, hidden.reference, person(conn, "pengurus"), "kasar")
        return [p.title for p in proposals.similar(conn, "saluran air mampet")]

    assert await db.write(run) == ["Perbaikan saluran air RT 03", "Pembangunan saluran drainase"]


async def test_personal_data_export_erase_and_merge(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> None:
        keep, drop, third = person(conn), person(conn), person(conn)
        mine = new(conn, drop, show_name=True)
        theirs = new(conn, third)
        keeps = new(conn, keep)
        # both accounts endorse third's proposal; drop endorses keep's; keep endorses drop's
        for who, target in ((keep, theirs), (drop, theirs), (drop, keeps), (keep, mine)):
            proposals.endorse(conn, proposal_id=target.id, person_id=who, threshold=20, now=NOW)
        exported = proposal_records.export_person(conn, drop)
        assert [p["reference"] for p in exported["proposals"]] == [mine.reference]
        assert {e["reference"] for e in exported["endorsements"]} == {
            theirs.reference,
            keeps.reference,
        }
        proposal_records.merge_people(conn, keep, drop)
        counts = dict(
            conn.execute(
                "SELECT proposal_id, COUNT(*) FROM proposal_endorsements GROUP BY proposal_id"
            )
        )
        assert counts.get(theirs.id) == 1  # never doubled
        assert keeps.id not in counts and mine.id not in counts  # never one's own
        assert proposals.get(conn, mine.id).proposer_id == keep  # type: ignore[union-attr]
        proposal_records.erase_person(conn, keep, NOW)
        erased = proposals.get(conn, mine.id)
        assert erased is not None and erased.proposer_erased and erased.proposer_id is None
        assert not erased.show_name and erased.title == mine.title  # the record stays

    await db.write(run)


async def test_export_hides_hidden_text_and_unshown_names(db: Database) -> None:
    def run(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
        board = person(conn, "pengurus")
        a = new(conn, person(conn, name="Budi Santoso"), show_name=True)
        new(conn, person(conn, name="Rahasia Sekali"))
        hide(conn, a.reference, board, "data pribadi")
        return proposal_records.export_rows(conn)

    exported = await db.write(run)
    assert [r[-1] for r in exported] == ["Budi Santoso", ""]
    assert exported[0][3:5] == ("[disembunyikan oleh pengurus]", "data pribadi")
    assert exported[1][3] == "Perbaikan saluran air RT 03"
    assert "Rahasia" not in str(exported) and "mampet" not in str(exported[0])
