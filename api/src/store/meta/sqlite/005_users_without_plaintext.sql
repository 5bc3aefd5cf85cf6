-- The users table without `email` and `display_name`. A UNIQUE column cannot
-- be dropped, so the table is rebuilt (sqlite.org/lang_altertable.html,
-- "other kinds of table schema changes"): foreign keys are off while the
-- migrations run, and checked before this step commits.
CREATE TABLE users_sealed (
    id                   BLOB    PRIMARY KEY CHECK (length(id) = 16),
    email_index          BLOB    NOT NULL UNIQUE CHECK (length(email_index) = 32),
    email_ct             BLOB    NOT NULL,
    display_name_ct      BLOB,
    password_hash        TEXT    NOT NULL,
    kek_salt             BLOB    NOT NULL CHECK (length(kek_salt) = 16),
    kek_params           TEXT    NOT NULL,
    wrapped_umk          BLOB    NOT NULL,
    recovery_salt        BLOB    NOT NULL CHECK (length(recovery_salt) = 16),
    recovery_params      TEXT    NOT NULL,
    recovery_wrapped_umk BLOB    NOT NULL,
    quota_bytes          INTEGER NOT NULL CHECK (quota_bytes >= 0),
    used_bytes           INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    created_at           INTEGER NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    node_count           INTEGER NOT NULL DEFAULT 0 CHECK (node_count >= 0)
) STRICT;

INSERT INTO users_sealed (id, email_index, email_ct, display_name_ct, password_hash, kek_salt,
    kek_params, wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes,
    used_bytes, created_at, disabled, node_count)
SELECT id, email_index, email_ct, display_name_ct, password_hash, kek_salt,
    kek_params, wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes,
    used_bytes, created_at, disabled, node_count
FROM users;

DROP TABLE users;
ALTER TABLE users_sealed RENAME TO users;
