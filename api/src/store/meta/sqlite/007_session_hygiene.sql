-- Retired refresh secrets get an order, so a session keeps only its newest few
-- (`RETIRED_HASHES_KEPT`): `seq` counts up per session. Existing hashes keep
-- an arbitrary order (nothing recorded when they were retired); the next
-- rotation of their session trims them.
CREATE TABLE retired_secrets_ordered (
    session_id  BLOB    NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL CHECK (seq > 0),
    secret_hash BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    PRIMARY KEY (session_id, seq)
) STRICT, WITHOUT ROWID;

INSERT INTO retired_secrets_ordered (session_id, seq, secret_hash)
    SELECT session_id,
           row_number() OVER (PARTITION BY session_id ORDER BY secret_hash),
           secret_hash
    FROM retired_secrets;

DROP TABLE retired_secrets;
ALTER TABLE retired_secrets_ordered RENAME TO retired_secrets;

-- The sweeper deletes expired sessions.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
