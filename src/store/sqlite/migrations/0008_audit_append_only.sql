-- The audit trail is append-only: no UPDATE or DELETE of an event succeeds, whoever sends it
-- (the store offers neither; these triggers refuse them from any SQL client too). Each event
-- also records where the change came from (the client address, '' when not over the API) and
-- the application it concerns ('' when none), so both can be filtered on.
-- (0007 is the users migration of another branch.)

ALTER TABLE audit_events ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN application TEXT NOT NULL DEFAULT '';

CREATE INDEX audit_events_by_action ON audit_events (action, sequence);
CREATE INDEX audit_events_by_application ON audit_events (application, sequence);
CREATE INDEX audit_events_by_time ON audit_events (at_ms, sequence);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: UPDATE is refused');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit events are append-only: DELETE is refused');
END;
