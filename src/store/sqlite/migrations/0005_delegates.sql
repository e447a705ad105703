-- The delegates that claim tasks from this database (store/delegate_registry.h): each refreshes
-- its row whenever it claims or heartbeats, so last_seen_at_ms says whether it is alive.

CREATE TABLE delegates (
  name TEXT PRIMARY KEY,
  instance TEXT NOT NULL,
  selectors_json TEXT NOT NULL,
  version TEXT NOT NULL,
  first_seen_at_ms INTEGER NOT NULL,
  last_seen_at_ms INTEGER NOT NULL
);
