"""Polls: the poll, its options, the eligible list fixed at publish, the roll of who voted,
open votes, the secret ballot box and its receipts, in-person ballots, closing.

The secret ballot box (`poll_ballots`) holds one slot per eligible person, made at publish
with a random key and blank marks; a vote fills a random blank slot in place. It has no
person, no time and no rowid, so neither a column nor the storage order links a ballot to
the roll. Secret votes are never audited per voter.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.tally import BLANK, positions_of
from storage import audit, schedules
from storage.rows import from_iso, iso
from storage.schedules import Schedule

AUDIENCES = ("residents", "members", "rw")
REMIND_BEFORE_HOURS = 24
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a rembug


class PollError(Exception):
    """A vote or an action that cannot be accepted; the subclass says why."""


class PollClosed(PollError):
    pass


class NotEligible(PollError):
    pass


class NoLongerQualified(NotEligible):
    """The person does not hold what the poll's audience requires now (membership, RW)."""


class AlreadyVoted(PollError):
    pass


class BadChoice(PollError):
    pass


class TooManyChoices(BadChoice):
    def __init__(self, maximum: int) -> None:
        super().__init__(maximum)
        self.maximum = maximum


class NoSuchPoll(PollError):
    pass


@dataclass(frozen=True)
class Poll:
    id: int
    reference: str
    question: str
    audience: str
    audience_rw: int | None
    ballot: str
    max_choices: int
    results: str
    quorum: int | None
    status: str
    created_by: int | None
    published_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    closed_early: bool
    close_reason: str | None
    options: tuple[str, ...]

    @property
    def secret(self) -> bool:
        return self.ballot == "secret"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def live(self) -> bool:
        return self.results == "live" and not self.secret


@dataclass(frozen=True)
class Published:
    poll: Poll
    eligible: tuple[int, ...]
    schedules: tuple[Schedule, ...]


@dataclass(frozen=True)
class Counts:
    """What a tally needs: ballots as marks strings, voters on the roll, the eligible count."""

    poll: Poll
    ballots: tuple[str, ...]
    voters: int
    eligible: int


def _poll(conn: sqlite3.Connection, row: sqlite3.Row) -> Poll:
    labels = tuple(
        r[0]
        for r in conn.execute(
            "SELECT label FROM poll_options WHERE poll_id = ? ORDER BY position", (row["id"],)
        )
    )
    return Poll(
        id=row["id"],
        reference=row["reference"],
        question=row["question"],
        audience=row["audience"],
        audience_rw=row["audience_rw"],
        ballot=row["ballot"],
        max_choices=row["max_choices"],
        results=row["results"],
        quorum=row["quorum"],
        status=row["status"],
        created_by=row["created_by"],
        published_at=from_iso(row["published_at"]),  # type: ignore[arg-type]
        closes_at=from_iso(row["closes_at"]),  # type: ignore[arg-type]
        closed_at=from_iso(row["closed_at"]),
        closed_early=bool(row["closed_early"]),
        close_reason=row["close_reason"],
        options=labels,
    )


def get(conn: sqlite3.Connection, poll_id: int) -> Poll | None:
    row = conn.execute("SELECT * FROM polls WHERE id = ?", (poll_id,)).fetchone()
    return None if row is None else _poll(conn, row)


def by_reference(conn: sqlite3.Connection, reference: str) -> Poll | None:
    row = conn.execute(
        "SELECT * FROM polls WHERE reference = ?", (reference.strip().upper(),)
    ).fetchone()
    return None if row is None else _poll(conn, row)


# ---- publishing ------
def audience_ids(conn: sqlite3.Connection, audience: str, rw: int | None) -> list[int]:
    """Who is eligible now: every resident, the members, or the members of one RW."""
    if audience == "residents":
        rows = conn.execute("SELECT id FROM people ORDER BY id")
    elif audience == "members":
        rows = conn.execute(
            "SELECT id FROM people WHERE role IN ('anggota', 'pengurus') ORDER BY id"
        )
    elif audience == "rw":
        rows = conn.execute(
            "SELECT id FROM people WHERE role IN ('anggota', 'pengurus') AND rw = ? ORDER BY id",
            (rw,),
        )
    else:
        raise ValueError(f"unknown audience {audience!r}")
    return [r[0] for r in rows]


