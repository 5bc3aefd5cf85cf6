//! The file tree, written: folders and files committed with their name and
//! object claims and the quota charge, in one transaction each.

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, n, s};
use super::items::{self};
use super::nodes::{ATTEMPTS, child_by_mac, contention};
use crate::store::meta::{FileCommit, NodeRecord};
use crate::store::{Conflict, StoreError};

/// `ConditionCheck`: the node `id` of the user is a folder.
fn folder_check(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<TransactWriteItem, StoreError> {
    expr::check(
        &store.table,
        items::node_key(user_id, id),
        Ex::new()
            .cond("#kind = :folder")
            .name("kind")
            .value(":folder", s("folder")),
    )
}

pub(super) fn not_exists() -> Ex {
    Ex::new().cond("attribute_not_exists(#PK)").name("PK")
}

/// `ADD used_bytes :delta, remaining -:delta`; a positive charge only while
/// `remaining >= :delta`.
pub(super) fn charge(
    store: &DynamoMetaStore,
    user_id: Uuid,
    delta: i128,
) -> Result<TransactWriteItem, StoreError> {
    count_and_charge(store, user_id, delta, 0, 0)
}

/// The profile update of a change to the tree: `bytes` charged (refused past
/// the quota when positive) and `nodes` counted (refused at `max_nodes` when
/// positive), in one update of the profile item.
pub(super) fn count_and_charge(
    store: &DynamoMetaStore,
    user_id: Uuid,
    bytes: i128,
    nodes: i64,
    max_nodes: u64,
) -> Result<TransactWriteItem, StoreError> {
    let mut ex = Ex::new()
        .update("ADD #used_bytes :delta, #remaining :minus, #node_count :nodes")
        .name("used_bytes")
        .name("remaining")
        .name("node_count")
        .name("PK")
        .value(":delta", n(bytes))
        .value(":minus", n(-bytes))
        .value(":nodes", n(nodes));
    let mut conditions = vec!["attribute_exists(#PK)"];
    if bytes > 0 {
        conditions.push("#remaining >= :delta");
    }
    if nodes > 0 {
        conditions.push("(attribute_not_exists(#node_count) OR #node_count <= :max)");
        ex = ex.value(":max", n(i128::from(max_nodes) - i128::from(nodes)));
    }
    expr::update(
        &store.table,
        items::profile_key(user_id),
        ex.cond(conditions.join(" AND ")),
    )
}

/// Which limit refused a profile update that charged bytes and counted
/// nodes: the node count when it is at `max_nodes`, else the quota.
async fn refusal(store: &DynamoMetaStore, user_id: Uuid, max_nodes: u64) -> StoreError {
    let count = store
        .get(items::user_pk(user_id), items::PROFILE)
        .await
        .ok()
        .flatten()
        .and_then(|item| {
            super::expr::Reader::new(&item, "user")
                .opt_u64("node_count")
                .ok()
                .flatten()
        });
    match count {
        Some(count) if count >= max_nodes => StoreError::NodeLimit,
        _ => StoreError::QuotaExceeded,
    }
}

/// The puts that make a new node visible: its name claim, the node, and for a
/// file its object claim. In this order (callers index into it).
fn insert_ops(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    parent: Uuid,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let table = &store.table;
    let mut ops = vec![
        expr::put(
            table,
            items::claim_item(
                items::name_key(node.user_id, parent, &node.name_mac),
                "name",
                "node_id",
                node.id,
            ),
            not_exists(),
        )?,
        expr::put(table, items::node_item(node), not_exists())?,
    ];
    if let Some(object) = node.object_id {
        ops.push(expr::put(
            table,
            items::claim_item(
                items::object_key(node.user_id, object),
                "object",
                "node_id",
                node.id,
            ),
            not_exists(),
        )?);
    }
    Ok(ops)
}

pub(super) async fn create_folder(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    max_nodes: u64,
) -> Result<(), StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    // [parent check, name claim, node, count]
    let mut ops = vec![folder_check(store, node.user_id, parent)?];
    ops.extend(insert_ops(store, node, parent)?);
    ops.push(count_and_charge(store, node.user_id, 0, 1, max_nodes)?);
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
        Err(failed) if failed.first() == Some(&true) => Err(StoreError::NotFound),
        Err(failed) if failed.get(3) == Some(&true) => Err(StoreError::NodeLimit),
        // The name is taken (or, never in practice, the id).
        Err(_) => Err(StoreError::Conflict(Conflict::Name)),
    }
}

