-- The notification outbox (docs/notifications.md). As store/sqlite/migrations 0012.

CREATE TABLE notifications (
  id TEXT COLLATE "C" PRIMARY KEY,
  dedupe_key TEXT COLLATE "C" NOT NULL UNIQUE,
  channel TEXT COLLATE "C" NOT NULL,
  event TEXT COLLATE "C" NOT NULL,
  application TEXT COLLATE "C" NOT NULL,
  execution_id TEXT COLLATE "C" NOT NULL,
  event_json TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT,
  lease_owner TEXT COLLATE "C" NOT NULL,
  lease_until_ms BIGINT
);

CREATE INDEX notifications_due ON notifications (status, next_attempt_at_ms);
CREATE INDEX notifications_created ON notifications (created_at_ms, id);
