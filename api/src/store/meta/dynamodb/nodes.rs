//! The file tree: nodes with their name and object claims, quota charges.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::expr::{self, Ex, Item, Reader, n, s};
use super::items::{self, NODE_PREFIX, OBJECT_PREFIX};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS};
use crate::store::StoreError;
use crate::store::meta::{FileCommit, NodeRecord, NodeUpdate};

/// How often an operation that lost a race against a concurrent change is
/// re-evaluated from fresh reads before giving up.
const ATTEMPTS: usize = 5;
/// No real tree is this deep; a longer parent chain is a loop in the data.
const MAX_DEPTH: usize = 10_000;

fn contention(op: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "{op}: the records kept changing concurrently; try again"
    ))
}

pub(super) async fn node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<NodeRecord>, StoreError> {
    let Some(item) = store
        .get(items::user_pk(user_id), &items::node_sk(id))
        .await?
    else {
        return Ok(None);
    };
    let node = items::node_from_item(&item)?;
    // The key scopes the lookup to the user already; this guards the data.
    Ok((node.user_id == user_id).then_some(node))
}

fn claim_target(item: &Item) -> Result<Uuid, StoreError> {
    Reader::new(item, "claim").uuid("node_id")
}

pub(super) async fn child_by_mac(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
    mac: &[u8; 32],
) -> Result<Option<NodeRecord>, StoreError> {
    let Some(claim) = store
        .get(items::user_pk(user_id), &items::name_sk(parent_id, mac))
        .await?
    else {
        return Ok(None);
    };
    Ok(node(store, user_id, claim_target(&claim)?)
        .await?
        .filter(|n| n.parent_id == Some(parent_id) && n.name_mac == *mac))
}

pub(super) async fn children(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let claims = store
        .query_prefix(items::user_pk(user_id), &items::name_prefix(parent_id))
        .await?;
    let keys = claims
        .iter()
        .map(|claim| Ok(items::node_key(user_id, claim_target(claim)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut nodes = Vec::with_capacity(keys.len());
    for item in store.batch_get(keys).await? {
        let node = items::node_from_item(&item)?;
        // A node moved away between the two reads is not a child any more.
        if node.user_id == user_id && node.parent_id == Some(parent_id) {
            nodes.push(node);
        }
    }
    Ok(nodes)
}

pub(super) async fn ancestors(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut path = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        if path.len() >= MAX_DEPTH {
            return Err(StoreError::Corrupt(format!(
                "the parent chain of node {id} does not end"
            )));
        }
        let Some(node) = node(store, user_id, current).await? else {
            break;
        };
        next = node.parent_id;
        path.push(node);
    }
    path.reverse();
    Ok(path)
}

pub(super) async fn all_nodes(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut nodes = Vec::new();
    for item in store
        .query_prefix(items::user_pk(user_id), NODE_PREFIX)
        .await?
    {
        let node = items::node_from_item(&item)?;
        if node.parent_id.is_some() {
            nodes.push(node);
        }
    }
    Ok(nodes)
}

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

fn not_exists() -> Ex {
    Ex::new().cond("attribute_not_exists(#PK)").name("PK")
}

/// `ADD used_bytes :delta, remaining -:delta`; a positive charge only while
/// `remaining >= :delta`.
fn charge(
    store: &DynamoMetaStore,
    user_id: Uuid,
    delta: i128,
) -> Result<TransactWriteItem, StoreError> {
    let ex = Ex::new()
        .update("ADD #used_bytes :delta, #remaining :minus")
        .name("used_bytes")
        .name("remaining")
        .value(":delta", n(delta))
        .value(":minus", n(-delta));
    let ex = if delta > 0 {
        ex.cond("#remaining >= :delta")
    } else {
        ex.cond("attribute_exists(#PK)").name("PK")
    };
    expr::update(&store.table, items::profile_key(user_id), ex)
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
) -> Result<(), StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let mut ops = vec![folder_check(store, node.user_id, parent)?];
    ops.extend(insert_ops(store, node, parent)?);
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
        Err(failed) if failed.first() == Some(&true) => Err(StoreError::NotFound),
        // The name is taken (or, never in practice, the id).
        Err(_) => Err(StoreError::Conflict("name")),
    }
}