def _next_reference(conn: sqlite3.Connection, now: datetime) -> str:
    prefix = f"POL-{now.year:04d}-"
    row = conn.execute(
        "SELECT MAX(CAST(substr(reference, 10) AS INTEGER)) FROM polls WHERE reference LIKE ?",
        (prefix + "%",),
    ).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


def publish(
    conn: sqlite3.Connection,
    *,
    board_id: int,
    question: str,
    options: Sequence[str],
    audience: str,
    audience_rw: int | None,
    ballot: str,
    max_choices: int,
    results: str,
    quorum: int | None,
    closes_at: datetime,
    now: datetime,
) -> Published:
    """Create the poll, fix the eligible list, make the secret box's slots, schedule the
    reminder and the close, and audit it: one transaction."""
    reference = _next_reference(conn, now)
    poll_id = conn.execute(
        "INSERT INTO polls (reference, question, audience, audience_rw, ballot, max_choices,"
        " results, quorum, created_by, published_at, closes_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            reference,
            question,
            audience,
            audience_rw if audience == "rw" else None,
            ballot,
            max_choices,
            "after" if ballot == "secret" else results,
            quorum,
            board_id,
            iso(now),
            iso(closes_at),
        ),
    ).fetchone()[0]
    conn.executemany(
        "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
        [(poll_id, i + 1, label) for i, label in enumerate(options)],
    )
    eligible = audience_ids(conn, audience, audience_rw)
    conn.executemany(
        "INSERT INTO poll_eligible (poll_id, person_id) VALUES (?, ?)",
        [(poll_id, person_id) for person_id in eligible],
    )
    if ballot == "secret":
        _make_slots(conn, poll_id, len(eligible))
    due: list[Schedule] = []
    remind_at = closes_at - timedelta(hours=REMIND_BEFORE_HOURS)
    if remind_at > now:
        due.append(schedules.put(conn, kind="poll.remind", object_id=poll_id, due_at=remind_at))
    due.append(schedules.put(conn, kind="poll.close", object_id=poll_id, due_at=closes_at))
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role="pengurus",
        action="poll.published",
        object_type="poll",
        object_id=poll_id,
        after={
            "reference": reference,
            "ballot": ballot,
            "audience": audience,
            "rw": audience_rw,
            "options": len(options),
            "max_choices": max_choices,
            "eligible": len(eligible),
            "closes_at": iso(closes_at),
        },
    )
    poll = get(conn, poll_id)
    assert poll is not None
    return Published(poll, tuple(eligible), tuple(due))


def _make_slots(conn: sqlite3.Connection, poll_id: int, n: int) -> None:
    """n blank slots with random keys, inserted in key order (so the cells lie in key order)."""
    keys: set[bytes] = set()
    while len(keys) < n:
        keys.add(secrets.token_bytes(16))
    conn.executemany(
        "INSERT INTO poll_ballots (poll_id, slot, marks) VALUES (?, ?, ?)",
        [(poll_id, key, BLANK) for key in sorted(keys)],
    )


# ---- voting ------
def _open_poll(conn: sqlite3.Connection, poll_id: int, now: datetime) -> Poll:
    poll = get(conn, poll_id)
    if poll is None:
        raise NoSuchPoll
    if not poll.is_open or now >= poll.closes_at:
        raise PollClosed
    return poll


def _check_marks(poll: Poll, marks: str) -> None:
    chosen = positions_of(marks)
    if (
        len(marks) != len(BLANK)
        or set(marks) - {"0", "1"}
        or not chosen
        or max(chosen) > len(poll.options)
    ):
        raise BadChoice
    if len(chosen) > poll.max_choices:
        raise TooManyChoices(poll.max_choices)


# Why a person may not vote in a poll (None: they may).
NOT_LISTED = "not_listed"  # not on the list fixed at publish (or taken off it since)
NOT_QUALIFIED = "not_qualified"  # on it, but no longer a member (of the poll's RW): a voter


