-- A counter per folder that every change of what its listing shows raises,
-- in the same transaction: the vault keeps a folder's decrypted, sorted
-- listing and reuses it while the counter stays the same (on any server
-- over this database). Triggers, so no write path can forget it.
--
-- What a listing shows of a child: its place and name, kind, size, content
-- and times; and whether it is a trash item's top (`trashed_at`). Marking a
-- subtree for the trash (`trashed_in`) changes no listing of a folder one
-- can still list, nor does a binding, so those raise nothing. Purged trash
-- items hang from the root as tops: the root's counter goes up, harmlessly.
ALTER TABLE nodes ADD COLUMN listing_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER nodes_listing_insert AFTER INSERT ON nodes
WHEN NEW.parent_id IS NOT NULL
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1 WHERE id = NEW.parent_id;
END;

CREATE TRIGGER nodes_listing_delete AFTER DELETE ON nodes
WHEN OLD.parent_id IS NOT NULL
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1 WHERE id = OLD.parent_id;
END;

CREATE TRIGGER nodes_listing_update
AFTER UPDATE OF parent_id, kind, name_ct, name_mac, size, object_id, created_at, modified_at, trashed_at
ON nodes
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1
    WHERE id IN (OLD.parent_id, NEW.parent_id);
END;

-- A user's live folders and their versions, for search.
CREATE INDEX nodes_folders_by_user ON nodes (user_id)
    WHERE kind = 'folder' AND trashed_in IS NULL;
