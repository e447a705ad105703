-- Approvals executions wait on (F-PIPELINE): one per (execution, step); the decision, who made
-- it, when and why.

CREATE TABLE approvals (
  id                 TEXT PRIMARY KEY,
  execution_id       TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_index         INTEGER NOT NULL,
  step_name          TEXT NOT NULL,
  application        TEXT NOT NULL,
  message            TEXT NOT NULL,
  user_groups        TEXT NOT NULL,
  inputs             TEXT NOT NULL,
  expires_at_ms      INTEGER,
  approve_on_timeout INTEGER NOT NULL,
  status             TEXT NOT NULL,
  created_at_ms      INTEGER NOT NULL,
  decided_by         TEXT,
  decided_source     TEXT,
  decided_at_ms      INTEGER,
  comment            TEXT,
  decision_values    TEXT NOT NULL,
  timed_out          INTEGER NOT NULL,
  UNIQUE (execution_id, step_index)
);
CREATE INDEX approvals_by_status ON approvals (status, created_at_ms);
