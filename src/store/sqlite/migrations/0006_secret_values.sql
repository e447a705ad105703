-- Values of `source: ferry` secrets, sealed by the server (AES-256-GCM) before they reach the
-- store: nothing here is readable without the key file.

CREATE TABLE secret_values (
  name          TEXT PRIMARY KEY,
  sealed        TEXT NOT NULL,  -- base64
  key_id        TEXT NOT NULL,
  version       INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  updated_by    TEXT NOT NULL
);
