//! Changes to the live tree on SQLite: new folders and files, overwrites
//! (keeping versions), renames and moves, final deletes. Each is one
//! IMMEDIATE transaction; an error drops it, which rolls everything back.

use rusqlite::{Connection, TransactionBehavior, params};
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::nodes::{
    ancestors, charge, child_by_mac, count_nodes, insert, name_conflict, node, require_folder,
};
use super::{to_i64, unix, versions};
use crate::store::meta::{FileCommit, NodeRecord, NodeUpdate};
use crate::store::{Conflict, StoreError};

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
    versions_kept: usize,
) -> Result<FileCommit, StoreError> {
    let parent = n.parent_id.ok_or(StoreError::InvalidMove)?;
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
            replace_content(&tx, &old, n, versions_kept)?
        }
        Some(_) => return Err(StoreError::Conflict(Conflict::Name)),
    };
    tx.commit()?;
    Ok(outcome)
}

/// Points `old` at `new`'s content; the old content becomes the newest
/// version and the versions past `versions_kept` go. The quota is charged
/// for the new size less what went: the old content, now a version, stays
/// counted (with `versions_kept == 0` it goes at once, as before versions).
fn replace_content(
    tx: &Connection,
    old: &NodeRecord,
    new: &NodeRecord,
    versions_kept: usize,
) -> Result<FileCommit, StoreError> {
    let object_id = new
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let freed = versions::retire_content(tx, old, versions_kept)?;
    charge(
        tx,
        old.user_id,
        to_i64(new.size)?.saturating_sub(freed.bytes),
    )?;
    set_content(
        tx,
        old.id,
        object_id,
        new.size,
        new.modified_at,
        new.binding,
    )?;
    Ok(FileCommit::Replaced {
        node: NodeRecord {
            object_id: Some(object_id),
            size: new.size,
            modified_at: new.modified_at,
            binding: new.binding,
            ..old.clone()
        },
        released: freed.objects,
    })
}

/// Re-points a file at another content.
pub(super) fn set_content(
    tx: &Connection,
    id: Uuid,
    object_id: Uuid,
    size: u64,
    modified_at: time::OffsetDateTime,
    binding: Option<[u8; 32]>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE nodes SET object_id = ?2, size = ?3, modified_at = ?4, binding = ?5 WHERE id = ?1",
        params![
            id.as_bytes(),
            object_id.as_bytes(),
            to_i64(size)?,
            unix(modified_at),
            binding.as_ref().map(|b| &b[..]),
        ],
    )?;
    Ok(())
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

/// What deleting nodes for good frees.
#[derive(Debug, Default)]
pub(super) struct Freed {
    /// Their objects and those of their versions, now unreferenced.
    pub objects: Vec<Uuid>,
    /// The bytes of all those objects.
    pub bytes: i64,
    /// How many nodes.
    pub nodes: i64,
}

/// Tallies what deleting a set of nodes would free. `subtree` defines the
/// CTE `sub(id)` of their ids, from parameter `?1`; `?2` is the user.
pub(super) fn tally(
    tx: &Connection,
    subtree: &str,
    user_id: Uuid,
    top: Uuid,
) -> Result<Freed, StoreError> {
    let mut stmt = tx.prepare_cached(&format!(
        "WITH RECURSIVE {subtree}
         SELECT 1, n.object_id, n.size FROM nodes n
         WHERE n.id IN (SELECT id FROM sub) AND n.user_id = ?2
         UNION ALL
         SELECT 0, v.object_id, v.size FROM versions v
         WHERE v.node_id IN (SELECT id FROM sub) AND v.user_id = ?2"
    ))?;
    let rows = stmt.query_map(params![top.as_bytes(), user_id.as_bytes()], |row| {
        Ok((
            row.get::<_, bool>(0)?,
            row.get::<_, Option<[u8; 16]>>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut freed = Freed::default();
    for row in rows {
        let (is_node, object, bytes) = row?;
        freed.nodes += i64::from(is_node);
        if let Some(object) = object {
            freed.objects.push(Uuid::from_bytes(object));
            freed.bytes = freed.bytes.saturating_add(bytes);
        }
    }
    Ok(freed)
}

/// Deletes the row `top` (its subtree and versions go with it through
/// `ON DELETE CASCADE`) and gives back what `freed` says.
pub(super) fn delete_freed(
    tx: &Connection,
    user_id: Uuid,
    top: Uuid,
    freed: &Freed,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM nodes WHERE id = ?1 AND user_id = ?2",
        params![top.as_bytes(), user_id.as_bytes()],
    )?;
    charge(tx, user_id, -freed.bytes)?;
    count_nodes(tx, user_id, -freed.nodes, 0)?;
    Ok(())
}

/// A live node's subtree: only live nodes lie below one (trash items hang
/// from the root, which is never deleted here).
const LIVE_SUBTREE: &str = "sub(id) AS (
    SELECT ?1
    UNION ALL
    SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id
)";

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
    let freed = tally(&tx, LIVE_SUBTREE, user_id, id)?;
    delete_freed(&tx, user_id, id, &freed)?;
    tx.commit()?;
    Ok(freed.objects)
}
