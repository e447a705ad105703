-- The trigger engine's state (store/trigger_store.h): one row per trigger, and one per fire,
-- unique per trigger and fire key, claimed before the trigger's target starts (exactly once
-- across restarts and server replicas; also the webhooks' replay cache).

CREATE TABLE trigger_states (
  application TEXT NOT NULL,
  name TEXT NOT NULL,
  hook_id TEXT UNIQUE,
  last_fire_at_ms INTEGER,
  last_execution TEXT NOT NULL DEFAULT '',
  next_run_at_ms INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  last_error_at_ms INTEGER,
  cursor_json TEXT NOT NULL DEFAULT '{}',
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (application, name)
);

CREATE TABLE trigger_fires (
  application TEXT NOT NULL,
  name TEXT NOT NULL,
  fire_key TEXT NOT NULL,
  status TEXT NOT NULL,
  owner TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  error TEXT NOT NULL,
  claimed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (application, name, fire_key)
);
