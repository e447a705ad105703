-- Values of `source: ferry` secrets, sealed by the server (AES-256-GCM) before they reach the
-- store: nothing here is readable without the key file. As store/sqlite/migrations 0006.

CREATE TABLE secret_values (
  name TEXT COLLATE "C" PRIMARY KEY,
  sealed TEXT NOT NULL,  -- base64
  key_id TEXT NOT NULL,
  version BIGINT NOT NULL CHECK (version >= 1),
  updated_at_ms BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
