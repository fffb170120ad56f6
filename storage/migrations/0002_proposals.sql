-- Proposals (usulan warga): submitted by residents, endorsed by members, reviewed by the board.
-- Times are UTC ISO-8601 strings.

CREATE TABLE proposals (
    id              INTEGER PRIMARY KEY,
    year            INTEGER NOT NULL,
    seq             INTEGER NOT NULL,
    reference       TEXT NOT NULL UNIQUE,            -- USL-2026-0001
    proposer_id     INTEGER REFERENCES people(id),   -- NULL: filed on behalf, or erased
    proposer_erased INTEGER NOT NULL DEFAULT 0,      -- shown as "warga (dihapus)"
    proposer_name   TEXT,                            -- typed by the board when filed on behalf
    show_name       INTEGER NOT NULL DEFAULT 0,
    filed_by        INTEGER REFERENCES people(id),   -- board member who filed it on behalf
    channel         TEXT NOT NULL DEFAULT 'telegram'
                    CHECK (channel IN ('telegram', 'tatap_muka', 'kotak_saran', 'telepon', 'sms')),
    field           TEXT NOT NULL CHECK (field IN ('lingkungan', 'sosial', 'ekonomi')),
    title           TEXT NOT NULL,
    description     TEXT NOT NULL,
    rt              INTEGER CHECK (rt BETWEEN 1 AND 999),
    rw              INTEGER CHECK (rw BETWEEN 1 AND 999),
    latitude        REAL,
    longitude       REAL,
    estimated_cost  INTEGER CHECK (estimated_cost > 0),  -- NULL: "tidak tahu"
    photos          TEXT NOT NULL DEFAULT '[]',      -- JSON list of Telegram file ids
    status          TEXT NOT NULL DEFAULT 'baru'
                    CHECK (status IN ('baru', 'terverifikasi', 'diterima', 'didanai',
                                      'dikerjakan', 'selesai', 'ditolak', 'perlu_revisi')),
    board_cost      INTEGER CHECK (board_cost > 0),  -- the board's estimate when accepted
    planned_period  TEXT,                            -- when the board plans to carry it out
    supported_at    TEXT,                            -- first reached the endorsement threshold
    hidden_reason   TEXT,
    hidden_by       INTEGER REFERENCES people(id),
    hidden_at       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (year, seq)
);
CREATE INDEX proposals_status ON proposals(status, created_at);
CREATE INDEX proposals_proposer ON proposals(proposer_id);

-- One endorsement per member per proposal: the primary key enforces it.
CREATE TABLE proposal_endorsements (
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (proposal_id, person_id)
) WITHOUT ROWID;
CREATE INDEX proposal_endorsements_person ON proposal_endorsements(person_id);

-- The public status trail: every transition with the board's reason.
CREATE TABLE proposal_events (
    id          INTEGER PRIMARY KEY,
    proposal_id INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor_id    INTEGER REFERENCES people(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    reason      TEXT
);
CREATE INDEX proposal_events_proposal ON proposal_events(proposal_id, id);

-- Progress the board posts once a proposal is funded.
CREATE TABLE proposal_progress (
    id            INTEGER PRIMARY KEY,
    proposal_id   INTEGER NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    at            TEXT NOT NULL,
    author_id     INTEGER REFERENCES people(id),
    percent       INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    note          TEXT NOT NULL,
    photo         TEXT,
    hidden_reason TEXT,
    hidden_by     INTEGER REFERENCES people(id),
    hidden_at     TEXT
);
CREATE INDEX proposal_progress_proposal ON proposal_progress(proposal_id, id);
