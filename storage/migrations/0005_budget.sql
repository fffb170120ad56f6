-- Budget transparency: lines per fiscal year, realisation entries per line.
-- Money is whole rupiah (INTEGER). A line's realised total is realised_imported (the
-- treasurer's file) plus realised_entries (the sum of entries the board added by chat,
-- kept in step with budget_realisations inside the same transaction).
-- No person ids here: who recorded an entry is in its audit row (budget.realised).

CREATE TABLE budget_lines (
    id                INTEGER PRIMARY KEY,
    year              INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    line_key          TEXT NOT NULL,               -- program|kegiatan|rw|sumber_dana, folded
    program           TEXT NOT NULL,
    activity          TEXT NOT NULL,
    field             TEXT NOT NULL CHECK (field IN ('lingkungan', 'sosial', 'ekonomi')),
    source            TEXT NOT NULL CHECK (source IN ('BLM', 'APBD', 'swadaya', 'CSR', 'lainnya')),
    rw                INTEGER CHECK (rw BETWEEN 1 AND 999),  -- NULL: kelurahan-wide
    ksm               TEXT NOT NULL DEFAULT '',
    allocation        INTEGER NOT NULL CHECK (allocation >= 0),
    realised_imported INTEGER NOT NULL DEFAULT 0 CHECK (realised_imported >= 0),
    realised_entries  INTEGER NOT NULL DEFAULT 0 CHECK (realised_entries >= 0),
    proposal_ref      TEXT,                        -- USL-YYYY-NNNN, as text (proposals issue)
    disbursed         INTEGER CHECK (disbursed >= 0),  -- revolving loans (ekonomi) only
    repaid            INTEGER CHECK (repaid >= 0),
    arrears           INTEGER CHECK (arrears >= 0),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    UNIQUE (year, line_key)
);
-- Covering indexes: the summary (per field and source) and the per-RW totals are read from
-- the index alone, which keeps /anggaran fast over tens of thousands of lines.
CREATE INDEX budget_lines_totals
    ON budget_lines(year, field, source, allocation, realised_imported, realised_entries);
CREATE INDEX budget_lines_year_rw
    ON budget_lines(year, rw, allocation, realised_imported, realised_entries);
CREATE INDEX budget_lines_proposal ON budget_lines(proposal_ref) WHERE proposal_ref IS NOT NULL;

CREATE TABLE budget_realisations (
    id          INTEGER PRIMARY KEY,
    line_id     INTEGER NOT NULL REFERENCES budget_lines(id),
    spent_on    TEXT NOT NULL,                     -- YYYY-MM-DD, the day of spending
    amount      INTEGER NOT NULL CHECK (amount > 0),
    description TEXT NOT NULL,
    receipt     TEXT,                              -- Telegram file_id of the receipt photo (bukti)
    created_at  TEXT NOT NULL
);
CREATE INDEX budget_realisations_line ON budget_realisations(line_id, spent_on);
