"""Polls in the registries: the public summary, `bkm-bot export polls`, what a person's
data is here (/datasaya, /hapusdata, merging two accounts of one person), `--demo` polls."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from rules.tally import marks_of, positions_of
from storage.polls import (
    cast,
    close,
    counts,
    drop_blank_slot,
    get,
    has_voted,
    is_eligible,
    publish,
    turnout,
)


def summary(conn: sqlite3.Connection) -> dict[str, int]:
    """Polls held and the overall turnout of closed ones (public)."""
    row = conn.execute(
        "SELECT COUNT(*) FILTER (WHERE status = 'open'),"
        " COUNT(*) FILTER (WHERE status = 'closed') FROM polls"
    ).fetchone()
    voters = conn.execute(
        "SELECT COUNT(*) FROM poll_roll r JOIN polls p ON p.id = r.poll_id"
        " WHERE p.status = 'closed'"
    ).fetchone()[0]
    eligible = conn.execute(
        "SELECT COUNT(*) FROM poll_eligible e JOIN polls p ON p.id = e.poll_id"
        " WHERE p.status = 'closed'"
    ).fetchone()[0]
    return {"open": row[0], "closed": row[1], "voters": voters, "eligible": eligible}


# One row per person who voted in a poll of the year (the year of its reference), from the
# roll of who voted (chat or in person) — never from a ballot: nothing here touches a choice.
# Erased voters are not counted (their votes stay counted in the polls).
_VOTERS = """
    SELECT pp.rw AS rw, COALESCE(pp.gender, 'unspecified') AS gender
    FROM poll_roll r JOIN polls p ON p.id = r.poll_id JOIN people pp ON pp.id = r.person_id
    WHERE substr(p.reference, 5, 4) = :year AND pp.erased_at IS NULL GROUP BY pp.id
"""


def latest_year(conn: sqlite3.Connection) -> int | None:
    """The newest year with a poll anyone voted in."""
    row = conn.execute(
        "SELECT MAX(CAST(substr(p.reference, 5, 4) AS INTEGER)) FROM polls p"
        " WHERE EXISTS (SELECT 1 FROM poll_roll r WHERE r.poll_id = p.id)"
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def voter_participation(
    conn: sqlite3.Connection, year: int
) -> tuple[list[tuple[int, int]], list[tuple[str, int]]]:
    """Voters of this year per RW and per gender (no names, no choices), for /transparansi."""
    params = {"year": f"{year:04d}"}
    by_rw = conn.execute(
        f"SELECT rw, COUNT(*) FROM ({_VOTERS}) WHERE rw IS NOT NULL GROUP BY rw ORDER BY rw",
        params,
    ).fetchall()
    by_gender = conn.execute(
        f"SELECT gender, COUNT(*) FROM ({_VOTERS}) GROUP BY gender ORDER BY gender", params
    ).fetchall()
    return [(r[0], r[1]) for r in by_rw], [(r[0], r[1]) for r in by_gender]


def export_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """One row per poll and option: counts for closed or live polls, blank while sealed; and
    for open-ballot polls one row per voter (person number, name, options, channel) — an
    open ballot is public with the voter's name. Nothing links a secret ballot to a voter."""
    out: list[tuple[Any, ...]] = []
    for (poll_id,) in conn.execute("SELECT id FROM polls ORDER BY id").fetchall():
        poll = get(conn, poll_id)
        assert poll is not None
        voters, eligible = turnout(conn, poll_id)
        sealed = poll.is_open and not poll.live
        tallies: list[int | None] = [None] * len(poll.options)
        if not sealed:
            found = counts(conn, poll_id, reveal=False)
            counted = [0] * len(poll.options)
            for marks in found.ballots:
                for position in positions_of(marks):
                    if position <= len(counted):
                        counted[position - 1] += 1
            tallies = list(counted)
        for i, label in enumerate(poll.options):
            out.append(
                (poll.reference, poll.ballot, poll.status, eligible, voters, "option", i + 1,
                 label, "" if tallies[i] is None else tallies[i], "")
            )  # fmt: skip
        if not poll.secret:
            for person_id, name, marks, channel in conn.execute(
                "SELECT v.person_id, COALESCE(p.full_name, p.display_name, ''), v.marks,"
                " r.channel FROM poll_votes v JOIN poll_roll r"
                " ON r.poll_id = v.poll_id AND r.person_id = v.person_id"
                " JOIN people p ON p.id = v.person_id"
                " WHERE v.poll_id = ? ORDER BY v.person_id",
                (poll_id,),
            ).fetchall():
                chosen = ",".join(map(str, positions_of(marks)))
                value = "" if sealed else chosen
                out.append(
                    (poll.reference, poll.ballot, poll.status, eligible, voters, "voter",
                     person_id, name, value, channel)
                )  # fmt: skip
    return out


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """The polls this person voted in, and their open-ballot choices. A secret ballot's choice
    is not linked to anyone, so it cannot be exported."""
    voted = []
    for reference, question, ballot, channel, marks, voted_at in conn.execute(
        "SELECT p.reference, p.question, p.ballot, r.channel, v.marks, v.voted_at"
        " FROM poll_roll r JOIN polls p ON p.id = r.poll_id"
        " LEFT JOIN poll_votes v ON v.poll_id = r.poll_id AND v.person_id = r.person_id"
        " WHERE r.person_id = ? ORDER BY p.id",
        (person_id,),
    ):
        entry: dict[str, Any] = {
            "poll": reference,
            "question": question,
            "ballot": ballot,
            "channel": channel,
        }
        if ballot == "open" and marks is not None:
            entry["options"] = positions_of(marks)
            entry["voted_at"] = voted_at
        voted.append(entry)
    eligible = [
        r[0]
        for r in conn.execute(
            "SELECT p.reference FROM poll_eligible e JOIN polls p ON p.id = e.poll_id"
            " WHERE e.person_id = ? ORDER BY p.id",
            (person_id,),
        )
    ]
    return {"voted": voted, "eligible_in": eligible}


