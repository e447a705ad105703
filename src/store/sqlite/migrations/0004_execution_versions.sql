-- Covering indexes for an execution's version (its revision, its steps' count and the sum of
-- their revisions): long-polled reads of GET /api/v1/executions/{id} compare versions without
-- reading the inputs and outputs, which a deployment of many functions makes megabytes long.

CREATE INDEX executions_revision ON executions (id, revision);
CREATE INDEX steps_revision ON steps (execution_id, revision);
