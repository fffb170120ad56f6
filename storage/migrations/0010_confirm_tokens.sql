-- One-time confirmation tokens (issue 13, item 10). The step that shows a destructive
-- button (erase, revoke, merge, reject, close early, send a broadcast) issues one, bound to
-- the person it was shown to, the action and its object; the press consumes it in the
-- transaction of the destructive write. A forged, replayed, expired or someone else's token
-- matches no row and changes nothing. Rows past their expiry are deleted at the next issue.
CREATE TABLE confirm_tokens (
    token      TEXT PRIMARY KEY,
    person_id  INTEGER NOT NULL,
    action     TEXT NOT NULL,
    object_id  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
) WITHOUT ROWID;

CREATE INDEX confirm_tokens_expiry ON confirm_tokens (expires_at);
