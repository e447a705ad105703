-- The analyses of verify steps (F-VERIFY). As store/sqlite/migrations 0009.

CREATE TABLE verifications (
  execution_id TEXT COLLATE "C" NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_name TEXT COLLATE "C" NOT NULL,
  mode TEXT NOT NULL,
  verdict TEXT NOT NULL,
  passed BIGINT NOT NULL,
  analysis TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (execution_id, step_name)
);
