-- Polls (musyawarah): secret or open ballots, one person one vote, in-person ballots.
-- Times are UTC ISO-8601 strings.

CREATE TABLE polls (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,           -- POL-2026-0001
    question      TEXT NOT NULL,
    audience      TEXT NOT NULL CHECK (audience IN ('residents', 'members', 'rw')),
    audience_rw   INTEGER CHECK (audience_rw BETWEEN 1 AND 999),
    ballot        TEXT NOT NULL CHECK (ballot IN ('secret', 'open')),
    max_choices   INTEGER NOT NULL DEFAULT 1 CHECK (max_choices BETWEEN 1 AND 10),
    results       TEXT NOT NULL CHECK (results IN ('live', 'after')),
    quorum        INTEGER CHECK (quorum BETWEEN 1 AND 100),  -- minimum turnout, percent
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by    INTEGER REFERENCES people(id),
    published_at  TEXT NOT NULL,
    closes_at     TEXT NOT NULL,
    closed_at     TEXT,
    closed_early  INTEGER NOT NULL DEFAULT 0,
    close_reason  TEXT,                           -- the board's reason for an early close
    CHECK (ballot = 'open' OR results = 'after'),  -- live counts would reveal secret votes
    CHECK ((audience = 'rw') = (audience_rw IS NOT NULL))
);
CREATE INDEX polls_status ON polls(status, closes_at);

CREATE TABLE poll_options (
    poll_id   INTEGER NOT NULL REFERENCES polls(id),
    position  INTEGER NOT NULL CHECK (position BETWEEN 1 AND 10),
    label     TEXT NOT NULL,
    PRIMARY KEY (poll_id, position)
) WITHOUT ROWID;

-- Who may vote: fixed at publish (the turnout denominator).
CREATE TABLE poll_eligible (
    poll_id    INTEGER NOT NULL REFERENCES polls(id),
    person_id  INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (poll_id, person_id)
) WITHOUT ROWID;
CREATE INDEX poll_eligible_person ON poll_eligible(person_id);

-- The roll: who voted. One person, one vote: the primary key. Only the eligible: the
-- foreign key. No time, no order: nothing here lines up with the ballot box.
CREATE TABLE poll_roll (
    poll_id    INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    channel    TEXT NOT NULL CHECK (channel IN ('chat', 'in_person')),
    PRIMARY KEY (poll_id, person_id),
    FOREIGN KEY (poll_id, person_id) REFERENCES poll_eligible(poll_id, person_id)
) WITHOUT ROWID;
CREATE INDEX poll_roll_person ON poll_roll(person_id);

-- Open ballots: the choice with the voter (public, changeable until closing).
CREATE TABLE poll_votes (
    poll_id    INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    marks      TEXT NOT NULL CHECK (length(marks) = 10),  -- '0100000000': option 2
    voted_at   TEXT NOT NULL,
    PRIMARY KEY (poll_id, person_id),
    FOREIGN KEY (poll_id, person_id) REFERENCES poll_roll(poll_id, person_id)
        ON UPDATE CASCADE ON DELETE CASCADE
) WITHOUT ROWID;

-- Secret ballots: the box. One slot per eligible person, made at publish with a random key
-- and blank marks, stored in key order; a vote fills a randomly chosen blank slot in place
-- (same size, so SQLite overwrites the cell where it lies). No person, no time, no rowid:
-- neither the columns nor the storage order say who voted what, or when.
CREATE TABLE poll_ballots (
    poll_id  INTEGER NOT NULL REFERENCES polls(id),
    slot     BLOB NOT NULL,                       -- 16 random bytes
    marks    TEXT NOT NULL CHECK (length(marks) = 10),  -- '0000000000': blank slot
    PRIMARY KEY (poll_id, slot)
) WITHOUT ROWID;

-- Receipts of secret ballots: proof of inclusion, not of the choice; kept with the poll only.
CREATE TABLE poll_receipts (
    poll_id  INTEGER NOT NULL REFERENCES polls(id),
    code     TEXT NOT NULL,
    PRIMARY KEY (poll_id, code)
) WITHOUT ROWID;
