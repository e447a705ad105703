-- Steps carry their own timeout and, when they undo another step (appended as an execution rolls
-- back), that step's index. Deployment records keep what the domain managed (details_json) and
-- are found by function. known_states: what Ferry last left each cloud resource as.

ALTER TABLE steps ADD COLUMN timeout_ms INTEGER NOT NULL DEFAULT 0 CHECK (timeout_ms >= 0);
ALTER TABLE steps ADD COLUMN undo_of INTEGER;

ALTER TABLE deployments ADD COLUMN details_json TEXT NOT NULL DEFAULT '{}';
CREATE INDEX deployments_by_function ON deployments (function, created_at_ms);

CREATE TABLE known_states (
  key TEXT PRIMARY KEY,
  state_json TEXT NOT NULL,
  execution_id TEXT,
  updated_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
