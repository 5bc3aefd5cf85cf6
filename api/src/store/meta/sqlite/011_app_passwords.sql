-- App passwords: long-lived credentials for scripts and WebDAV clients. The
-- row holds SHA-256 of the secret and the UMK wrapped under a key derived
-- from it, and the name sealed under a key derived from the UMK: nothing
-- here opens an account or says what the password is for. They go with the
-- account (the cascade; `delete_user` deletes them first anyway).
CREATE TABLE app_passwords (
    id           BLOB    PRIMARY KEY CHECK (length(id) = 16),
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name_ct      BLOB    NOT NULL,
    secret_hash  BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    wrapped_umk  BLOB    NOT NULL,
    read_only    INTEGER NOT NULL CHECK (read_only IN (0, 1)),
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;

-- A user's list, newest first.
CREATE INDEX app_passwords_by_user ON app_passwords (user_id, created_at);