def qualifies(conn: sqlite3.Connection, poll: Poll, person_id: int) -> bool:
    """Whether the person holds now what the poll's audience requires: an account not merged
    away and not erased; for members' polls the membership; for an RW's poll the membership
    in that RW."""
    row = conn.execute(
        "SELECT role, rw, merged_into, erased_at FROM people WHERE id = ?", (person_id,)
    ).fetchone()
    if row is None or row["merged_into"] is not None or row["erased_at"] is not None:
        return False
    if poll.audience == "residents":
        return True
    if row["role"] not in ("anggota", "pengurus"):
        return False
    return poll.audience != "rw" or row["rw"] == poll.audience_rw


def why_not(conn: sqlite3.Connection, poll: Poll, person_id: int) -> str | None:
    """None when the person may vote in the poll (on its list and still qualified)."""
    if not is_eligible(conn, poll.id, person_id):
        return NOT_LISTED
    if not qualifies(conn, poll, person_id):
        return NOT_QUALIFIED
    return None


def for_voter(
    conn: sqlite3.Connection, poll_id: int, person_id: int
) -> tuple[Poll | None, str | None]:
    """The poll and why the person may not vote in it (None: they may): one read for a
    button press."""
    poll = get(conn, poll_id)
    return poll, None if poll is None else why_not(conn, poll, person_id)


@dataclass(frozen=True)
class VoterState:
    refusal: str | None  # why they may not vote (NOT_LISTED, NOT_QUALIFIED), None: they may
    channel: str | None  # 'chat' / 'in_person' once on the roll, else None
    marks: str | None  # their open-ballot choice; never anything for a secret ballot

    @property
    def eligible(self) -> bool:
        return self.refusal is None


def voter_state(conn: sqlite3.Connection, poll_id: int, person_id: int) -> VoterState:
    """What the ballot card shows this person: may they vote, did they, what (open only)."""
    row = conn.execute(
        "SELECT channel FROM poll_roll WHERE poll_id = ? AND person_id = ?", (poll_id, person_id)
    ).fetchone()
    poll = get(conn, poll_id)
    return VoterState(
        refusal=NOT_LISTED if poll is None else why_not(conn, poll, person_id),
        channel=None if row is None else row[0],
        marks=open_vote(conn, poll_id, person_id),
    )


def is_eligible(conn: sqlite3.Connection, poll_id: int, person_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM poll_eligible WHERE poll_id = ? AND person_id = ?",
            (poll_id, person_id),
        ).fetchone()
        is not None
    )


def has_voted(conn: sqlite3.Connection, poll_id: int, person_id: int) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM poll_roll WHERE poll_id = ? AND person_id = ?", (poll_id, person_id)
        ).fetchone()
        is not None
    )


def open_vote(conn: sqlite3.Connection, poll_id: int, person_id: int) -> str | None:
    """The person's current open-ballot marks, or None."""
    row = conn.execute(
        "SELECT marks FROM poll_votes WHERE poll_id = ? AND person_id = ?", (poll_id, person_id)
    ).fetchone()
    return None if row is None else row[0]


def _fill_slot(conn: sqlite3.Connection, poll_id: int, marks: str) -> None:
    """Mark a blank slot of the box chosen uniformly at random (not "the next blank after a
    random point": that fills runs of neighbours in voting order). Same size, so SQLite
    rewrites the cell in place."""
    blank = conn.execute(
        "SELECT COUNT(*) FROM poll_ballots WHERE poll_id = ? AND marks = ?", (poll_id, BLANK)
    ).fetchone()[0]
    if not blank:  # more ballots than people on the list: cannot happen through the roll
        raise AlreadyVoted
    row = conn.execute(
        "SELECT slot FROM poll_ballots WHERE poll_id = ? AND marks = ? ORDER BY slot"
        " LIMIT 1 OFFSET ?",
        (poll_id, BLANK, secrets.randbelow(blank)),
    ).fetchone()
    conn.execute(
        "UPDATE poll_ballots SET marks = ? WHERE poll_id = ? AND slot = ?",
        (marks, poll_id, row[0]),
    )


def _new_receipt(conn: sqlite3.Connection, poll_id: int) -> str:
    while True:
        raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
        code = f"{raw[:4]}-{raw[4:]}"
        inserted = conn.execute(
            "INSERT INTO poll_receipts (poll_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING",
            (poll_id, code),
        ).rowcount
        if inserted:
            return code