pub(super) async fn commit_file(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    overwrite: bool,
) -> Result<FileCommit, StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let object_id = node
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let size = i128::from(node.size);
    for _ in 0..ATTEMPTS {
        // A new file: [parent check, name claim, node, object claim, charge].
        let mut ops = vec![folder_check(store, node.user_id, parent)?];
        ops.extend(insert_ops(store, node, parent)?);
        if size > 0 {
            ops.push(charge(store, node.user_id, size)?);
        }
        let failed = match store.transact(ops).await? {
            Ok(()) => return Ok(FileCommit::Created(node.clone())),
            Err(failed) => failed,
        };
        let failed_at = |i: usize| failed.get(i) == Some(&true);
        if failed_at(0) {
            return Err(StoreError::NotFound);
        }
        if !failed_at(1) {
            // The node id or the object is already in use, or the quota.
            return Err(if failed_at(2) || failed_at(3) {
                StoreError::Conflict("name")
            } else {
                StoreError::QuotaExceeded
            });
        }
        // The name is taken.
        if !overwrite {
            return Err(StoreError::Conflict("name"));
        }
        let Some(old) = child_by_mac(store, node.user_id, parent, &node.name_mac).await? else {
            continue; // gone meanwhile: try creating again
        };
        if old.kind != NodeKind::File {
            return Err(StoreError::Conflict("name"));
        }
        match replace(store, node, &old, object_id).await? {
            Some(outcome) => return Ok(outcome),
            None => continue,
        }
    }
    Err(contention("commit_file"))
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
    let parent = old.parent_id.ok_or(StoreError::InvalidMove)?;
    // [node update, charge?, old object claim delete, new object claim put]
    let mut ops = vec![expr::update(
        table,
        items::node_key(old.user_id, old.id),
        Ex::new()
            .update("SET #object_id = :new, #size = :size, #modified_at = :modified")
            .cond("#object_id = :old AND #parent_id = :parent AND #name_mac = :mac")
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
            .value(":mac", expr::b(&old.name_mac)),
    )?];
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
                    ..old.clone()
                },
                old_object_id,
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
    Err(StoreError::Conflict("name"))
}

