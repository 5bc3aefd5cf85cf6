//! The file tree on SQLite: synchronous functions run inside
//! `SqliteMetaStore::run`. This file has the rows, the reads of the live tree
//! and the helpers the changes share (`writes.rs`, `trash.rs`,
//! `versions.rs`). Multi-step changes use IMMEDIATE transactions, so checks
//! and writes see the same state (no read-then-write races between requests).
//!
//! A node in the trash has `trashed_in` set (`010_trash_versions.sql`):
//! every read of the live tree filters on it.

use rusqlite::{Connection, OptionalExtension, Row, params};
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::{fixed, from_unix, size, to_i64, unix};
use crate::store::meta::{ChildrenDelta, NodeRecord};
use crate::store::{Conflict, StoreError};

pub(super) const NODE_COLUMNS: &str = "id, user_id, parent_id, kind, name_ct, name_mac, size, object_id, created_at, modified_at, binding";

pub(super) fn kind_text(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Folder => "folder",
        NodeKind::File => "file",
    }
}

pub(super) fn kind_from_text(kind: &str) -> Result<NodeKind, StoreError> {
    match kind {
        "folder" => Ok(NodeKind::Folder),
        "file" => Ok(NodeKind::File),
        other => Err(StoreError::Corrupt(format!("node kind {other}"))),
    }
}

pub(super) fn node_from_row(row: &Row<'_>) -> rusqlite::Result<Result<NodeRecord, StoreError>> {
    // Read in place where the record keeps no copy (kind, and the fixed-size
    // blobs copied straight into arrays): a big folder is 100,000 rows.
    let id: [u8; 16] = row.get(0)?;
    let user_id: [u8; 16] = row.get(1)?;
    let parent_id: Option<[u8; 16]> = row.get(2)?;
    let kind = row.get_ref(3)?.as_str()?;
    let name_ct: Vec<u8> = row.get(4)?;
    let name_mac = row.get_ref(5)?.as_blob()?;
    let bytes: i64 = row.get(6)?;
    let object_id: Option<[u8; 16]> = row.get(7)?;
    let created: i64 = row.get(8)?;
    let modified: i64 = row.get(9)?;
    let binding = row.get_ref(10)?.as_blob_or_null()?;
    Ok((|| {
        Ok(NodeRecord {
            id: Uuid::from_bytes(id),
            user_id: Uuid::from_bytes(user_id),
            parent_id: parent_id.map(Uuid::from_bytes),
            kind: kind_from_text(kind)?,
            name_ct,
            name_mac: fixed(name_mac, "name_mac")?,
            size: size(bytes, "size")?,
            object_id: object_id.map(Uuid::from_bytes),
            created_at: from_unix(created)?,
            modified_at: from_unix(modified)?,
            binding: binding.map(|b| fixed(b, "binding")).transpose()?,
        })
    })())
}

fn one(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Option<NodeRecord>, StoreError> {
    conn.query_row(sql, args, node_from_row)
        .optional()?
        .transpose()
}

fn many(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, node_from_row)?;
    rows.map(|row| row?).collect()
}