@dataclass(frozen=True)
class Cast:
    """What a voter is told: changed (an open vote replaced), the receipt of a secret one."""

    poll: Poll
    changed: bool
    receipt: str | None


def cast(
    conn: sqlite3.Connection,
    *,
    poll_id: int,
    person_id: int,
    marks: str,
    now: datetime,
    secret: bool | None = None,
) -> Cast:
    """One vote by chat. Open: recorded with the voter, changeable until closing. Secret: the
    roll entry and a box slot, apart; final. `secret`, when given, is the kind of ballot the
    press was made for (a secret confirmation on an open poll is forged). Raises a PollError
    subclass when refused."""
    poll = _open_poll(conn, poll_id, now)
    if secret is not None and secret != poll.secret:
        raise BadChoice
    _check_marks(poll, marks)
    if not is_eligible(conn, poll_id, person_id):
        raise NotEligible
    if not qualifies(conn, poll, person_id):  # e.g. revoked after voting: no change any more
        raise NoLongerQualified
    if poll.secret:
        try:
            conn.execute(
                "INSERT INTO poll_roll (poll_id, person_id, channel) VALUES (?, ?, 'chat')",
                (poll_id, person_id),
            )
        except sqlite3.IntegrityError:
            raise AlreadyVoted from None
        _fill_slot(conn, poll_id, marks)
        return Cast(poll, changed=False, receipt=_new_receipt(conn, poll_id))
    before = open_vote(conn, poll_id, person_id)
    if before is None:
        inserted = conn.execute(
            "INSERT INTO poll_roll (poll_id, person_id, channel) VALUES (?, ?, 'chat')"
            " ON CONFLICT DO NOTHING",
            (poll_id, person_id),
        ).rowcount
        if not inserted:  # voted in person: that vote stands
            raise AlreadyVoted
        conn.execute(
            "INSERT INTO poll_votes (poll_id, person_id, marks, voted_at) VALUES (?, ?, ?, ?)",
            (poll_id, person_id, marks, iso(now)),
        )
    elif (
        conn.execute(
            "SELECT channel FROM poll_roll WHERE poll_id = ? AND person_id = ?",
            (poll_id, person_id),
        ).fetchone()[0]
        != "chat"
    ):
        raise AlreadyVoted
    elif before == marks:  # the same button again (a double press): nothing changes
        return Cast(poll, changed=False, receipt=None)
    else:
        conn.execute(
            "UPDATE poll_votes SET marks = ?, voted_at = ? WHERE poll_id = ? AND person_id = ?",
            (marks, iso(now), poll_id, person_id),
        )
    audit.record(
        conn,
        now=now,
        actor_id=person_id,
        actor_role="voter",
        action="poll.vote_changed" if before else "poll.voted",
        object_type="poll",
        object_id=poll_id,
        before=None if before is None else {"options": positions_of(before)},
        after={"options": positions_of(marks)},
    )
    return Cast(poll, changed=before is not None, receipt=None)


# ---- taking people off the list ------
def drop_eligible(conn: sqlite3.Connection, poll: Poll, person_id: int) -> bool:
    """Take a person who has not voted off the poll's list; for a secret poll also take one
    blank slot, chosen uniformly at random, out of the box, so the box keeps one slot per
    person on the list (blank slots = people on the list who have not voted). Returns whether
    the person was taken off. Never touches a ballot that was cast."""
    if has_voted(conn, poll.id, person_id):
        return False
    removed = conn.execute(
        "DELETE FROM poll_eligible WHERE poll_id = ? AND person_id = ?", (poll.id, person_id)
    ).rowcount
    if removed and poll.secret:
        drop_blank_slot(conn, poll.id)
    return bool(removed)


def drop_blank_slot(conn: sqlite3.Connection, poll_id: int) -> None:
    """Delete one blank slot of the box, chosen uniformly at random (secure_delete is on:
    nothing of it stays in the file)."""
    blank = conn.execute(
        "SELECT COUNT(*) FROM poll_ballots WHERE poll_id = ? AND marks = ?", (poll_id, BLANK)
    ).fetchone()[0]
    if not blank:
        return
    conn.execute(
        "DELETE FROM poll_ballots WHERE poll_id = ? AND slot = (SELECT slot FROM poll_ballots"
        " WHERE poll_id = ? AND marks = ? ORDER BY slot LIMIT 1 OFFSET ?)",
        (poll_id, poll_id, BLANK, secrets.randbelow(blank)),
    )


