-- Files and folders. Names are stored only as ciphertext plus a keyed MAC;
-- each user's root folder has the user's id and no parent.
CREATE TABLE nodes (
    id          BLOB    PRIMARY KEY CHECK (length(id) = 16),
    user_id     BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id   BLOB    REFERENCES nodes (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('folder', 'file')),
    name_ct     BLOB    NOT NULL,
    name_mac    BLOB    NOT NULL CHECK (length(name_mac) = 32),
    size        INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    object_id   BLOB    CHECK (object_id IS NULL OR length(object_id) = 16),
    created_at  INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    CHECK ((kind = 'file') = (object_id IS NOT NULL)),
    CHECK ((parent_id IS NULL) = (id = user_id))
) STRICT;

-- One name per folder; also the index for listing a folder.
CREATE UNIQUE INDEX nodes_by_parent_name ON nodes (parent_id, name_mac);
CREATE INDEX nodes_by_user ON nodes (user_id);
CREATE UNIQUE INDEX nodes_by_object ON nodes (object_id) WHERE object_id IS NOT NULL;

-- Accounts made before this step get their root folder.
INSERT INTO nodes (id, user_id, parent_id, kind, name_ct, name_mac, size, object_id, created_at, modified_at)
SELECT id, id, NULL, 'folder', x'', zeroblob(32), 0, NULL, created_at, created_at FROM users;
