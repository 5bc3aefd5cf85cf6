//! Renames and moves, with the cycle check that concurrent moves cannot defeat.

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::changes::not_exists;
use super::expr::{self, Ex, n, s};
use super::items;
use super::nodes::{ATTEMPTS, ancestors, contention, node};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS};
use crate::store::meta::{NodeRecord, NodeUpdate};
use crate::store::{Conflict, StoreError};

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
        let mut ops = vec![node_update(table, &current, old_parent, update)?];
        if !same_place {
            ops.extend(claim_swap(table, &current, old_parent, update)?);
        }
        let name_index = (!same_place).then_some(2);
        // Every node on the target's path still hangs where we read it, and the
        // target is still a folder: no concurrent move can close a cycle.
        let checked = if old_parent == update.parent_id {
            &path[path.len() - 1..]
        } else {
            &path[path.len().saturating_sub(MAX_TRANSACTION_ITEMS - ops.len())..]
        };
        ops.extend(path_checks(table, user_id, checked)?);
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
            return Err(StoreError::Conflict(Conflict::Name));
        }
        // Something moved meanwhile: read again and decide anew.
    }
    Err(contention("update_node"))
}

/// The node's new place and name, conditional on its old ones.
fn node_update(
    table: &str,
    current: &NodeRecord,
    old_parent: Uuid,
    update: &NodeUpdate,
) -> Result<TransactWriteItem, StoreError> {
    expr::update(
        table,
        items::node_key(current.user_id, current.id),
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
    )
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

/// Each node of `path` still has the parent it was read with; the last one
/// (the target) is still a folder.
fn path_checks(
    table: &str,
    user_id: Uuid,
    path: &[NodeRecord],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    path.iter()
        .enumerate()
        .map(|(i, a)| {
            let mut ex = Ex::new().name("parent_id");
            let mut cond = match a.parent_id {
                Some(p) => {
                    ex = ex.value(":p", s(p.to_string()));
                    "#parent_id = :p".to_owned()
                }
                None => "attribute_not_exists(#parent_id)".to_owned(),
            };
            if i == path.len() - 1 {
                cond.push_str(" AND #kind = :folder");
                ex = ex.name("kind").value(":folder", s("folder"));
            }
            expr::check(table, items::node_key(user_id, a.id), ex.cond(cond))
        })
        .collect()
}