def withdraw_unqualified(conn: sqlite3.Connection, person_id: int) -> list[Poll]:
    """After a person's membership, RW or account changed (revocation, a move, a merge, an
    erasure): take them off the list of every open poll they have not voted in and no longer
    qualify for. Runs in the caller's transaction. Nobody is ever added to a list."""
    rows = conn.execute(
        "SELECT p.* FROM polls p JOIN poll_eligible e ON e.poll_id = p.id"
        " WHERE e.person_id = ? AND p.status = 'open' AND NOT EXISTS (SELECT 1 FROM poll_roll r"
        " WHERE r.poll_id = p.id AND r.person_id = e.person_id) ORDER BY p.id",
        (person_id,),
    ).fetchall()
    taken = []
    for row in rows:
        poll = _poll(conn, row)
        if not qualifies(conn, poll, person_id) and drop_eligible(conn, poll, person_id):
            taken.append(poll)
    return taken


# ---- in person ------
def record_in_person(
    conn: sqlite3.Connection,
    *,
    poll_id: int,
    board_id: int,
    voters: Sequence[int],
    ballots: Sequence[str],
    now: datetime,
) -> int:
    """Paper ballots from a rembug. Secret: `voters` go on the roll and `ballots` (in pile
    order, as many) into random slots, apart. Open: voters[i] marked ballots[i]. Audited as a
    count only. Refuses the whole batch when one voter is not eligible or already voted."""
    poll = _open_poll(conn, poll_id, now)
    if len(voters) != len(ballots) or not voters or len(set(voters)) != len(voters):
        raise BadChoice
    for marks in ballots:
        _check_marks(poll, marks)
    for person_id in voters:
        if not is_eligible(conn, poll_id, person_id):
            raise NotEligible(person_id)
        if not qualifies(conn, poll, person_id):
            raise NoLongerQualified(person_id)
        if has_voted(conn, poll_id, person_id):
            raise AlreadyVoted(person_id)
    conn.executemany(
        "INSERT INTO poll_roll (poll_id, person_id, channel) VALUES (?, ?, 'in_person')",
        [(poll_id, person_id) for person_id in sorted(voters)],
    )
    if poll.secret:
        for marks in ballots:
            _fill_slot(conn, poll_id, marks)
    else:
        conn.executemany(
            "INSERT INTO poll_votes (poll_id, person_id, marks, voted_at) VALUES (?, ?, ?, ?)",
            [(poll_id, p, m, iso(now)) for p, m in zip(voters, ballots, strict=True)],
        )
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role="pengurus",
        action="poll.in_person_recorded",
        object_type="poll",
        object_id=poll_id,
        after={"count": len(voters)},
    )
    return len(voters)


# ---- lists ------
def open_for(conn: sqlite3.Connection, person_id: int, now: datetime) -> list[Poll]:
    """Open polls this person is on the list of, soonest closing first."""
    rows = conn.execute(
        "SELECT p.* FROM polls p JOIN poll_eligible e ON e.poll_id = p.id"
        " WHERE e.person_id = ? AND p.status = 'open' AND p.closes_at > ?"
        " ORDER BY p.closes_at, p.id",
        (person_id, iso(now)),
    ).fetchall()
    return [_poll(conn, r) for r in rows]


def open_polls(conn: sqlite3.Connection) -> list[Poll]:
    rows = conn.execute(
        "SELECT * FROM polls WHERE status = 'open' ORDER BY closes_at, id"
    ).fetchall()
    return [_poll(conn, r) for r in rows]


def closed(conn: sqlite3.Connection, limit: int = 10, offset: int = 0) -> tuple[list[Poll], int]:
    """Closed polls, newest first, and how many there are."""
    total = conn.execute("SELECT COUNT(*) FROM polls WHERE status = 'closed'").fetchone()[0]
    rows = conn.execute(
        "SELECT * FROM polls WHERE status = 'closed' ORDER BY closed_at DESC, id DESC"
        " LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    return [_poll(conn, r) for r in rows], total


def live(conn: sqlite3.Connection) -> list[Poll]:
    """Open polls whose results are shown while voting (open ballots only)."""
    rows = conn.execute(
        "SELECT * FROM polls WHERE status = 'open' AND results = 'live' AND ballot = 'open'"
        " ORDER BY closes_at, id"
    ).fetchall()
    return [_poll(conn, r) for r in rows]


def eligible_ids(conn: sqlite3.Connection, poll_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT person_id FROM poll_eligible WHERE poll_id = ? ORDER BY person_id", (poll_id,)
        )
    ]


