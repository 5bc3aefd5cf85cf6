-- Accounts can be disabled; each counts its files and folders (the root not
-- included) for `limits.nodes_per_account`.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
ALTER TABLE users ADD COLUMN node_count INTEGER NOT NULL DEFAULT 0 CHECK (node_count >= 0);
UPDATE users SET node_count =
    (SELECT COUNT(*) FROM nodes WHERE nodes.user_id = users.id AND nodes.parent_id IS NOT NULL);

-- Single-use invites to sign up: only a hash of the code.
CREATE TABLE invites (
    code_hash  BLOB    PRIMARY KEY CHECK (length(code_hash) = 32),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Failed attempts per account, keyed by a keyed hash of its email.
CREATE TABLE failures (
    account      BLOB    PRIMARY KEY CHECK (length(account) = 32),
    count        INTEGER NOT NULL CHECK (count >= 0),
    last_at      INTEGER NOT NULL,
    locked_until INTEGER
) STRICT, WITHOUT ROWID;
