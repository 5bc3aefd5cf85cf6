-- Share links. A share goes with its node: the cascade from `nodes` removes
-- it when the node (or a folder above it) is deleted, and with the account,
-- whose deletion cascades to its nodes.
CREATE TABLE shares (
    id                BLOB    PRIMARY KEY CHECK (length(id) = 16),
    user_id           BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    node_id           BLOB    NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    kind              TEXT    NOT NULL CHECK (kind IN ('folder', 'file')),
    secret_hash       BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    link_wrapped_key  BLOB    NOT NULL,
    owner_wrapped_key BLOB    NOT NULL,
    password_salt     BLOB    CHECK (password_salt IS NULL OR length(password_salt) = 16),
    password_params   TEXT,
    sealed            BLOB    NOT NULL,
    expires_at        INTEGER,
    max_downloads     INTEGER CHECK (max_downloads IS NULL OR max_downloads >= 0),
    downloads         INTEGER NOT NULL DEFAULT 0 CHECK (downloads >= 0),
    created_at        INTEGER NOT NULL,
    CHECK ((password_salt IS NULL) = (password_params IS NULL))
) STRICT;

-- The owner's list (newest first) and the shares of one node.
CREATE INDEX shares_by_user ON shares (user_id, created_at);
CREATE INDEX shares_by_node ON shares (node_id);
