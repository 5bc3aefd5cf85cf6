-- The dead properties of a node (WebDAV PROPPATCH): one sealed blob per
-- node, opened only by the vault. They go with their node through the
-- cascade: deleted for good, purged from the trash, or with the account
-- (whose nodes cascade from `users`). A node in the trash keeps its row;
-- reads of the live tree do not see it there (`trashed_in`). `user_id`
-- scopes every query to the owner, as on the other tables.
CREATE TABLE node_props (
    node_id BLOB NOT NULL PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
    user_id BLOB NOT NULL CHECK (length(user_id) = 16),
    sealed  BLOB NOT NULL
) STRICT;