def erase_person(conn: sqlite3.Connection, person_id: int, now: datetime) -> None:
    """Nothing personal is stored here beyond the person id: votes stay counted."""


def merge_people(conn: sqlite3.Connection, keep: int, drop: int) -> None:
    """Move `drop`'s polls to `keep` without a second vote and without adding anyone: the
    person keeps one place on each list they were on. Only `drop` on a list: its place (and
    vote) moves to `keep`. Both on a list: `drop`'s place goes; if only `drop` voted, its
    vote moves to `keep`; for a secret poll a blank slot leaves the box with the place. Both
    voted: an open ballot keeps `keep`'s vote; a secret one keeps one roll entry (its two
    ballots are not linkable to anyone, so the extra one cannot be taken out of the box).
    Whether the merged person still qualifies (membership, RW) is checked once the people
    rows are merged (`storage.personal.merge` → `polls.withdraw_unqualified`)."""
    for (poll_id,) in conn.execute(
        "SELECT poll_id FROM poll_eligible WHERE person_id = ?", (drop,)
    ).fetchall():
        poll = get(conn, poll_id)
        assert poll is not None
        keep_eligible = is_eligible(conn, poll_id, keep)
        drop_voted = has_voted(conn, poll_id, drop)
        keep_voted = has_voted(conn, poll_id, keep)
        if not keep_eligible:  # the place moves to the kept account
            conn.execute(
                "INSERT INTO poll_eligible (poll_id, person_id) VALUES (?, ?)", (poll_id, keep)
            )
        if drop_voted and keep_voted:
            conn.execute(  # poll_votes cascades
                "DELETE FROM poll_roll WHERE poll_id = ? AND person_id = ?", (poll_id, drop)
            )
        elif drop_voted:
            conn.execute(
                "UPDATE poll_roll SET person_id = ? WHERE poll_id = ? AND person_id = ?",
                (keep, poll_id, drop),
            )
        conn.execute(
            "DELETE FROM poll_eligible WHERE poll_id = ? AND person_id = ?", (poll_id, drop)
        )
        if keep_eligible and not (drop_voted and keep_voted) and poll.secret:
            # one of the two places goes, and it had not voted: so does one blank slot
            drop_blank_slot(conn, poll_id)


def seed_demo(conn: sqlite3.Connection, now: datetime) -> None:
    """A closed secret poll with results and an open open-ballot poll, by the demo board."""
    if conn.execute("SELECT 1 FROM polls LIMIT 1").fetchone():
        return
    board = conn.execute("SELECT id FROM people WHERE role = 'pengurus' ORDER BY id").fetchone()
    members = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM people WHERE role IN ('anggota', 'pengurus') ORDER BY id"
        )
    ]
    if board is None or len(members) < 3:
        return
    earlier = now - timedelta(days=10)
    closed = publish(
        conn,
        board_id=board[0],
        question="Prioritas BLM tahun depan: mana yang dikerjakan dulu?",
        options=["Perbaikan drainase RW 03", "Penerangan jalan RW 01", "Sumur resapan RW 05"],
        audience="members",
        audience_rw=None,
        ballot="secret",
        max_choices=1,
        results="after",
        quorum=50,
        closes_at=earlier + timedelta(days=3),
        now=earlier,
    )
    for i, person_id in enumerate(members[:-1]):
        cast(
            conn,
            poll_id=closed.poll.id,
            person_id=person_id,
            marks=marks_of([2 if i % 3 == 2 else 1]),
            now=earlier + timedelta(hours=1),
        )
    close(conn, closed.poll.id, now=earlier + timedelta(days=3))
    open_poll = publish(
        conn,
        board_id=board[0],
        question="Kapan rembug warga tahunan diadakan?",
        options=["Sabtu, 12 Desember, 19.30", "Minggu, 13 Desember, 09.00"],
        audience="residents",
        audience_rw=None,
        ballot="open",
        max_choices=1,
        results="live",
        quorum=None,
        closes_at=now + timedelta(days=3),
        now=now,
    )
    cast(conn, poll_id=open_poll.poll.id, person_id=members[1], marks=marks_of([2]), now=now)