pub(super) async fn commit_file(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    overwrite: bool,
    max_nodes: u64,
    _versions_kept: usize,
) -> Result<FileCommit, StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let object_id = node
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let size = i128::from(node.size);
    for _ in 0..ATTEMPTS {
        // A new file: [parent check, name claim, node, object claim, charge and count].
        let mut ops = vec![folder_check(store, node.user_id, parent)?];
        ops.extend(insert_ops(store, node, parent)?);
        ops.push(count_and_charge(store, node.user_id, size, 1, max_nodes)?);
        let failed = match store.transact(ops).await? {
            Ok(()) => return Ok(FileCommit::Created(node.clone())),
            Err(failed) => failed,
        };
        let failed_at = |i: usize| failed.get(i) == Some(&true);
        if failed_at(0) {
            return Err(StoreError::NotFound);
        }
        if !failed_at(1) {
            // The node id or the object is already in use, or a limit.
            return Err(if failed_at(2) || failed_at(3) {
                StoreError::Conflict(Conflict::Name)
            } else {
                refusal(store, node.user_id, max_nodes).await
            });
        }
        // The name is taken.
        if !overwrite {
            return Err(StoreError::Conflict(Conflict::Name));
        }
        let Some(old) = child_by_mac(store, node.user_id, parent, &node.name_mac).await? else {
            continue; // gone meanwhile: try creating again
        };
        if old.kind != NodeKind::File {
            return Err(StoreError::Conflict(Conflict::Name));
        }
        if old.id != node.id {
            // The binding names the node: it was made for the file found before.
            return Err(StoreError::Conflict(Conflict::Id));
        }
        match replace(store, node, &old, object_id).await? {
            Some(outcome) => return Ok(outcome),
            None => continue,
        }
    }
    Err(contention("commit_file"))
}

/// The update of `old`'s item to the new object, size and binding, while it
/// is still where and what it was when read.
fn repoint(
    table: &str,
    node: &NodeRecord,
    old: &NodeRecord,
    old_object_id: Uuid,
    object_id: Uuid,
) -> Result<TransactWriteItem, StoreError> {
    let parent = old.parent_id.ok_or(StoreError::InvalidMove)?;
    expr::update(
        table,
        items::node_key(old.user_id, old.id),
        Ex::new()
            .update(match node.binding {
                Some(_) => "SET #object_id = :new, #size = :size, #modified_at = :modified, #binding = :binding",
                None => "SET #object_id = :new, #size = :size, #modified_at = :modified REMOVE #binding",
            })
            .cond("#object_id = :old AND #parent_id = :parent AND #name_mac = :mac")
            .name("binding")
            .name("object_id")
            .name("size")
            .name("modified_at")
            .name("parent_id")
            .name("name_mac")
            .value(":new", s(object_id.to_string()))
            .value(":size", n(node.size))
            .value(":modified", n(node.modified_at.unix_timestamp()))
            .value(":old", s(old_object_id.to_string()))
            .value(":parent", s(parent.to_string()))
            .value(":mac", expr::b(&old.name_mac))
            .value_if(":binding", node.binding.as_ref().map(|b| expr::b(b))),
    )
}

/// Re-points the file `old` at the new object. `None` when `old` changed
/// under us (the caller re-evaluates).
async fn replace(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    old: &NodeRecord,
    object_id: Uuid,
) -> Result<Option<FileCommit>, StoreError> {
    let table = &store.table;
    let old_object_id = old
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    // [node update, charge?, old object claim delete, new object claim put]
    let mut ops = vec![repoint(table, node, old, old_object_id, object_id)?];
    let delta = i128::from(node.size) - i128::from(old.size);
    let charged = delta != 0;
    if charged {
        ops.push(charge(store, old.user_id, delta)?);
    }
    if object_id != old_object_id {
        ops.push(expr::delete(
            table,
            items::object_key(old.user_id, old_object_id),
            Ex::new(),
        )?);
        ops.push(expr::put(
            table,
            items::claim_item(
                items::object_key(old.user_id, object_id),
                "object",
                "node_id",
                old.id,
            ),
            not_exists(),
        )?);
    }
    let failed = match store.transact(ops).await? {
        Ok(()) => {
            return Ok(Some(FileCommit::Replaced {
                node: NodeRecord {
                    object_id: Some(object_id),
                    size: node.size,
                    modified_at: node.modified_at,
                    binding: node.binding,
                    ..old.clone()
                },
                released: vec![old_object_id],
            }));
        }
        Err(failed) => failed,
    };
    let failed_at = |i: usize| failed.get(i) == Some(&true);
    if failed_at(0) {
        return Ok(None);
    }
    if charged && failed_at(1) {
        return Err(StoreError::QuotaExceeded);
    }
    // The new object already belongs to another file.
    Err(StoreError::Conflict(Conflict::Name))
}
