-- Configuration entities as canonical JSON specs, and the audit trail.
-- Times are Unix milliseconds from Ferry's Clock.

CREATE TABLE entities (
  kind TEXT NOT NULL,
  application TEXT NOT NULL,  -- '' for kinds not scoped to an application
  name TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  revision INTEGER NOT NULL CHECK (revision >= 1),
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (kind, application, name)
) WITHOUT ROWID;

CREATE INDEX entities_by_application ON entities (application, kind, name);

CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at_ms INTEGER NOT NULL,
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
