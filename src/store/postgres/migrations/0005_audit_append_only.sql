-- The audit trail is append-only: no UPDATE, DELETE or TRUNCATE of an event succeeds, whoever
-- sends it (the store offers none of them; these triggers refuse them from any SQL client that
-- is not the table's owner disabling triggers). Each event also records where the change came
-- from (the client address, '' when not over the API) and the application it concerns ('' when
-- none). As store/sqlite/migrations 0008. (0004 is the users migration of another branch.)

ALTER TABLE audit_events ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN application TEXT COLLATE "C" NOT NULL DEFAULT '';

CREATE INDEX audit_events_by_action ON audit_events (action, sequence);
CREATE INDEX audit_events_by_application ON audit_events (application, sequence);
CREATE INDEX audit_events_by_time ON audit_events (at_ms, sequence);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only: % is refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