pub(super) async fn update_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
    update: &NodeUpdate,
) -> Result<NodeRecord, StoreError> {
    let table = &store.table;
    for _ in 0..ATTEMPTS {
        let current = node(store, user_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some(old_parent) = current.parent_id else {
            return Err(StoreError::InvalidMove);
        };
        // The path root → target, read for the cycle check and re-checked in
        // the transaction.
        let path = ancestors(store, user_id, update.parent_id).await?;
        match path.last() {
            Some(target) if target.id == update.parent_id && target.kind == NodeKind::Folder => {}
            _ => return Err(StoreError::NotFound),
        }
        if path.iter().any(|a| a.id == id) {
            return Err(StoreError::InvalidMove);
        }
        let same_place = old_parent == update.parent_id && current.name_mac == update.name_mac;
        // [node update, (old claim delete, new claim put,) path checks...]
        let mut ops = vec![expr::update(
            table,
            items::node_key(user_id, id),
            Ex::new()
                .update("SET #parent_id = :parent, #name_ct = :ct, #name_mac = :mac, #modified_at = :modified")
                .cond("#parent_id = :old_parent AND #name_mac = :old_mac")
                .name("parent_id")
                .name("name_ct")
                .name("name_mac")
                .name("modified_at")
                .value(":parent", s(update.parent_id.to_string()))
                .value(":ct", expr::b(&update.name_ct))
                .value(":mac", expr::b(&update.name_mac))
                .value(":modified", n(update.modified_at.unix_timestamp()))
                .value(":old_parent", s(old_parent.to_string()))
                .value(":old_mac", expr::b(&current.name_mac)),
        )?];
        if !same_place {
            ops.push(expr::delete(
                table,
                items::name_key(user_id, old_parent, &current.name_mac),
                Ex::new()
                    .cond("#node_id = :id")
                    .name("node_id")
                    .value(":id", s(id.to_string())),
            )?);
            ops.push(expr::put(
                table,
                items::claim_item(
                    items::name_key(user_id, update.parent_id, &update.name_mac),
                    "name",
                    "node_id",
                    id,
                ),
                not_exists(),
            )?);
        }
        let name_index = (!same_place).then_some(2);
        // Every node on the target's path still hangs where we read it, and the
        // target is still a folder: no concurrent move can close a cycle.
        let checked = if old_parent == update.parent_id {
            &path[path.len() - 1..]
        } else {
            &path[path.len().saturating_sub(MAX_TRANSACTION_ITEMS - ops.len())..]
        };
        for (i, a) in checked.iter().enumerate() {
            let mut ex = Ex::new().name("parent_id");
            let mut cond = match a.parent_id {
                Some(p) => {
                    ex = ex.value(":p", s(p.to_string()));
                    "#parent_id = :p".to_owned()
                }
                None => "attribute_not_exists(#parent_id)".to_owned(),
            };
            if i == checked.len() - 1 {
                cond.push_str(" AND #kind = :folder");
                ex = ex.name("kind").value(":folder", s("folder"));
            }
            ops.push(expr::check(
                table,
                items::node_key(user_id, a.id),
                ex.cond(cond),
            )?);
        }
        let failed = match store.transact(ops).await? {
            Ok(()) => {
                return Ok(NodeRecord {
                    parent_id: Some(update.parent_id),
                    name_ct: update.name_ct.clone(),
                    name_mac: update.name_mac,
                    modified_at: update.modified_at,
                    ..current
                });
            }
            Err(failed) => failed,
        };
        let others_failed = failed
            .iter()
            .enumerate()
            .any(|(i, f)| *f && Some(i) != name_index);
        if !others_failed {
            return Err(StoreError::Conflict("name"));
        }
        // Something moved meanwhile: read again and decide anew.
    }
    Err(contention("update_node"))
}

pub(super) async fn delete_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let table = &store.table;
    for _ in 0..ATTEMPTS {
        let top = node(store, user_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some(top_parent) = top.parent_id else {
            return Err(StoreError::InvalidMove);
        };
        // Collect the subtree with consistent reads, breadth first.
        let mut below = Vec::new();
        let mut folders = vec![top.id];
        let mut seen = HashSet::new();
        while let Some(folder) = folders.pop() {
            for child in children(store, user_id, folder).await? {
                if !seen.insert(child.id) || child.id == top.id {
                    return Err(StoreError::Corrupt(format!(
                        "node {} is its own ancestor",
                        child.id
                    )));
                }
                if child.kind == NodeKind::Folder {
                    folders.push(child.id);
                }
                below.push(child);
            }
        }
        let mut objects = Vec::new();
        let mut freed: i128 = 0;
        for x in std::iter::once(&top).chain(&below) {
            if let Some(object) = x.object_id {
                objects.push(object);
                freed += i128::from(x.size);
            }
        }
        // First transaction: the top node (conditional on being where we read
        // it), its claims and the whole quota release.
        let mut first = vec![expr::delete(
            table,
            items::node_key(user_id, top.id),
            Ex::new()
                .cond("#parent_id = :parent AND #name_mac = :mac")
                .name("parent_id")
                .name("name_mac")
                .value(":parent", s(top_parent.to_string()))
                .value(":mac", expr::b(&top.name_mac)),
        )?];
        first.extend(claim_deletes(store, &top, top_parent)?);
        if freed > 0 {
            first.push(charge(store, user_id, -freed)?);
        }
        let mut rest = Vec::new();
        for x in &below {
            let parent = x
                .parent_id
                .ok_or_else(|| StoreError::Corrupt("child without parent".to_owned()))?;
            rest.push(expr::delete(
                table,
                items::node_key(user_id, x.id),
                Ex::new(),
            )?);
            rest.extend(claim_deletes(store, x, parent)?);
        }
        let room = MAX_TRANSACTION_ITEMS - first.len();
        let later = rest.split_off(room.min(rest.len()));
        first.extend(rest);
        match store.transact(first).await? {
            Ok(()) => {}
            Err(failed) if failed.first() == Some(&true) => continue,
            Err(_) => {
                return Err(StoreError::Corrupt(format!(
                    "user {user_id} has no profile"
                )));
            }
        }
        // The subtree is out of sight; the rest is clean-up.
        store.transact_chunks(later).await?;
        return Ok(objects);
    }
    Err(contention("delete_node"))
}

/// Unconditional deletes of a node's name claim and, for a file, object claim.
fn claim_deletes(
    store: &DynamoMetaStore,
    n: &NodeRecord,
    parent: Uuid,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let table = &store.table;
    let mut ops = vec![expr::delete(
        table,
        items::name_key(n.user_id, parent, &n.name_mac),
        Ex::new(),
    )?];
    if let Some(object) = n.object_id {
        ops.push(expr::delete(
            table,
            items::object_key(n.user_id, object),
            Ex::new(),
        )?);
    }
    Ok(ops)
}

pub(super) async fn object_ids(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    store
        .query_prefix(items::user_pk(user_id), OBJECT_PREFIX)
        .await?
        .iter()
        .map(|item| {
            let sk = Reader::new(item, "object claim").s("SK")?;
            sk.strip_prefix(OBJECT_PREFIX)
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("object claim {sk}")))
        })
        .collect()
}

pub(super) async fn object_referenced(
    store: &DynamoMetaStore,
    user_id: Uuid,
    object_id: Uuid,
) -> Result<bool, StoreError> {
    Ok(store
        .get(items::user_pk(user_id), &items::object_sk(object_id))
        .await?
        .is_some())
}
