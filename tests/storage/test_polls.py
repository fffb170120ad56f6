"""storage/polls.py on a real SQLite file: sealing, one vote per person, personal data, merging."""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from bot.features import discover
from rules.tally import marks_of
from storage import poll_records, polls
from storage.db import Database

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def people(conn: sqlite3.Connection, n: int, role: str = "anggota") -> list[int]:
    return [
        conn.execute(
            "INSERT INTO people (telegram_id, role, rw, language, created_at)"
            " VALUES (?, ?, 1, 'id', ?) RETURNING id",
            (9000 + i + conn.execute("SELECT COUNT(*) FROM people").fetchone()[0], role,
             NOW.isoformat()),
        ).fetchone()[0]
        for i in range(n)
    ]  # fmt: skip


def on_board(conn: sqlite3.Connection, person: int) -> int:
    """Make the person a board member: storage refuses a board action by anyone else."""
    conn.execute("UPDATE people SET role = 'pengurus' WHERE id = ?", (person,))
    return person


def publish(conn: sqlite3.Connection, board: int, ballot: str) -> polls.Poll:
    on_board(conn, board)
    return polls.publish(
        conn,
        board_id=board,
        question="Q?",
        options=["A", "B"],
        audience="members",
        audience_rw=None,
        ballot=ballot,
        max_choices=1,
        results="after",
        quorum=None,
        closes_at=NOW + timedelta(days=2),
        now=NOW,
    ).poll


async def test_sealed_counts_and_one_vote_per_person(db: Database) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        board, a, b = people(conn, 3)
        poll = publish(conn, board, "secret")
        assert poll.reference == "POL-2026-0001"
        assert publish(conn, board, "open").reference == "POL-2026-0002"
        polls.cast(conn, poll_id=poll.id, person_id=a, marks=marks_of([1]), now=NOW)
        with pytest.raises(polls.AlreadyVoted):
            polls.cast(conn, poll_id=poll.id, person_id=a, marks=marks_of([2]), now=NOW)
        with pytest.raises(polls.BadChoice):
            polls.cast(conn, poll_id=poll.id, person_id=b, marks=marks_of([1, 2]), now=NOW)
        with pytest.raises(polls.PollError):  # nobody reads a sealed poll's counts
            polls.counts(conn, poll.id, reveal=False)
        # the database itself refuses a second roll entry and a roll entry off the list
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO poll_roll VALUES (?, ?, 'chat')", (poll.id, a))
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO poll_roll VALUES (?, 99999, 'chat')", (poll.id,))
        with pytest.raises(polls.PollClosed):
            polls.cast(
                conn,
                poll_id=poll.id,
                person_id=b,
                marks=marks_of([1]),
                now=NOW + timedelta(days=3),
            )

    await db.write(scenario)


async def test_personal_data_export_erase_and_merge(db: Database) -> None:
    registry = discover()
    [entry] = [p for p in registry.personal_data if p.key == "polls"]
    assert entry.merge is not None

    def scenario(conn: sqlite3.Connection) -> None:
        board, keep, drop, other = people(conn, 4)
        secret = publish(conn, board, "secret")
        open_ = publish(conn, board, "open")
        for person, option in ((keep, 1), (drop, 2)):
            polls.cast(
                conn, poll_id=secret.id, person_id=person, marks=marks_of([option]), now=NOW
            )
            polls.cast(conn, poll_id=open_.id, person_id=person, marks=marks_of([option]), now=NOW)
        polls.cast(conn, poll_id=open_.id, person_id=other, marks=marks_of([2]), now=NOW)
        mine = entry.export(conn, keep)
        assert {v["poll"]: v.get("options") for v in mine["voted"]} == {
            "POL-2026-0001": None,  # a secret ballot's choice is linked to nobody
            "POL-2026-0002": [1],
        }
        entry.erase(conn, keep, NOW)
        assert polls.counts(conn, open_.id, reveal=True).voters == 3  # votes stay counted
        entry.merge(conn, keep, drop)  # type: ignore[misc]
        # open ballot: one vote left, keep's; secret: one roll entry, both ballots remain
        rows = conn.execute(
            "SELECT person_id, marks FROM poll_votes WHERE poll_id = ? ORDER BY person_id",
            (open_.id,),
        ).fetchall()
        assert [tuple(r) for r in rows] == [(keep, marks_of([1])), (other, marks_of([2]))]
        assert polls.turnout(conn, secret.id) == (1, 3)
        assert len(polls.counts(conn, secret.id, reveal=True).ballots) == 2
        assert not polls.is_eligible(conn, secret.id, drop)

    await db.write(scenario)


