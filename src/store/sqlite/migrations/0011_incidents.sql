-- Service Guard and periodic drift detection (F-VERIFY, F-OPERATE): the periodic checks (one
-- row per environment, kind and time slot; the key is also the check's task idempotency key),
-- incidents (at most one open per function, kind and subject) and the latest drift report of
-- each function.

CREATE TABLE guard_checks (
  check_key     TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  application   TEXT NOT NULL,
  environment   TEXT NOT NULL,
  slot_ms       INTEGER NOT NULL,
  state         TEXT NOT NULL,
  task_keys     TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  applied_at_ms INTEGER
);
CREATE INDEX guard_checks_pending ON guard_checks (state, slot_ms);

CREATE TABLE incidents (
  id            TEXT PRIMARY KEY,
  application   TEXT NOT NULL,
  environment   TEXT NOT NULL,
  function_name TEXT NOT NULL,
  kind          TEXT NOT NULL,
  subject       TEXT NOT NULL,
  state         TEXT NOT NULL,
  summary       TEXT NOT NULL,
  details       TEXT NOT NULL,
  checks        INTEGER NOT NULL,
  opened_at_ms  INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  closed_at_ms  INTEGER,
  close_reason  TEXT NOT NULL,
  opened_by     TEXT NOT NULL,
  last_check    TEXT NOT NULL
);
CREATE UNIQUE INDEX incidents_one_open
  ON incidents (application, environment, function_name, kind, subject) WHERE state = 'open';
CREATE INDEX incidents_by_time ON incidents (opened_at_ms, id);

CREATE TABLE drift_reports (
  application   TEXT NOT NULL,
  environment   TEXT NOT NULL,
  function_name TEXT NOT NULL,
  drifted       INTEGER NOT NULL,
  report        TEXT NOT NULL,
  check_key     TEXT NOT NULL,
  checked_at_ms INTEGER NOT NULL,
  PRIMARY KEY (application, environment, function_name)
);
