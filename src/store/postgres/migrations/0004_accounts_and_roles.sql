-- As store/sqlite/migrations 0007.
-- Users, service accounts, sessions, groups, roles and role bindings (store/access_store.h).
-- Every existing API token moves to a service account of its own name, bound to the built-in
-- role of its highest scope, so it keeps the rights it had.

CREATE TABLE accounts (
  id TEXT COLLATE "C" PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('user', 'service')),
  password_hash TEXT,  -- argon2id, encoded; never a password
  disabled BIGINT NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  password_changed_at_ms BIGINT
);

CREATE TABLE sessions (
  id_sha256 TEXT PRIMARY KEY,  -- never the session id itself
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  csrf_sha256 TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE rbac_groups (
  name TEXT COLLATE "C" PRIMARY KEY,
  updated_at_ms BIGINT NOT NULL
);

CREATE TABLE rbac_group_members (
  group_name TEXT NOT NULL REFERENCES rbac_groups (name) ON DELETE CASCADE,
  account_name TEXT NOT NULL REFERENCES accounts (name),
  PRIMARY KEY (group_name, account_name)
);

CREATE TABLE rbac_roles (
  name TEXT COLLATE "C" PRIMARY KEY,
  permissions_json TEXT NOT NULL,
  builtin BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE rbac_bindings (
  id TEXT COLLATE "C" PRIMARY KEY,
  seq BIGINT NOT NULL,
  role TEXT NOT NULL REFERENCES rbac_roles (name),
  account_name TEXT REFERENCES accounts (name),
  group_name TEXT REFERENCES rbac_groups (name) ON DELETE CASCADE,
  applications_json TEXT NOT NULL,
  environment_types_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  CHECK ((account_name IS NULL) <> (group_name IS NULL))
);

INSERT INTO rbac_roles (name, permissions_json, builtin) VALUES
  ('viewer', '["view"]', 1),
  ('deployer', '["deploy","rollback","view"]', 1),
  ('admin', '["admin","approve","deploy","manage-config","manage-secrets","rollback","view"]', 1);

ALTER TABLE api_tokens ADD COLUMN owner TEXT;

INSERT INTO accounts (id, name, kind, disabled, created_by, created_at_ms)
  SELECT 'sa-' || id, name, 'service', 0, 'migration', created_at_ms FROM api_tokens;
UPDATE api_tokens SET owner = name;
INSERT INTO rbac_bindings (id, seq, role, account_name, applications_json,
                           environment_types_json, created_by, created_at_ms)
  SELECT 'rb-' || id, 0,
         CASE WHEN scopes_json LIKE '%"admin"%' THEN 'admin'
              WHEN scopes_json LIKE '%"deploy"%' THEN 'deployer'
              ELSE 'viewer' END,
         name, '[]', '[]', 'migration', created_at_ms
  FROM api_tokens
  WHERE scopes_json LIKE '%"admin"%' OR scopes_json LIKE '%"deploy"%'
     OR scopes_json LIKE '%"read"%';
