-- The delegates that claim tasks from this database (store/delegate_registry.h): each refreshes
-- its row whenever it claims or heartbeats. As store/sqlite/migrations 0005.

CREATE TABLE delegates (
  name TEXT COLLATE "C" PRIMARY KEY,
  instance TEXT NOT NULL,
  selectors_json TEXT NOT NULL,
  version TEXT NOT NULL,
  first_seen_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL
);
CREATE INDEX delegates_by_instance ON delegates (instance);
