//! Renames and moves, with the cycle check that concurrent moves cannot defeat.

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::changes::not_exists;
use super::expr::{self, Ex, n, s};
use super::guards::Guards;
use super::items;
use super::nodes::{ATTEMPTS, ancestor_states, contention, live_state};
use super::state::NodeState;
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS};
use crate::store::meta::{NodeRecord, NodeUpdate};
use crate::store::{Conflict, StoreError};

pub(super) async fn update_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
    update: &NodeUpdate,
) -> Result<NodeRecord, StoreError> {
    for _ in 0..ATTEMPTS {
        let current = live_state(store, user_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some(old_parent) = current.node.parent_id else {
            return Err(StoreError::InvalidMove);
        };
        // The path root → target, read for the cycle check and re-checked in
        // the transaction.
        let path = ancestor_states(store, user_id, update.parent_id).await?;
        let target = match path.last() {
            Some(t) if t.node.id == update.parent_id && t.node.kind == NodeKind::Folder => t,
            _ => return Err(StoreError::NotFound),
        };
        if path.iter().any(|a| a.node.id == id) {
            return Err(StoreError::InvalidMove);
        }
        if let Some(moved) = try_move(store, &current, old_parent, &path, target, update).await? {
            return moved;
        }
        // Something moved meanwhile: read again and decide anew.
    }
    Err(contention("update_node"))
}

/// One attempt: `None` when something changed since the reads.
async fn try_move(
    store: &DynamoMetaStore,
    current: &NodeState,
    old_parent: Uuid,
    path: &[NodeState],
    target: &NodeState,
    update: &NodeUpdate,
) -> Result<Option<Result<NodeRecord, StoreError>>, StoreError> {
    let table = &store.table;
    let node = &current.node;
    // Neither the node nor the target folder is in the trash or in a
    // subtree being trashed (`guards.rs`), and both stay so.
    let mut guards = Guards::new(node.user_id);
    guards.live(current);
    guards.live(target);
    guards.folder(target.node.id);
    // Both folders' listings change (one folder's for a rename).
    guards.bump(Some(old_parent));
    guards.bump(Some(update.parent_id));
    // Every node on the target's path still hangs where we read it: no
    // concurrent move can close a cycle.
    let same_place = old_parent == update.parent_id && node.name_mac == update.name_mac;
    let room = MAX_TRANSACTION_ITEMS - 6;
    let checked = if old_parent == update.parent_id {
        &path[path.len() - 1..]
    } else {
        &path[path.len().saturating_sub(room)..]
    };
    for a in checked {
        guards.parent(a.node.id, a.node.parent_id);
    }
    // [node update, (old claim delete, new claim put,) checks...]
    let mut ops = vec![node_update(table, node, old_parent, update, &mut guards)?];
    if !same_place {
        ops.extend(claim_swap(table, node, old_parent, update)?);
    }
    let name_index = (!same_place).then_some(2);
    ops.extend(guards.into_checks(table)?);
    let failed = match store.transact(ops).await? {
        Ok(()) => {
            return Ok(Some(Ok(NodeRecord {
                parent_id: Some(update.parent_id),
                name_ct: update.name_ct.clone(),
                name_mac: update.name_mac,
                modified_at: update.modified_at,
                ..node.clone()
            })));
        }
        Err(failed) => failed,
    };
    let others_failed = failed
        .iter()
        .enumerate()
        .any(|(i, f)| *f && Some(i) != name_index);
    Ok((!others_failed).then_some(Err(StoreError::Conflict(Conflict::Name))))
}

/// The node's new place and name, conditional on its old ones.
fn node_update(
    table: &str,
    current: &NodeRecord,
    old_parent: Uuid,
    update: &NodeUpdate,
    guards: &mut Guards,
) -> Result<TransactWriteItem, StoreError> {
    let mut ex = Ex::new()
        .update(
            "SET #parent_id = :parent, #name_ct = :ct, #name_mac = :mac, #modified_at = :modified",
        )
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
        .value(":old_mac", expr::b(&current.name_mac));
    if let Some(live) = guards.take(current.id) {
        ex = ex.and(live);
    }
    expr::update(table, items::node_key(current.user_id, current.id), ex)
}

/// The old name claim released, the new one taken (failing if taken).
fn claim_swap(
    table: &str,
    current: &NodeRecord,
    old_parent: Uuid,
    update: &NodeUpdate,
) -> Result<[TransactWriteItem; 2], StoreError> {
    let (user_id, id) = (current.user_id, current.id);
    Ok([
        expr::delete(
            table,
            items::name_key(user_id, old_parent, &current.name_mac),
            Ex::new()
                .cond("#node_id = :id")
                .name("node_id")
                .value(":id", s(id.to_string())),
        )?,
        expr::put(
            table,
            items::claim_item(
                items::name_key(user_id, update.parent_id, &update.name_mac),
                "name",
                "node_id",
                id,
            ),
            not_exists(),
        )?,
    ])
}