pub(super) fn node(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<NodeRecord>, StoreError> {
    one(
        conn,
        &format!(
            "SELECT {NODE_COLUMNS} FROM nodes WHERE id = ?1 AND user_id = ?2 AND trashed_in IS NULL"
        ),
        params![id.as_bytes(), user_id.as_bytes()],
    )
}

pub(super) fn child_by_mac(
    conn: &Connection,
    user_id: Uuid,
    parent_id: Uuid,
    mac: &[u8; 32],
) -> Result<Option<NodeRecord>, StoreError> {
    one(
        conn,
        &format!(
            "SELECT {NODE_COLUMNS} FROM nodes WHERE parent_id = ?1 AND name_mac = ?2 AND user_id = ?3
             AND trashed_at IS NULL AND trashed_in IS NULL"
        ),
        params![parent_id.as_bytes(), &mac[..], user_id.as_bytes()],
    )
}

/// The children of a folder, live or inside the trash, never a trash item's
/// top: `trashed_at IS NULL` says both (a child of a live folder with
/// `trashed_in` set is a top), and picks the partial name index.
pub(super) fn children(
    conn: &Connection,
    user_id: Uuid,
    parent_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    many(
        conn,
        &format!(
            "SELECT {NODE_COLUMNS} FROM nodes WHERE parent_id = ?1 AND user_id = ?2 AND trashed_at IS NULL"
        ),
        params![parent_id.as_bytes(), user_id.as_bytes()],
    )
}

/// How many versions back `listing_departures` reaches (`014_listing_delta.sql`).
const DEPARTURES_KEPT: u64 = 1000;

/// From the columns the triggers of `014_listing_delta.sql` keep.
pub(super) fn children_since(
    conn: &mut Connection,
    user_id: Uuid,
    folder_id: Uuid,
    since: u64,
) -> Result<Option<ChildrenDelta>, StoreError> {
    // One snapshot for the version check, the changes and the departures.
    let tx = conn.transaction()?;
    let Some(now) = listing_version(&tx, user_id, folder_id)? else {
        return Ok(None);
    };
    if now.saturating_sub(since) > DEPARTURES_KEPT {
        return Ok(None);
    }
    let since = i64::try_from(since).map_err(|_| StoreError::Corrupt("listing version".into()))?;
    let mut changed = Vec::new();
    let mut left = Vec::new();
    {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT {NODE_COLUMNS}, trashed_at IS NULL FROM nodes
             WHERE parent_id = ?1 AND listed_in > ?2 AND user_id = ?3"
        ))?;
        let mut rows = stmt.query(params![folder_id.as_bytes(), since, user_id.as_bytes()])?;
        while let Some(row) = rows.next()? {
            let node = node_from_row(row)??;
            // A trash item's top is no child to list (see `children`).
            if row.get::<_, bool>(11)? {
                changed.push(node);
            } else {
                left.push(node.id);
            }
        }
        let mut stmt = tx.prepare_cached(
            "SELECT node_id FROM listing_departures
             WHERE folder_id = ?1 AND version > ?2 AND user_id = ?3",
        )?;
        let ids = stmt.query_map(
            params![folder_id.as_bytes(), since, user_id.as_bytes()],
            |row| row.get::<_, [u8; 16]>(0),
        )?;
        for id in ids {
            left.push(Uuid::from_bytes(id?));
        }
    }
    tx.commit()?;
    Ok(Some(ChildrenDelta { changed, left }))
}

/// Raised by the triggers of `013_listing_version.sql`.
pub(super) fn listing_version(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<u64>, StoreError> {
    conn.prepare_cached("SELECT listing_version FROM nodes WHERE id = ?1 AND user_id = ?2")?
        .query_row(params![id.as_bytes(), user_id.as_bytes()], |row| {
            row.get::<_, i64>(0)
        })
        .optional()?
        .map(|v| size(v, "listing_version"))
        .transpose()
}

/// The live folders of the user (the partial index of `013_listing_version.sql`).
pub(super) fn folder_versions(
    conn: &Connection,
    user_id: Uuid,
) -> Result<Vec<(Uuid, u64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, listing_version FROM nodes
         WHERE user_id = ?1 AND kind = 'folder' AND trashed_in IS NULL",
    )?;
    let rows = stmt.query_map(params![user_id.as_bytes()], |row| {
        Ok((row.get::<_, [u8; 16]>(0)?, row.get::<_, i64>(1)?))
    })?;
    rows.map(|row| {
        let (id, version) = row?;
        Ok((Uuid::from_bytes(id), size(version, "listing_version")?))
    })
    .collect()
}

