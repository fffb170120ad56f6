-- Issue 13, anonymity against timing joins: what earlier versions stored to the second
-- about people is kept to the (UTC) day from now on; bring existing rows into line, so a
-- kept database or a backup made after the upgrade holds no finer time either.
UPDATE people SET created_at = substr(created_at, 1, 10) || 'T00:00:00+00:00'
    WHERE created_at IS NOT NULL;
UPDATE people SET last_seen_at = substr(last_seen_at, 1, 10) || 'T00:00:00+00:00'
    WHERE last_seen_at IS NOT NULL;
UPDATE unreachable_chats SET since = substr(since, 1, 10) || 'T00:00:00+00:00';

-- The board's notifications of reports and their follow-ups stored before the upgrade do not
-- say whether the report was anonymous: all of them become discreet (day-only times) and
-- those already final go, as discreet ones do now (the newest message of all stays, holding
-- its kind and day, so its id is not given to the next message).
UPDATE outbox_messages SET kind = 'discreet:' || kind
    WHERE kind IN ('grievance.filed', 'grievance.follow');
UPDATE outbox_messages SET
    created_at = substr(created_at, 1, 10) || 'T00:00:00+00:00',
    started_at = CASE WHEN started_at IS NULL THEN NULL
                      ELSE substr(started_at, 1, 10) || 'T00:00:00+00:00' END,
    finished_at = CASE WHEN finished_at IS NULL THEN NULL
                       ELSE substr(finished_at, 1, 10) || 'T00:00:00+00:00' END,
    reported_at = CASE WHEN reported_at IS NULL THEN NULL
                       ELSE substr(reported_at, 1, 10) || 'T00:00:00+00:00' END
    WHERE kind LIKE 'discreet:%';
UPDATE deliveries SET updated_at = substr(updated_at, 1, 10) || 'T00:00:00+00:00'
    WHERE message_id IN (SELECT id FROM outbox_messages WHERE kind LIKE 'discreet:%');
DELETE FROM deliveries
    WHERE status IN ('sent', 'failed', 'unreachable', 'uncertain', 'cancelled')
    AND message_id IN (SELECT id FROM outbox_messages WHERE kind LIKE 'discreet:%');
DELETE FROM outbox_renderings
    WHERE message_id IN (SELECT id FROM outbox_messages WHERE kind LIKE 'discreet:%')
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = outbox_renderings.message_id);
DELETE FROM outbox_messages
    WHERE kind LIKE 'discreet:%'
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_id = outbox_messages.id)
    AND id < (SELECT MAX(id) FROM outbox_messages);
