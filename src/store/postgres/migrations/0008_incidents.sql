-- Service Guard and periodic drift detection. As store/sqlite/migrations 0011.

CREATE TABLE guard_checks (
  check_key     TEXT COLLATE "C" PRIMARY KEY,
  kind          TEXT NOT NULL,
  application   TEXT COLLATE "C" NOT NULL,
  environment   TEXT COLLATE "C" NOT NULL,
  slot_ms       BIGINT NOT NULL,
  state         TEXT NOT NULL,
  task_keys     TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  applied_at_ms BIGINT
);
CREATE INDEX guard_checks_pending ON guard_checks (state, slot_ms);

CREATE TABLE incidents (
  id            TEXT COLLATE "C" PRIMARY KEY,
  application   TEXT COLLATE "C" NOT NULL,
  environment   TEXT COLLATE "C" NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  kind          TEXT NOT NULL,
  subject       TEXT NOT NULL,
  state         TEXT NOT NULL,
  summary       TEXT NOT NULL,
  details       TEXT NOT NULL,
  checks        BIGINT NOT NULL,
  opened_at_ms  BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  closed_at_ms  BIGINT,
  close_reason  TEXT NOT NULL,
  opened_by     TEXT NOT NULL,
  last_check    TEXT NOT NULL
);
CREATE UNIQUE INDEX incidents_one_open
  ON incidents (application, environment, function_name, kind, subject) WHERE state = 'open';
CREATE INDEX incidents_by_time ON incidents (opened_at_ms, id);

CREATE TABLE drift_reports (
  application   TEXT COLLATE "C" NOT NULL,
  environment   TEXT COLLATE "C" NOT NULL,
  function_name TEXT COLLATE "C" NOT NULL,
  drifted       BIGINT NOT NULL,
  report        TEXT NOT NULL,
  check_key     TEXT NOT NULL,
  checked_at_ms BIGINT NOT NULL,
  PRIMARY KEY (application, environment, function_name)
);
