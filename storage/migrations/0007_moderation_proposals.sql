-- Proposals hide through the one moderation seam (issue 8): what was hidden with the
-- proposals' own columns moves into `moderation`, then those columns go.
-- Object ids: a proposal is its reference ('USL-2026-0001'); a progress note is the
-- reference and the note's number within the proposal, oldest first ('USL-2026-0001/2').
INSERT INTO moderation (object_type, object_id, reason, hidden_by, created_at)
SELECT 'proposal', p.reference, p.hidden_reason, p.hidden_by, COALESCE(p.hidden_at, p.updated_at)
FROM proposals p
WHERE p.hidden_reason IS NOT NULL AND p.hidden_by IS NOT NULL
ON CONFLICT (object_type, object_id) DO NOTHING;

INSERT INTO moderation (object_type, object_id, reason, hidden_by, created_at)
SELECT 'proposal_progress',
       p.reference || '/' || (SELECT COUNT(*) FROM proposal_progress q
                              WHERE q.proposal_id = n.proposal_id AND q.id <= n.id),
       n.hidden_reason, n.hidden_by, COALESCE(n.hidden_at, n.at)
FROM proposal_progress n JOIN proposals p ON p.id = n.proposal_id
WHERE n.hidden_reason IS NOT NULL AND n.hidden_by IS NOT NULL
ON CONFLICT (object_type, object_id) DO NOTHING;

ALTER TABLE proposals DROP COLUMN hidden_reason;
ALTER TABLE proposals DROP COLUMN hidden_by;
ALTER TABLE proposals DROP COLUMN hidden_at;
ALTER TABLE proposal_progress DROP COLUMN hidden_reason;
ALTER TABLE proposal_progress DROP COLUMN hidden_by;
ALTER TABLE proposal_progress DROP COLUMN hidden_at;
