-- What changed in a folder since a listing version, so that a kept listing
-- is brought up to date from the few children that changed instead of being
-- read, decrypted and sorted again whole (a 100,000-file folder takes
-- ~200 ms that way, issue 16).
--
-- Each child records the version its change raised its folder to
-- (`listed_in`); a child that left a folder (moved out, purged) leaves a
-- departure under the version its leaving raised the folder to. Both are
-- written by the same triggers as the version itself, so no write path can
-- forget them. Departures of a folder more than 1000 versions old are
-- dropped: a listing that much behind is read whole again.
ALTER TABLE nodes ADD COLUMN listed_in INTEGER NOT NULL DEFAULT 0;

CREATE INDEX nodes_listed_in ON nodes (parent_id, listed_in);

CREATE TABLE listing_departures (
    folder_id BLOB NOT NULL,
    version INTEGER NOT NULL,
    node_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    PRIMARY KEY (folder_id, version, node_id)
) WITHOUT ROWID;

DROP TRIGGER nodes_listing_insert;
DROP TRIGGER nodes_listing_delete;
DROP TRIGGER nodes_listing_update;

CREATE TRIGGER nodes_listing_insert AFTER INSERT ON nodes
WHEN NEW.parent_id IS NOT NULL
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1 WHERE id = NEW.parent_id;
    UPDATE nodes SET listed_in = (SELECT listing_version FROM nodes WHERE id = NEW.parent_id)
    WHERE id = NEW.id;
END;

CREATE TRIGGER nodes_listing_delete AFTER DELETE ON nodes
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1 WHERE id = OLD.parent_id;
    INSERT OR IGNORE INTO listing_departures (folder_id, version, node_id, user_id)
    SELECT OLD.parent_id, listing_version, OLD.id, OLD.user_id FROM nodes WHERE id = OLD.parent_id;
    -- A folder that is gone needs none of its own.
    DELETE FROM listing_departures WHERE folder_id = OLD.id;
END;

CREATE TRIGGER nodes_listing_update
AFTER UPDATE OF parent_id, kind, name_ct, name_mac, size, object_id, created_at, modified_at, trashed_at
ON nodes
BEGIN
    UPDATE nodes SET listing_version = listing_version + 1
    WHERE id IN (OLD.parent_id, NEW.parent_id);
    UPDATE nodes SET listed_in = (SELECT listing_version FROM nodes WHERE id = NEW.parent_id)
    WHERE id = NEW.id AND NEW.parent_id IS NOT NULL;
    INSERT OR IGNORE INTO listing_departures (folder_id, version, node_id, user_id)
    SELECT OLD.parent_id, listing_version, OLD.id, OLD.user_id FROM nodes
    WHERE id = OLD.parent_id AND OLD.parent_id IS NOT NEW.parent_id;
END;

CREATE TRIGGER listing_departures_bounded AFTER INSERT ON listing_departures
BEGIN
    DELETE FROM listing_departures
    WHERE folder_id = NEW.folder_id AND version <= NEW.version - 1000;
END;
