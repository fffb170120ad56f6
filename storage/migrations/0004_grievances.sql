-- Grievances (pengaduan). Anonymous reports hold nothing that identifies the reporter:
-- reporter_id is NULL (enforced by a CHECK), the follow-up code is kept only as a salted
-- scrypt hash, and the anonymous daily counter lives in its own table, keyed by a salted
-- hash of the chat whose salt never touches the disk (see storage/grievances.py).
-- PRAGMA secure_delete is a per-connection setting, so it cannot live in a migration:
-- storage.db.configure turns it on for every connection (deleted drafts are zeroed).

CREATE TABLE grievances (
    id                 INTEGER PRIMARY KEY,
    ref                TEXT NOT NULL UNIQUE,            -- LPR-2026-0001
    year               INTEGER NOT NULL,
    seq                INTEGER NOT NULL,
    category           TEXT NOT NULL CHECK (category IN
                       ('infrastruktur', 'keuangan', 'pelayanan', 'perilaku', 'lainnya')),
    description        TEXT NOT NULL,
    amount             INTEGER CHECK (amount IS NULL OR amount > 0),  -- rupiah
    expected           TEXT,                            -- the outcome the reporter expects
    rt                 INTEGER,
    rw                 INTEGER,
    latitude           REAL,
    longitude          REAL,
    identity           TEXT NOT NULL CHECK (identity IN ('terbuka', 'rahasia', 'anonim')),
    reporter_id        INTEGER REFERENCES people(id),
    reporter_erased    INTEGER NOT NULL DEFAULT 0,      -- the reporter's data was erased
    reporter_name      TEXT,                            -- named, filed on behalf: as given
    code_salt          BLOB,                            -- anonim: per-report salt
    code_hash          BLOB,                            -- anonim: scrypt(code, salt)
    public             INTEGER NOT NULL DEFAULT 0,      -- may be listed publicly
    hidden_reason      TEXT,                            -- the board hid the public summary
    channel            TEXT NOT NULL DEFAULT 'telegram'
                       CHECK (channel IN ('telegram', 'in_person', 'phone', 'box')),
    filed_by           INTEGER REFERENCES people(id),   -- board member filing on behalf
    status             TEXT NOT NULL DEFAULT 'diterima' CHECK (status IN
                       ('diterima', 'diverifikasi', 'diproses', 'selesai', 'ditolak')),
    assignee_id        INTEGER REFERENCES people(id),
    answer             TEXT,
    reject_reason      TEXT,
    level              TEXT NOT NULL DEFAULT 'kelurahan'
                       CHECK (level IN ('kelurahan', 'kota', 'provinsi', 'nasional')),
    created_at         TEXT NOT NULL,
    first_response_at  TEXT,
    response_due_at    TEXT NOT NULL,
    resolve_due_at     TEXT NOT NULL,
    response_late      INTEGER NOT NULL DEFAULT 0,      -- terlambat: first response
    resolve_late       INTEGER NOT NULL DEFAULT 0,      -- terlambat: resolution
    resolved_at        TEXT,
    closed_at          TEXT,
    confirmed          INTEGER,                         -- reporter: 1 fixed
    rating             INTEGER CHECK (rating BETWEEN 1 AND 5),
    reopen_count       INTEGER NOT NULL DEFAULT 0,
    reopen_reason      TEXT,
    UNIQUE (year, seq),
    CHECK (identity != 'anonim' OR (reporter_id IS NULL AND reporter_name IS NULL
                                     AND code_hash IS NOT NULL)),
    CHECK (category = 'keuangan' OR amount IS NULL)
);
CREATE INDEX grievances_status ON grievances(status, created_at);
CREATE INDEX grievances_reporter ON grievances(reporter_id) WHERE reporter_id IS NOT NULL;

-- Evidence: Telegram file ids; no person id (the report says whose it is, if anyone's).
CREATE TABLE grievance_evidence (
    id            INTEGER PRIMARY KEY,
    grievance_id  INTEGER NOT NULL REFERENCES grievances(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('photo', 'voice', 'audio', 'video', 'document')),
    file_id       TEXT,                                 -- NULL once erased by retention
    added_at      TEXT NOT NULL
);
CREATE INDEX grievance_evidence_of ON grievance_evidence(grievance_id);

-- The conversation between the reporter and the board, and status notes.
CREATE TABLE grievance_messages (
    id            INTEGER PRIMARY KEY,
    grievance_id  INTEGER NOT NULL REFERENCES grievances(id) ON DELETE CASCADE,
    author        TEXT NOT NULL CHECK (author IN ('reporter', 'board', 'status')),
    board_id      INTEGER REFERENCES people(id),        -- the board member, else NULL
    status        TEXT,                                 -- for a status note: the new status
    text          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX grievance_messages_of ON grievance_messages(grievance_id, id);

-- Perilaku pengurus: board members the reporter excluded; they never see the report.
CREATE TABLE grievance_exclusions (
    grievance_id  INTEGER NOT NULL REFERENCES grievances(id) ON DELETE CASCADE,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    PRIMARY KEY (grievance_id, person_id)
) WITHOUT ROWID;

-- Anonymous reports per chat per day, keyed by a salted hash; rows of past days are wiped.
CREATE TABLE grievance_anon_counts (
    day        TEXT NOT NULL,
    chat_hash  BLOB NOT NULL,
    n          INTEGER NOT NULL,
    PRIMARY KEY (day, chat_hash)
) WITHOUT ROWID;
