-- Ferry's schema on PostgreSQL: the same tables as store/sqlite/migrations 0001..0004, in one
-- file. Times are Unix milliseconds from Ferry's Clock; JSON columns hold canonical JSON as text
-- (the store compares documents byte for byte, so they are not jsonb). Names and ids that lists
-- order by use the "C" collation: byte order, as on SQLite, whatever the database's locale.

CREATE TABLE entities (
  kind TEXT COLLATE "C" NOT NULL,
  application TEXT COLLATE "C" NOT NULL,  -- '' for kinds not scoped to an application
  name TEXT COLLATE "C" NOT NULL,
  spec_json TEXT NOT NULL,
  revision BIGINT NOT NULL CHECK (revision >= 1),
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (kind, application, name)
);
CREATE INDEX entities_by_application ON entities (application, kind, name);

CREATE TABLE audit_events (
  sequence BIGSERIAL PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  before_sha256 TEXT,
  after_sha256 TEXT,
  details_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_by_subject ON audit_events (subject_type, subject_id, sequence);
CREATE INDEX audit_events_by_actor ON audit_events (actor, sequence);

CREATE TABLE artifacts (
  id TEXT COLLATE "C" PRIMARY KEY,
  source TEXT NOT NULL,
  key TEXT NOT NULL,
  version TEXT NOT NULL,
  location_json TEXT NOT NULL,
  size_bytes BIGINT NOT NULL CHECK (size_bytes >= 0),
  code_sha256 TEXT NOT NULL,
  metadata_json TEXT NOT NULL,
  first_seen_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL,
  UNIQUE (source, key, version)
);
CREATE INDEX artifacts_by_seen ON artifacts (first_seen_at_ms, id);

CREATE TABLE executions (
  id TEXT COLLATE "C" PRIMARY KEY,
  application TEXT COLLATE "C" NOT NULL,
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
  revision BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  started_at_ms BIGINT,
  ended_at_ms BIGINT,
  lease_owner TEXT,
  lease_expires_at_ms BIGINT,
  wake_at_ms BIGINT NOT NULL,
  -- Set when something woke the execution while a lease was held, so that the holder's
  -- ReleaseLease(wake_at later) cannot push that wake-up back.
  wake_pending INTEGER NOT NULL DEFAULT 0,
  abort_requested_by TEXT
);
-- Runnable work: only non-terminal executions are indexed.
CREATE INDEX executions_runnable ON executions (wake_at_ms) WHERE ended_at_ms IS NULL;
CREATE INDEX executions_by_created ON executions (created_at_ms, id);
CREATE INDEX executions_by_target ON executions (application, service, environment, created_at_ms);
CREATE INDEX executions_revision ON executions (id, revision);

CREATE TABLE steps (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  step_index INTEGER NOT NULL CHECK (step_index >= 0),
  name TEXT COLLATE "C" NOT NULL,
  kind TEXT COLLATE "C" NOT NULL,
  status TEXT NOT NULL,
  state TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  inputs_json TEXT NOT NULL,
  outputs_json TEXT NOT NULL,
  error TEXT,
  revision BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  started_at_ms BIGINT,
  ended_at_ms BIGINT,
  timeout_ms BIGINT NOT NULL DEFAULT 0 CHECK (timeout_ms >= 0),
  undo_of INTEGER,
  PRIMARY KEY (execution_id, step_index),
  UNIQUE (execution_id, name)
);
CREATE INDEX steps_revision ON steps (execution_id, revision);

CREATE TABLE tasks (
  seq BIGSERIAL PRIMARY KEY,  -- claim order (FIFO)
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  kind TEXT COLLATE "C" NOT NULL,
  payload_json TEXT NOT NULL,
  selectors_json TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  execution_id TEXT REFERENCES executions (id) ON DELETE CASCADE,
  step_index INTEGER,
  status TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires_at_ms BIGINT,
  heartbeat_at_ms BIGINT,
  result_json TEXT,
  error TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  ended_at_ms BIGINT
);
CREATE INDEX tasks_by_status ON tasks (status, lease_expires_at_ms);
CREATE INDEX tasks_by_execution ON tasks (execution_id, seq);

-- A task's required delegate selectors, one row each, for the subset test in ClaimNext.
CREATE TABLE task_selectors (
  task_seq BIGINT NOT NULL REFERENCES tasks (seq) ON DELETE CASCADE,
  selector TEXT NOT NULL,
  PRIMARY KEY (task_seq, selector)
);

CREATE TABLE log_lines (
  execution_id TEXT NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
  sequence BIGINT NOT NULL,
  step_index INTEGER,
  level TEXT NOT NULL,
  source TEXT NOT NULL,
  text TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  PRIMARY KEY (execution_id, sequence)
);

CREATE TABLE api_tokens (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  secret_sha256 TEXT NOT NULL UNIQUE,  -- never the secret itself
  scopes_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  last_used_at_ms BIGINT,
  revoked_at_ms BIGINT,
  revoked_by TEXT
);

CREATE TABLE deployments (
  id TEXT COLLATE "C" PRIMARY KEY,
  execution_id TEXT NOT NULL REFERENCES executions (id),
  application TEXT COLLATE "C" NOT NULL,
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
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  details_json TEXT NOT NULL DEFAULT '{}',
  UNIQUE (execution_id, function)
);
CREATE INDEX deployments_by_target
  ON deployments (application, service, environment, function, created_at_ms);
CREATE INDEX deployments_by_function ON deployments (function, created_at_ms);

CREATE TABLE known_states (
  key TEXT PRIMARY KEY,
  state_json TEXT NOT NULL,
  execution_id TEXT,
  updated_at_ms BIGINT NOT NULL
);
