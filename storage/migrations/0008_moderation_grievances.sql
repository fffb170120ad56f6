-- Grievances hide their public summary through the one moderation seam (issue 8), as
-- proposals do since 0007: what was hidden with grievances.hidden_reason moves into
-- `moderation` (object type 'grievance', object id = the public reference 'LPR-2026-0001';
-- who hid it comes from the audit row of that hide), then the column goes.
INSERT INTO moderation (object_type, object_id, reason, hidden_by, created_at)
SELECT 'grievance', g.ref, g.hidden_reason, a.actor_id, a.at
FROM grievances g
JOIN audit a ON a.id = (SELECT MAX(b.id) FROM audit b
                        WHERE b.action = 'grievance.public_hidden'
                          AND b.object_type = 'grievance' AND b.object_id = CAST(g.id AS TEXT))
WHERE g.hidden_reason IS NOT NULL AND a.actor_id IS NOT NULL
ON CONFLICT (object_type, object_id) DO NOTHING;

ALTER TABLE grievances DROP COLUMN hidden_reason;
