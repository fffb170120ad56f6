"""Polls in the registries: the public summary, `bkm-bot export polls`, and what a person's
data is here (/datasaya, /hapusdata, merging two accounts of one person)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from bot.tally import positions_of
from storage.polls import counts, get, has_voted, is_eligible, turnout


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


def export_rows(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
    """One row per poll and option: counts for closed or live polls, blank while sealed; and
    for open-ballot polls one row per voter. Nothing links a secret ballot to a voter."""
    out: list[tuple[Any, ...]] = []
    for (poll_id,) in conn.execute("SELECT id FROM polls ORDER BY id").fetchall():
        poll = get(conn, poll_id)
        assert poll is not None
        voters, eligible = turnout(conn, poll_id)
        sealed = poll.is_open and not poll.live
        tallies: list[int | None] = [None] * len(poll.options)
        if not sealed:
            found = counts(conn, poll_id, reveal=False)
            tallies = [0] * len(poll.options)
            for marks in found.ballots:
                for position in positions_of(marks):
                    if position <= len(tallies):
                        tallies[position - 1] += 1
        for i, label in enumerate(poll.options):
            out.append(
                (poll.reference, poll.ballot, poll.status, eligible, voters, "option", i + 1,
                 label, "" if tallies[i] is None else tallies[i])
            )  # fmt: skip
        if not poll.secret:
            for person_id, marks, channel in conn.execute(
                "SELECT v.person_id, v.marks, r.channel FROM poll_votes v JOIN poll_roll r"
                " ON r.poll_id = v.poll_id AND r.person_id = v.person_id"
                " WHERE v.poll_id = ? ORDER BY v.person_id",
                (poll_id,),
            ).fetchall():
                chosen = ",".join(map(str, positions_of(marks)))
                value = "" if sealed else chosen
                out.append(
                    (poll.reference, poll.ballot, poll.status, eligible, voters, "voter",
                     person_id, channel, value)
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
    """Move `drop`'s polls to `keep` without a second vote. Both voted in one poll: an open
    ballot keeps `keep`'s vote; a secret one keeps one roll entry (its two ballots are not
    linkable to anyone, so the extra one cannot be taken out of the box)."""
    for (poll_id,) in conn.execute(
        "SELECT poll_id FROM poll_eligible WHERE person_id = ?", (drop,)
    ).fetchall():
        keep_eligible = is_eligible(conn, poll_id, keep)
        drop_voted = has_voted(conn, poll_id, drop)
        keep_voted = has_voted(conn, poll_id, keep)
        if not keep_eligible:
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
