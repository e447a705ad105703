-- Executions and their steps, delegate tasks, log lines, artifacts, API tokens and deployment
-- records. Times are Unix milliseconds from Ferry's Clock; JSON columns hold canonical JSON.

CREATE TABLE artifacts (
  id TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  version TEXT NOT NULL,
  location_json TEXT NOT NULL,
  size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
  code_sha256 TEXT NOT NULL,
  metadata_json TEXT NOT NULL,
  first_seen_at_ms INTEGER NOT NULL,
  last_seen_at_ms INTEGER NOT NULL,
  UNIQUE (source, key, version)
);
CREATE INDEX artifacts_by_seen ON artifacts (first_seen_at_ms, id);

CREATE TABLE executions (
  id TEXT PRIMARY KEY,
  application TEXT NOT NULL,
  service TEXT NOT NULL,
  environment TEXT NOT NULL,
  workflow TEXT NOT NULL,
  pipeline TEXT,
  trigger TEXT NOT NULL,
  actor TEXT NOT NULL,
  artifact_id TEXT REFERENCES artifacts (id),
  idempotency_key TEXT UNIQUE,
  status TEXT NOT NULL,
  inputs_json TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  error TEXT,
  revision INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  ended_at_ms INTEGER,
  lease_owner TEXT,
  lease_expires_at_ms INTEGER,
  wake_at_ms INTEGER NOT NULL,
  -- Set when something woke the execution while a lease was held, so that the holder's
  -- ReleaseLease(wake_at later) cannot push that wake-up back.
  wake_pending INTEGER NOT NULL DEFAULT 0,
  abort_requested_by TEXT
);
-- Runnable work: only non-terminal executions are indexed.
CREATE INDEX executions_runnable ON executions (wake_at_ms) WHERE ended_at_ms IS NULL;
CREATE INDEX executions_by_created ON executions (created_at_ms, id);
CREATE INDEX executions_by_target ON executions (application, service, environment, created_at_ms);

CREATE TABLE steps (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  step_index INTEGER NOT NULL CHECK (step_index >= 0),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  inputs_json TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  error TEXT,
  revision INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  started_at_ms INTEGER,
  ended_at_ms INTEGER,
  PRIMARY KEY (execution_id, step_index),
  UNIQUE (execution_id, name)
) WITHOUT ROWID;

CREATE TABLE tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- claim order (FIFO)
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  selectors_json TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  execution_id TEXT REFERENCES executions (id) ON DELETE CASCADE,
  step_index INTEGER,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at_ms INTEGER,
  heartbeat_at_ms INTEGER,
  result_json TEXT,
  error TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  ended_at_ms INTEGER
);
CREATE INDEX tasks_by_status ON tasks (status, lease_expires_at_ms);
CREATE INDEX tasks_by_execution ON tasks (execution_id, seq);

-- A task's required delegate selectors, one row each, for the subset test in ClaimNext.
CREATE TABLE task_selectors (
  task_seq INTEGER NOT NULL REFERENCES tasks (seq) ON DELETE CASCADE,
  selector TEXT NOT NULL,
  PRIMARY KEY (task_seq, selector)
) WITHOUT ROWID;

CREATE TABLE log_lines (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  sequence INTEGER NOT NULL,
  step_index INTEGER,
  level TEXT NOT NULL,
  source TEXT NOT NULL,
  text TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  PRIMARY KEY (execution_id, sequence)
) WITHOUT ROWID;

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL UNIQUE,  -- never the secret itself
  scopes_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER,
  last_used_at_ms INTEGER,
  revoked_at_ms INTEGER,
  revoked_by TEXT
);

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions (id),
  application TEXT NOT NULL,
  service TEXT NOT NULL,
  environment TEXT NOT NULL,
  function TEXT NOT NULL,
  function_arn TEXT NOT NULL,
  version TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  created_function INTEGER NOT NULL,
  snapshot_json TEXT NOT NULL,
  aliases_json TEXT NOT NULL,
  state TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (execution_id, function)
);
CREATE INDEX deployments_by_target
  ON deployments (application, service, environment, function, created_at_ms);
