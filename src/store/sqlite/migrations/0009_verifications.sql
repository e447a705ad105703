-- The analyses of verify steps (F-VERIFY): one per (execution, step), the analysis as the step
-- produced it (JSON: mode, windows, queries, per-metric summaries and p-values, verdict).

CREATE TABLE verifications (
  execution_id  TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
  step_name     TEXT NOT NULL,
  mode          TEXT NOT NULL,
  verdict       TEXT NOT NULL,
  passed        INTEGER NOT NULL,
  analysis      TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (execution_id, step_name)
);
