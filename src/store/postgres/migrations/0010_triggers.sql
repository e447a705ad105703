-- The trigger engine's state (store/trigger_store.h). As store/sqlite/migrations 0013.

CREATE TABLE trigger_states (
  application TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  hook_id TEXT COLLATE "C" UNIQUE,
  last_fire_at_ms BIGINT,
  last_execution TEXT NOT NULL DEFAULT '',
  next_run_at_ms BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at_ms BIGINT,
  cursor_json TEXT NOT NULL DEFAULT '{}',
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (application, name)
);

CREATE TABLE trigger_fires (
  application TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  fire_key TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  error TEXT NOT NULL,
  claimed_at_ms BIGINT NOT NULL,
  PRIMARY KEY (application, name, fire_key)
);
