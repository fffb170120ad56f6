-- Broadcasts and notifications (issue 7): the delivery engine's queue, subscriptions,
-- composed broadcasts. Assigned number 0006 at merge.

-- One message as people see it: a notification, a feature's broadcast, a /siaran firing.
CREATE TABLE outbox_messages (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,                  -- e.g. 'membership.decided', 'broadcast:polling'
    topic        TEXT,                           -- NULL: a notification (always delivered)
    author_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    broadcast_id INTEGER REFERENCES broadcasts(id),
    status       TEXT NOT NULL DEFAULT 'active'
                 CHECK (status IN ('active', 'done', 'stopped')),
    created_at   TEXT NOT NULL,
    started_at   TEXT,                           -- first delivery claimed
    finished_at  TEXT,                           -- nothing left to send now
    reported_at  TEXT                            -- the author's report was queued
);

-- The message rendered in one language (language '*' = the same for everyone).
CREATE TABLE outbox_renderings (
    message_id   INTEGER NOT NULL REFERENCES outbox_messages(id) ON DELETE CASCADE,
    language     TEXT NOT NULL,
    text         TEXT NOT NULL,
    buttons      TEXT NOT NULL DEFAULT '[]',     -- JSON [[label, data], ...]
    photo        BLOB,                           -- PNG/JPEG bytes to upload
    photo_id     TEXT,                           -- a Telegram file_id (given, or after upload)
    document_id  TEXT,                           -- a Telegram file_id of a document
    PRIMARY KEY (message_id, language)
);

-- One row per message and chat: the unit that is sent at most once.
CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES outbox_messages(id) ON DELETE CASCADE,
    chat_id     INTEGER NOT NULL,
    person_id   INTEGER REFERENCES people(id) ON DELETE SET NULL,
    language    TEXT NOT NULL,
    priority    INTEGER NOT NULL DEFAULT 1,      -- 0 notifications first, 1 broadcasts
    status      TEXT NOT NULL DEFAULT 'queued'
                CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'unreachable',
                                  'uncertain', 'cancelled')),
    not_before  TEXT,                            -- held for the person's daily digest time
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,                            -- Telegram's error text (no personal data)
    updated_at  TEXT NOT NULL,
    UNIQUE (message_id, chat_id)
);
CREATE INDEX deliveries_ready ON deliveries(priority, id) WHERE status = 'queued';
CREATE INDEX deliveries_sending ON deliveries(message_id) WHERE status = 'sending';
CREATE INDEX deliveries_message ON deliveries(message_id, status);

-- Chats that answered 403 (blocked the bot, deactivated). Skipped until the person writes
-- to the bot again (people.last_seen_at later than `since`).
CREATE TABLE unreachable_chats (
    chat_id     INTEGER PRIMARY KEY,
    since       TEXT NOT NULL,
    reason      TEXT NOT NULL
);

-- /langganan: all topics on for a new resident; a row here turns one off.
CREATE TABLE subscription_off (
    person_id   INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    topic       TEXT NOT NULL,
    PRIMARY KEY (person_id, topic)
);

-- /berhenti and the daily-digest choice; no row = everything on, immediately.
CREATE TABLE subscription_prefs (
    person_id    INTEGER PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
    stopped      INTEGER NOT NULL DEFAULT 0,     -- /berhenti: no broadcasts at all
    digest_time  TEXT,                           -- 'HH:MM' local: broadcasts held until then
    updated_at   TEXT NOT NULL
);

-- What a board member composed with /siaran: sent now, once later, or recurring.
CREATE TABLE broadcasts (
    id           INTEGER PRIMARY KEY,
    author_id    INTEGER REFERENCES people(id) ON DELETE SET NULL,
    text         TEXT NOT NULL,                  -- HTML as the author formatted it
    media_kind   TEXT CHECK (media_kind IN ('photo', 'document')),
    media_id     TEXT,                           -- Telegram file_id
    audience     TEXT NOT NULL CHECK (audience IN ('all', 'members', 'rw', 'topic')),
    rw           INTEGER,
    topic        TEXT NOT NULL DEFAULT 'pengumuman',
    recurrence   TEXT,                           -- NULL once; 'daily' | 'weekly:N' | 'monthly:D'
    at_time      TEXT,                           -- 'HH:MM' local, for a recurrence
    due_at       TEXT,                           -- next firing (UTC); NULL when sent now
    status       TEXT NOT NULL DEFAULT 'scheduled'
                 CHECK (status IN ('scheduled', 'sent', 'cancelled')),
    fired        INTEGER NOT NULL DEFAULT 0,
    missed       INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);

-- One monthly transparency digest per month: claimed with its schedule, built after.
CREATE TABLE digests (
    month        TEXT PRIMARY KEY,               -- 'YYYY-MM' it reports on
    status       TEXT NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'sent', 'missed')),
    message_id   INTEGER REFERENCES outbox_messages(id),
    created_at   TEXT NOT NULL
);
