-- Accounts and refresh-token sessions. Ids are 16-byte UUIDs, times Unix seconds.
CREATE TABLE users (
    id                   BLOB    PRIMARY KEY CHECK (length(id) = 16),
    email                TEXT    NOT NULL UNIQUE,
    display_name         TEXT,
    password_hash        TEXT    NOT NULL,
    kek_salt             BLOB    NOT NULL CHECK (length(kek_salt) = 16),
    kek_params           TEXT    NOT NULL,
    wrapped_umk          BLOB    NOT NULL,
    recovery_salt        BLOB    NOT NULL CHECK (length(recovery_salt) = 16),
    recovery_params      TEXT    NOT NULL,
    recovery_wrapped_umk BLOB    NOT NULL,
    quota_bytes          INTEGER NOT NULL CHECK (quota_bytes >= 0),
    used_bytes           INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    created_at           INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id          BLOB    PRIMARY KEY CHECK (length(id) = 16),
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    wrapped_umk BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);

-- Secrets a session has rotated away from: presenting one again means the token
-- was copied, so the whole session is ended.
CREATE TABLE retired_secrets (
    session_id  BLOB NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    PRIMARY KEY (session_id, secret_hash)
) STRICT, WITHOUT ROWID;
