-- The entries of folder shares: for each node inside a shared folder, what
-- the link may know of it, sealed under the share's key. An entry goes with
-- its share (revoked, or gone with its node or account) and with its node.
CREATE TABLE share_entries (
    share_id BLOB NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    node_id  BLOB NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    sealed   BLOB NOT NULL,
    PRIMARY KEY (share_id, node_id)
) STRICT, WITHOUT ROWID;

-- Deleting a node looks up its entries by node: without this index every
-- node deleted would scan the whole table for the cascade.
CREATE INDEX share_entries_by_node ON share_entries (node_id);
