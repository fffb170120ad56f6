-- Foundation: people, membership, drafts, conversations, audit, schedules.
-- Times are UTC ISO-8601 strings ('2026-11-28T20:38:32+00:00').

CREATE TABLE people (
    id              INTEGER PRIMARY KEY,
    telegram_id     INTEGER UNIQUE,              -- NULL: registered in person, or erased
    display_name    TEXT,                        -- Telegram first name, for greetings
    full_name       TEXT,                        -- verified name (membership)
    rt              INTEGER CHECK (rt BETWEEN 1 AND 999),
    rw              INTEGER CHECK (rw BETWEEN 1 AND 999),
    gender          TEXT CHECK (gender IN ('female', 'male', 'unspecified')),
    language        TEXT NOT NULL DEFAULT 'id',
    client_language TEXT,                        -- language_code Telegram last reported
    role            TEXT NOT NULL DEFAULT 'warga'
                    CHECK (role IN ('warga', 'anggota', 'pengurus')),
    registered_by   INTEGER REFERENCES people(id),  -- set when a board member registered them
    menu_key        TEXT,                        -- per-chat command menu last set, e.g. 'pengurus:en'
    created_at      TEXT NOT NULL,
    last_seen_at    TEXT
);
CREATE INDEX people_rw ON people(rw);

CREATE TABLE membership_applications (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    full_name   TEXT NOT NULL,
    rt          INTEGER NOT NULL,
    rw          INTEGER NOT NULL,
    gender      TEXT CHECK (gender IN ('female', 'male', 'unspecified')),
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected')),
    reason      TEXT,
    decided_by  INTEGER REFERENCES people(id),
    created_at  TEXT NOT NULL,
    decided_at  TEXT
);
CREATE UNIQUE INDEX one_pending_application ON membership_applications(person_id)
    WHERE status = 'pending';

-- A flow's answers so far and the step the person last saw confirmed.
CREATE TABLE drafts (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (person_id, flow)
);

-- PTB ConversationHandler states (the persistence), keyed as PTB keys them.
CREATE TABLE conversations (
    name        TEXT NOT NULL,
    key         TEXT NOT NULL,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE ptb_user_data (
    user_id     INTEGER PRIMARY KEY,
    data        TEXT NOT NULL
);

-- Append-only: no code path updates or deletes a row (the triggers enforce it).
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER,                         -- internal person id; NULL = the system
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT,
    before      TEXT,                            -- JSON, no personal values
    after       TEXT                             -- JSON, no personal values
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;

-- Due actions. Jobs are derived from pending rows at start; a firing claims its row.
CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    payload     TEXT NOT NULL DEFAULT '{}',
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'done', 'cancelled')),
    done_at     TEXT
);
CREATE UNIQUE INDEX one_pending_schedule ON schedules(kind, object_id) WHERE status = 'pending';
CREATE INDEX schedules_due ON schedules(due_at) WHERE status = 'pending';
