-- The notification outbox (docs/notifications.md): one row per event routed to a channel,
-- claimed by senders with a lease, retried with backoff until delivered or given up.

CREATE TABLE notifications (
  id                 TEXT PRIMARY KEY,
  dedupe_key         TEXT NOT NULL UNIQUE,
  channel            TEXT NOT NULL,
  event              TEXT NOT NULL,
  application        TEXT NOT NULL,
  execution_id       TEXT NOT NULL,
  event_json         TEXT NOT NULL,
  status             TEXT NOT NULL,
  attempts           INTEGER NOT NULL,
  last_error         TEXT NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  ended_at_ms        INTEGER,
  lease_owner        TEXT NOT NULL,
  lease_until_ms     INTEGER
);

CREATE INDEX notifications_due ON notifications (status, next_attempt_at_ms);
CREATE INDEX notifications_created ON notifications (created_at_ms, id);