/// Empty unless `id` is live. Above a live node everything is live (a trash
/// item's top hangs from the root, and nothing enters a trashed folder), so
/// only the start is checked.
pub(super) fn ancestors(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut path = many(
        conn,
        &format!(
            "WITH RECURSIVE up(id, depth) AS (
                 SELECT id, 0 FROM nodes WHERE id = ?1 AND user_id = ?2 AND trashed_in IS NULL
                 UNION ALL
                 SELECT n.parent_id, up.depth + 1 FROM nodes n JOIN up ON n.id = up.id
                 WHERE n.parent_id IS NOT NULL
             )
             SELECT {} FROM up JOIN nodes n ON n.id = up.id ORDER BY up.depth DESC",
            NODE_COLUMNS
                .split(", ")
                .map(|c| format!("n.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        params![id.as_bytes(), user_id.as_bytes()],
    )?;
    path.retain(|n| n.user_id == user_id);
    Ok(path)
}

pub(super) fn all_nodes(conn: &Connection, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
    many(
        conn,
        &format!(
            "SELECT {NODE_COLUMNS} FROM nodes
             WHERE user_id = ?1 AND parent_id IS NOT NULL AND trashed_in IS NULL"
        ),
        params![user_id.as_bytes()],
    )
}

/// The live folder `id` of this user, or `NotFound` (also when it is a file
/// or in the trash).
pub(super) fn require_folder(conn: &Connection, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
    match node(conn, user_id, id)? {
        Some(n) if n.kind == NodeKind::Folder => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

pub(super) fn insert(conn: &Connection, n: &NodeRecord) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "INSERT INTO nodes ({NODE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        ),
        params![
            n.id.as_bytes(),
            n.user_id.as_bytes(),
            n.parent_id.as_ref().map(|p| p.as_bytes()),
            kind_text(n.kind),
            n.name_ct,
            &n.name_mac[..],
            to_i64(n.size)?,
            n.object_id.as_ref().map(|o| o.as_bytes()),
            unix(n.created_at),
            unix(n.modified_at),
            n.binding.as_ref().map(|b| &b[..]),
        ],
    )
    .map_err(name_conflict)?;
    Ok(())
}

/// A unique-index hit on nodes is a name clash in the folder.
pub(super) fn name_conflict(err: rusqlite::Error) -> StoreError {
    match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(Conflict::Name),
        other => other,
    }
}

/// Charges `delta` bytes (may be negative) to the user, refusing to pass the quota.
pub(super) fn charge(conn: &Connection, user_id: Uuid, delta: i64) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE users SET used_bytes = max(used_bytes + ?2, 0)
         WHERE id = ?1 AND (?2 <= 0 OR used_bytes + ?2 <= quota_bytes)",
        params![user_id.as_bytes(), delta],
    )?;
    if changed == 0 {
        return Err(StoreError::QuotaExceeded);
    }
    Ok(())
}

/// Counts `delta` files and folders (may be negative) to the user, refusing
/// to pass `max`.
pub(super) fn count_nodes(
    conn: &Connection,
    user_id: Uuid,
    delta: i64,
    max: u64,
) -> Result<(), StoreError> {
    let changed = conn.execute(
        "UPDATE users SET node_count = max(node_count + ?2, 0)
         WHERE id = ?1 AND (?2 <= 0 OR node_count + ?2 <= ?3)",
        params![user_id.as_bytes(), delta, to_i64(max)?],
    )?;
    if changed == 0 {
        return Err(StoreError::NodeLimit);
    }
    Ok(())
}

/// Files' contents, live or in the trash, and versions.
pub(super) fn object_ids(conn: &Connection, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT object_id FROM nodes WHERE user_id = ?1 AND object_id IS NOT NULL
         UNION ALL
         SELECT object_id FROM versions WHERE user_id = ?1",
    )?;
    let rows = stmt.query_map(params![user_id.as_bytes()], |row| row.get::<_, [u8; 16]>(0))?;
    rows.map(|row| Ok(Uuid::from_bytes(row?))).collect()
}

pub(super) fn object_referenced(
    conn: &Connection,
    user_id: Uuid,
    object_id: Uuid,
) -> Result<bool, StoreError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM nodes WHERE object_id = ?1 AND user_id = ?2)
             OR EXISTS (SELECT 1 FROM versions WHERE object_id = ?1 AND user_id = ?2)",
        params![object_id.as_bytes(), user_id.as_bytes()],
        |row| row.get::<_, bool>(0),
    )?)
}

/// The root folder row for a new user.
pub(super) fn insert_root(conn: &Connection, user_id: Uuid, at: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO nodes (id, user_id, parent_id, kind, name_ct, name_mac, size, object_id, created_at, modified_at)
         VALUES (?1, ?1, NULL, 'folder', x'', zeroblob(32), 0, NULL, ?2, ?2)",
        params![user_id.as_bytes(), at],
    )?;
    Ok(())
}

/// Sets a binding where there is none yet, on a node that still points at
/// `object_id` (`None` for a folder). `false` when that is no longer so.
pub(super) fn bind_node(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
    object_id: Option<Uuid>,
    binding: &[u8; 32],
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE nodes SET binding = ?4
         WHERE id = ?1 AND user_id = ?2 AND binding IS NULL AND object_id IS ?3",
        params![
            id.as_bytes(),
            user_id.as_bytes(),
            object_id.as_ref().map(|o| o.as_bytes()),
            &binding[..],
        ],
    )?;
    Ok(changed == 1)
}
