-- The trash. A deleted subtree stays in `nodes`, marked: `trashed_in` is set
-- on each of its nodes to the id of its top (the top included), so every
-- read of the live tree needs one test (`trashed_in IS NULL`). The top also
-- has `trashed_at` and `trash_parent`, the folder it was deleted from (its
-- name ciphertext is sealed for that place); its `parent_id` becomes the
-- user's root. So a folder purged later never cascades into an item trashed
-- earlier from inside it: each trash item hangs from the root alone, and the
-- root goes only with the account. `trash_parent` is no foreign key: the
-- folder it names may be gone since, and the record says where it was.
ALTER TABLE nodes ADD COLUMN trashed_in BLOB
    CHECK (trashed_in IS NULL OR length(trashed_in) = 16);
ALTER TABLE nodes ADD COLUMN trashed_at INTEGER
    CHECK (trashed_at IS NULL OR trashed_in IS id);
ALTER TABLE nodes ADD COLUMN trash_parent BLOB
    CHECK ((trash_parent IS NULL) = (trashed_at IS NULL));

-- One name per folder among what is not a trash item's top: trash items of
-- the same name all hang from the root. Nothing is ever added below a
-- trashed folder, so names stay unique inside a trash item too. Listing
-- (`trashed_at IS NULL`) uses this index.
DROP INDEX nodes_by_parent_name;
CREATE UNIQUE INDEX nodes_by_parent_name ON nodes (parent_id, name_mac)
    WHERE trashed_at IS NULL;
-- The partial index cannot serve the `ON DELETE CASCADE` of `parent_id`,
-- whose look-up of a deleted node's children names no `trashed_at`: without
-- this one every node deleted would scan the table.
CREATE INDEX nodes_by_parent ON nodes (parent_id);
-- A trash item's nodes (restore, purge, sizes); a user's trash, and
-- everyone's oldest items for the sweeper.
CREATE INDEX nodes_by_trash ON nodes (trashed_in) WHERE trashed_in IS NOT NULL;
CREATE INDEX nodes_trash_by_user ON nodes (user_id, trashed_at)
    WHERE trashed_at IS NOT NULL;
CREATE INDEX nodes_trash_by_age ON nodes (trashed_at) WHERE trashed_at IS NOT NULL;

-- Earlier contents of files, kept when overwritten. A version goes with its
-- file (deleted, purged, or with the account). `created_at` is when that
-- content was uploaded; newest first is (created_at, id) descending, ids
-- being UUIDv7.
CREATE TABLE versions (
    id         BLOB    PRIMARY KEY CHECK (length(id) = 16),
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    node_id    BLOB    NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    object_id  BLOB    NOT NULL UNIQUE CHECK (length(object_id) = 16),
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at INTEGER NOT NULL,
    binding    BLOB    CHECK (binding IS NULL OR length(binding) = 32)
) STRICT;

-- A file's versions in order (also the cascade from `nodes`), and a user's
-- (usage, objects, the cascade from `users`).
CREATE INDEX versions_by_node ON versions (node_id, created_at, id);
CREATE INDEX versions_by_user ON versions (user_id);
