-- Accountability, privacy and operations.

-- The audit chain: each row's hash covers its content and the previous row's hash
-- (storage/audit.py: chain_hash, registered as the SQL function bkm_audit_hash).
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
DROP TRIGGER audit_no_update;
WITH RECURSIVE chain(id, prev, hash) AS (
    SELECT a.id, '0000000000000000000000000000000000000000000000000000000000000000',
           bkm_audit_hash('0000000000000000000000000000000000000000000000000000000000000000',
           a.id, a.at, a.actor_id, a.actor_role, a.action, a.object_type, a.object_id,
           a.before, a.after)
    FROM audit a WHERE a.id = (SELECT MIN(id) FROM audit)
    UNION ALL
    SELECT a.id, c.hash, bkm_audit_hash(c.hash, a.id, a.at, a.actor_id, a.actor_role,
           a.action, a.object_type, a.object_id, a.before, a.after)
    FROM chain c JOIN audit a ON a.id = (SELECT MIN(id) FROM audit WHERE id > c.id)
)
UPDATE audit SET (prev_hash, hash) = (SELECT prev, hash FROM chain WHERE chain.id = audit.id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END;
CREATE TRIGGER audit_needs_hash BEFORE INSERT ON audit WHEN NEW.hash IS NULL
BEGIN SELECT RAISE(ABORT, 'audit rows are written through storage.audit.record'); END;

-- Erasure (/hapusdata, retention): the record stays, the person behind it is gone.
ALTER TABLE people ADD COLUMN erased_at TEXT;
ALTER TABLE people ADD COLUMN merged_into INTEGER REFERENCES people(id);

-- Membership revoked by the board, with the board's reason.
CREATE TABLE membership_revocations (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    reason      TEXT,                            -- NULL once the person's data is erased
    revoked_by  INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL
);

-- Two-person promotion: a board member proposes, a different board member confirms.
CREATE TABLE board_promotions (
    id            INTEGER PRIMARY KEY,
    person_id     INTEGER NOT NULL REFERENCES people(id),
    proposed_by   INTEGER NOT NULL REFERENCES people(id),
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    decided_by    INTEGER REFERENCES people(id),
    created_at    TEXT NOT NULL,
    decided_at    TEXT
);
CREATE UNIQUE INDEX one_pending_promotion ON board_promotions(person_id) WHERE status = 'pending';

-- Operations state: last backup, last alert of each kind (rate limiting).
CREATE TABLE ops_state (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The daily jobs re-arm themselves; the first rows are due at once (run at the next start).
INSERT INTO schedules (kind, object_id, due_at) VALUES
    ('ops.backup', 'daily', '2000-01-01T00:00:00+00:00'),
    ('ops.retention', 'daily', '2000-01-01T00:00:00+00:00');

-- Moderation: public content the board hid, with its reason (shown to the public).
CREATE TABLE moderation (
    object_type TEXT NOT NULL,                   -- e.g. 'proposal', 'grievance', 'progress_note'
    object_id   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    hidden_by   INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (object_type, object_id)
);
