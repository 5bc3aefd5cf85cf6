//! Deleting a node and its subtree, releasing quota, with the shares of the
//! subtree and their entries.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::changes::count_and_charge;
use super::expr::{self, Ex, s};
use super::items::{self};
use super::nodes::{ATTEMPTS, children, contention, node};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS, share_entries, shares};
use crate::store::StoreError;
use crate::store::meta::NodeRecord;

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
        let below = subtree(store, user_id, top.id).await?;
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
        let removed = i64::try_from(below.len() + 1).unwrap_or(i64::MAX);
        first.push(count_and_charge(store, user_id, -freed, -removed, 0)?);
        // The shares of the subtree first, so that they go in the first
        // transaction with the top node when there is room (a share made
        // meanwhile is hidden by `share`, which finds its node gone).
        let subtree_ids = std::iter::once(top.id)
            .chain(below.iter().map(|x| x.id))
            .collect();
        let (shares, mut rest) =
            shares::shares_of_nodes_deletes(store, user_id, &subtree_ids).await?;
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
        // The entries of its shares last, once the share items are gone.
        // Best effort: the nodes are deleted, and the caller needs
        // `objects`; entries left behind open nothing without their share.
        if let Err(err) = share_entries::purge_all(store, &shares).await {
            tracing::warn!(error = %err, "could not delete the entries of deleted shares");
        }
        return Ok(objects);
    }
    Err(contention("delete_node"))
}

/// The nodes below `top`, collected with consistent reads.
async fn subtree(
    store: &DynamoMetaStore,
    user_id: Uuid,
    top: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    let mut below = Vec::new();
    let mut folders = vec![top];
    let mut seen = HashSet::new();
    while let Some(folder) = folders.pop() {
        for child in children(store, user_id, folder).await? {
            if !seen.insert(child.id) || child.id == top {
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
    Ok(below)
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