async def test_merge_moves_a_vote_of_the_dropped_account(db: Database) -> None:
    def scenario(conn: sqlite3.Connection) -> None:
        board, keep, drop = people(conn, 3)
        open_ = publish(conn, board, "open")
        conn.execute("DELETE FROM poll_eligible WHERE person_id = ?", (keep,))  # joined later
        polls.cast(conn, poll_id=open_.id, person_id=drop, marks=marks_of([2]), now=NOW)
        poll_records.merge_people(conn, keep, drop)
        assert polls.open_vote(conn, open_.id, keep) == marks_of([2])
        assert polls.has_voted(conn, open_.id, keep) and not polls.has_voted(conn, open_.id, drop)

    await db.write(scenario)


async def test_demo_polls_and_the_export_link_no_secret_ballot(db: Database) -> None:
    from storage.demo import people as demo

    def scenario(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
        demo.seed_people(conn, NOW)
        poll_records.seed_demo(conn, NOW)
        poll_records.seed_demo(conn, NOW)  # twice: nothing doubled
        assert poll_records.summary(conn)["closed"] == 1
        return poll_records.export_rows(conn)

    rows = await db.write(scenario)
    secret = [r for r in rows if r[1] == "secret"]
    assert secret and all(r[5] == "option" for r in secret)  # counts only, no voter rows
    assert [r[8] for r in secret] == [4, 2, 0]  # closed: the counts are public
    open_rows = [r for r in rows if r[1] == "open"]
    assert [r[8] for r in open_rows if r[5] == "voter"] == ["2"]  # live open ballot


async def test_which_slot_a_vote_fills_does_not_follow_the_voting_order(db: Database) -> None:
    """1,000 distinct ballots cast in a known order: neighbouring slots of the box must not be
    filled by neighbouring votes (a "next blank after a random point" rule fails this: it
    grows runs of slots in voting order)."""
    n = 1000

    def scenario(conn: sqlite3.Connection) -> list[int]:
        board, *voters = people(conn, n + 1)
        poll = polls.publish(
            conn,
            board_id=on_board(conn, board),
            question="Q?",
            options=[f"O{i}" for i in range(1, 11)],
            audience="members",
            audience_rw=None,
            ballot="secret",
            max_choices=10,
            results="after",
            quorum=None,
            closes_at=NOW + timedelta(days=2),
            now=NOW,
        ).poll
        for step, person in enumerate(voters):
            marks = marks_of([b + 1 for b in range(10) if (step + 1) >> b & 1])
            polls.cast(conn, poll_id=poll.id, person_id=person, marks=marks, now=NOW)
        rows = conn.execute(
            "SELECT marks FROM poll_ballots WHERE poll_id = ? AND marks != ? ORDER BY slot",
            (poll.id, "0" * 10),
        ).fetchall()
        return [int(r[0][::-1], 2) - 1 for r in rows]  # each ballot's voting step

    steps = await db.write(scenario)
    assert sorted(steps) == list(range(n))
    gap = sum(abs(a - b) for a, b in itertools.pairwise(steps)) / (len(steps) - 1) / n
    assert gap > 0.30, gap  # random order: 1/3 (sd ≈ 0.007); runs in voting order: ≈ 0.24