def not_voted_ids(conn: sqlite3.Connection, poll_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT e.person_id FROM poll_eligible e LEFT JOIN poll_roll r"
            " ON r.poll_id = e.poll_id AND r.person_id = e.person_id"
            " WHERE e.poll_id = ? AND r.person_id IS NULL ORDER BY e.person_id",
            (poll_id,),
        )
    ]


def counts(conn: sqlite3.Connection, poll_id: int, *, reveal: bool) -> Counts:
    """Ballots, voters and the eligible count. `reveal` must be True to read the ballots of a
    poll whose results are only after closing and that is still open (nobody sees them)."""
    poll = get(conn, poll_id)
    if poll is None:
        raise NoSuchPoll
    if poll.is_open and not poll.live and not reveal:
        raise PollError("results of this poll are sealed until it closes")
    if poll.secret:
        ballots = conn.execute(
            "SELECT marks FROM poll_ballots WHERE poll_id = ? AND marks != ?", (poll_id, BLANK)
        ).fetchall()
    else:
        ballots = conn.execute(
            "SELECT marks FROM poll_votes WHERE poll_id = ?", (poll_id,)
        ).fetchall()
    voters = conn.execute("SELECT COUNT(*) FROM poll_roll WHERE poll_id = ?", (poll_id,))
    eligible = conn.execute("SELECT COUNT(*) FROM poll_eligible WHERE poll_id = ?", (poll_id,))
    return Counts(poll, tuple(r[0] for r in ballots), voters.fetchone()[0], eligible.fetchone()[0])


def turnout(conn: sqlite3.Connection, poll_id: int) -> tuple[int, int]:
    """(voters, eligible): public while the poll is open (it says who voted, not what)."""
    voters = conn.execute("SELECT COUNT(*) FROM poll_roll WHERE poll_id = ?", (poll_id,))
    eligible = conn.execute("SELECT COUNT(*) FROM poll_eligible WHERE poll_id = ?", (poll_id,))
    return voters.fetchone()[0], eligible.fetchone()[0]


def receipts(conn: sqlite3.Connection, poll_id: int) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT code FROM poll_receipts WHERE poll_id = ? ORDER BY code", (poll_id,)
        )
    ]


# ---- closing ------
def close(
    conn: sqlite3.Connection,
    poll_id: int,
    *,
    now: datetime,
    board_id: int | None = None,
    reason: str | None = None,
) -> Poll | None:
    """Close an open poll (at its time by the system, or early by a board member with a
    reason). Returns the closed poll, or None when it was already closed. An early close
    by someone not on the board now raises `audit.NotBoard`, nothing changed."""
    if board_id is not None:
        audit.check_board(conn, board_id)
    row = conn.execute(
        "UPDATE polls SET status = 'closed', closed_at = ?, closed_early = ?, close_reason = ?"
        " WHERE id = ? AND status = 'open' RETURNING id",
        (iso(now), int(board_id is not None), reason, poll_id),
    ).fetchone()
    if row is None:
        return None
    schedules.cancel(conn, "poll.remind", poll_id)
    schedules.cancel(conn, "poll.close", poll_id)
    voters, eligible = turnout(conn, poll_id)
    audit.record(
        conn,
        now=now,
        actor_id=board_id,
        actor_role="pengurus" if board_id is not None else "system",
        action="poll.closed_early" if board_id is not None else "poll.closed",
        object_type="poll",
        object_id=poll_id,
        before={"status": "open"},
        after={"status": "closed", "voters": voters, "eligible": eligible},
    )
    return get(conn, poll_id)


def seal(conn: sqlite3.Connection) -> None:
    """After a close: fold the write-ahead log into the file and empty it, so the order in
    which slots were filled does not linger in WAL frames. Outside any transaction."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
