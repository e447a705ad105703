-- Approvals executions wait on (F-PIPELINE). As store/sqlite/migrations 0010.

CREATE TABLE approvals (
  id TEXT COLLATE "C" PRIMARY KEY,
  execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_index BIGINT NOT NULL,
  step_name TEXT COLLATE "C" NOT NULL,
  application TEXT COLLATE "C" NOT NULL,
  message TEXT NOT NULL,
  user_groups TEXT NOT NULL,
  inputs TEXT NOT NULL,
  expires_at_ms BIGINT,
  approve_on_timeout BIGINT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  decided_by TEXT,
  decided_source TEXT,
  decided_at_ms BIGINT,
  comment TEXT,
  decision_values TEXT NOT NULL,
  timed_out BIGINT NOT NULL,
  UNIQUE (execution_id, step_index)
);
CREATE INDEX approvals_by_status ON approvals (status, created_at_ms);
