//! The file tree on SQLite: synchronous functions run inside `SqliteMetaStore::run`.
//! Multi-step changes use IMMEDIATE transactions, so checks and writes see the
//! same state (no read-then-write races between requests).

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::{blob, from_unix, size, to_i64, unix};
use crate::store::meta::{FileCommit, NodeRecord, NodeUpdate};
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
    let id: [u8; 16] = row.get(0)?;
    let user_id: [u8; 16] = row.get(1)?;
    let parent_id: Option<[u8; 16]> = row.get(2)?;
    let kind: String = row.get(3)?;
    let name_ct: Vec<u8> = row.get(4)?;
    let name_mac: Vec<u8> = row.get(5)?;
    let bytes: i64 = row.get(6)?;
    let object_id: Option<[u8; 16]> = row.get(7)?;
    let created: i64 = row.get(8)?;
    let modified: i64 = row.get(9)?;
    let binding: Option<Vec<u8>> = row.get(10)?;
    Ok((|| {
        Ok(NodeRecord {
            id: Uuid::from_bytes(id),
            user_id: Uuid::from_bytes(user_id),
            parent_id: parent_id.map(Uuid::from_bytes),
            kind: kind_from_text(&kind)?,
            name_ct,
            name_mac: blob(name_mac, "name_mac")?,
            size: size(bytes, "size")?,
            object_id: object_id.map(Uuid::from_bytes),
            created_at: from_unix(created)?,
            modified_at: from_unix(modified)?,
            binding: binding.map(|b| blob(b, "binding")).transpose()?,
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
        &format!("SELECT {NODE_COLUMNS} FROM nodes WHERE id = ?1 AND user_id = ?2"),
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
            "SELECT {NODE_COLUMNS} FROM nodes WHERE parent_id = ?1 AND name_mac = ?2 AND user_id = ?3"
        ),
        params![parent_id.as_bytes(), &mac[..], user_id.as_bytes()],
    )
}

pub(super) fn children(
    conn: &Connection,
    user_id: Uuid,
    parent_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    many(
        conn,
        &format!("SELECT {NODE_COLUMNS} FROM nodes WHERE parent_id = ?1 AND user_id = ?2"),
        params![parent_id.as_bytes(), user_id.as_bytes()],
    )
}

pub(super) fn ancestors(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut path = many(
        conn,
        &format!(
            "WITH RECURSIVE up(id, depth) AS (
                 SELECT id, 0 FROM nodes WHERE id = ?1 AND user_id = ?2
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
        &format!("SELECT {NODE_COLUMNS} FROM nodes WHERE user_id = ?1 AND parent_id IS NOT NULL"),
        params![user_id.as_bytes()],
    )
}

/// The folder `id` of this user, or `NotFound` (also when it is a file).
fn require_folder(conn: &Connection, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
    match node(conn, user_id, id)? {
        Some(n) if n.kind == NodeKind::Folder => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

fn insert(conn: &Connection, n: &NodeRecord) -> Result<(), StoreError> {
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
fn name_conflict(err: rusqlite::Error) -> StoreError {
    match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(Conflict::Name),
        other => other,
    }
}

/// Charges `delta` bytes (may be negative) to the user, refusing to pass the quota.
fn charge(conn: &Connection, user_id: Uuid, delta: i64) -> Result<(), StoreError> {
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
fn count_nodes(conn: &Connection, user_id: Uuid, delta: i64, max: u64) -> Result<(), StoreError> {
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

pub(super) fn create_folder(
    conn: &mut Connection,
    n: &NodeRecord,
    max_nodes: u64,
) -> Result<(), StoreError> {
    let parent = n.parent_id.ok_or(StoreError::InvalidMove)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    require_folder(&tx, n.user_id, parent)?;
    insert(&tx, n)?;
    count_nodes(&tx, n.user_id, 1, max_nodes)?;
    tx.commit()?;
    Ok(())
}

pub(super) fn commit_file(
    conn: &mut Connection,
    n: &NodeRecord,
    overwrite: bool,
    max_nodes: u64,
    _versions_kept: usize,
) -> Result<FileCommit, StoreError> {
    let parent = n.parent_id.ok_or(StoreError::InvalidMove)?;
    let object_id = n
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    require_folder(&tx, n.user_id, parent)?;
    let existing = child_by_mac(&tx, n.user_id, parent, &n.name_mac)?;
    let outcome = match existing {
        None => {
            charge(&tx, n.user_id, to_i64(n.size)?)?;
            insert(&tx, n)?;
            count_nodes(&tx, n.user_id, 1, max_nodes)?;
            FileCommit::Created(n.clone())
        }
        // The binding names the node: it was made for the file found before.
        Some(old) if overwrite && old.kind == NodeKind::File && old.id != n.id => {
            return Err(StoreError::Conflict(Conflict::Id));
        }
        Some(old) if overwrite && old.kind == NodeKind::File => {
            let old_object_id = old
                .object_id
                .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
            charge(&tx, n.user_id, to_i64(n.size)? - to_i64(old.size)?)?;
            tx.execute(
                "UPDATE nodes SET object_id = ?2, size = ?3, modified_at = ?4, binding = ?5 WHERE id = ?1",
                params![
                    old.id.as_bytes(),
                    object_id.as_bytes(),
                    to_i64(n.size)?,
                    unix(n.modified_at),
                    n.binding.as_ref().map(|b| &b[..]),
                ],
            )?;
            FileCommit::Replaced {
                node: NodeRecord {
                    object_id: Some(object_id),
                    size: n.size,
                    modified_at: n.modified_at,
                    binding: n.binding,
                    ..old
                },
                released: vec![old_object_id],
            }
        }
        Some(_) => return Err(StoreError::Conflict(Conflict::Name)),
    };
    tx.commit()?;
    Ok(outcome)
}

pub(super) fn update_node(
    conn: &mut Connection,
    user_id: Uuid,
    id: Uuid,
    update: &NodeUpdate,
) -> Result<NodeRecord, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = node(&tx, user_id, id)?.ok_or(StoreError::NotFound)?;
    if current.parent_id.is_none() {
        return Err(StoreError::InvalidMove);
    }
    require_folder(&tx, user_id, update.parent_id)?;
    // The target folder must not be the node itself or lie below it.
    if ancestors(&tx, user_id, update.parent_id)?
        .iter()
        .any(|a| a.id == id)
    {
        return Err(StoreError::InvalidMove);
    }
    tx.execute(
        "UPDATE nodes SET parent_id = ?2, name_ct = ?3, name_mac = ?4, modified_at = ?5 WHERE id = ?1",
        params![
            id.as_bytes(),
            update.parent_id.as_bytes(),
            update.name_ct,
            &update.name_mac[..],
            unix(update.modified_at)
        ],
    )
    .map_err(name_conflict)?;
    tx.commit()?;
    Ok(NodeRecord {
        parent_id: Some(update.parent_id),
        name_ct: update.name_ct.clone(),
        name_mac: update.name_mac,
        modified_at: update.modified_at,
        ..current
    })
}

pub(super) fn delete_node(
    conn: &mut Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let target = node(&tx, user_id, id)?.ok_or(StoreError::NotFound)?;
    if target.parent_id.is_none() {
        return Err(StoreError::InvalidMove);
    }
    let (objects, freed, removed) = {
        let mut stmt = tx.prepare_cached(
            "WITH RECURSIVE below(id) AS (
                 SELECT ?1
                 UNION ALL
                 SELECT n.id FROM nodes n JOIN below ON n.parent_id = below.id
             )
             SELECT n.object_id, n.size FROM nodes n JOIN below ON n.id = below.id
             WHERE n.user_id = ?2",
        )?;
        let rows = stmt.query_map(params![id.as_bytes(), user_id.as_bytes()], |row| {
            Ok((row.get::<_, Option<[u8; 16]>>(0)?, row.get::<_, i64>(1)?))
        })?;
        let mut objects = Vec::new();
        let (mut freed, mut removed) = (0i64, 0i64);
        for row in rows {
            let (object, bytes) = row?;
            removed += 1;
            if let Some(object) = object {
                objects.push(Uuid::from_bytes(object));
                freed = freed.saturating_add(bytes);
            }
        }
        (objects, freed, removed)
    };
    // Children go with the parent through ON DELETE CASCADE.
    tx.execute(
        "DELETE FROM nodes WHERE id = ?1 AND user_id = ?2",
        params![id.as_bytes(), user_id.as_bytes()],
    )?;
    charge(&tx, user_id, -freed)?;
    count_nodes(&tx, user_id, -removed, 0)?;
    tx.commit()?;
    Ok(objects)
}

pub(super) fn object_ids(conn: &Connection, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT object_id FROM nodes WHERE user_id = ?1 AND object_id IS NOT NULL",
    )?;
    let rows = stmt.query_map(params![user_id.as_bytes()], |row| row.get::<_, [u8; 16]>(0))?;
    rows.map(|row| Ok(Uuid::from_bytes(row?))).collect()
}

pub(super) fn object_referenced(
    conn: &Connection,
    user_id: Uuid,
    object_id: Uuid,
) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM nodes WHERE object_id = ?1 AND user_id = ?2",
            params![object_id.as_bytes(), user_id.as_bytes()],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
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
