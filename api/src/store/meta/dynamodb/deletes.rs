//! Deleting a subtree for good (a live node with the trash off, or a trash
//! item purged), with its versions, releasing quota, with the shares of the
//! subtree and their entries, and the nodes' dead properties.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::changes::{Tally, tally};
use super::expr::{self, Ex, s};
use super::guards::Guards;
use super::items::{self};
use super::nodes::{ATTEMPTS, child_states, contention, live_state};
use super::state::{self, NodeState};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS, share_entries, shares};
use crate::store::StoreError;

/// A subtree read for deletion: the nodes below its top, and what the
/// whole holds.
pub(super) struct Subtree {
    pub below: Vec<NodeState>,
    /// Every object of its files and their versions.
    pub objects: Vec<Uuid>,
    pub file_bytes: i128,
    pub version_bytes: i128,
}

impl Subtree {
    fn nodes(&self) -> i64 {
        i64::try_from(self.below.len() + 1).unwrap_or(i64::MAX)
    }
}

pub(super) async fn delete_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<Uuid>, StoreError> {
    let table = &store.table;
    for _ in 0..ATTEMPTS {
        let top = live_state(store, user_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let Some(top_parent) = top.node.parent_id else {
            return Err(StoreError::InvalidMove);
        };
        let sub = collect(store, user_id, &top).await?;
        // The top node (conditional on being where we read it, live and not
        // being trashed), its claims and the whole quota release.
        let mut guards = Guards::new(user_id);
        guards.live(&top);
        guards.bump(Some(top_parent));
        let mut delete = Ex::new()
            .cond("#parent_id = :parent AND #name_mac = :mac")
            .name("parent_id")
            .name("name_mac")
            .value(":parent", s(top_parent.to_string()))
            .value(":mac", expr::b(&top.node.name_mac));
        if let Some(live) = guards.take(top.node.id) {
            delete = delete.and(live);
        }
        let mut first = vec![expr::delete(
            table,
            items::node_key(user_id, top.node.id),
            delete,
        )?];
        first.extend(guards.into_checks(table)?);
        first.push(expr::delete(
            table,
            items::name_key(user_id, top_parent, &top.node.name_mac),
            Ex::new(),
        )?);
        let release = Tally {
            bytes: -(sub.file_bytes + sub.version_bytes),
            nodes: -sub.nodes(),
            versions: -sub.version_bytes,
            ..Tally::default()
        };
        if delete_subtree(store, &top, &sub, first, release).await? {
            return Ok(sub.objects);
        }
    }
    Err(contention("delete_node"))
}

/// Purges the trash item `top` (read as a committed top).
pub(super) async fn purge(
    store: &DynamoMetaStore,
    top: &NodeState,
) -> Result<Option<Vec<Uuid>>, StoreError> {
    let (table, user_id) = (&store.table, top.node.user_id);
    let (Some(mark), Some(at)) = (top.mark, top.trashed_at) else {
        return Err(StoreError::NotFound);
    };
    let sub = collect(store, user_id, top).await?;
    // The top while it is in the trash under the same operation, its queue
    // item and ref (its name claim went when it was trashed).
    let first = vec![
        expr::delete(
            table,
            items::node_key(user_id, top.node.id),
            Ex::new()
                .cond("attribute_exists(#trashed_at) AND #trash_op = :op")
                .name("trashed_at")
                .name("trash_op")
                .value(":op", s(mark.op.to_string())),
        )?,
        expr::delete(table, state::queue_key(at, user_id, top.node.id), Ex::new())?,
        expr::delete(table, state::trash_ref_key(user_id, top.node.id), Ex::new())?,
    ];
    let release = Tally {
        bytes: -(sub.file_bytes + sub.version_bytes),
        nodes: -sub.nodes(),
        trash: -i128::from(top.trash_bytes),
        versions: -sub.version_bytes,
        ..Tally::default()
    };
    Ok(delete_subtree(store, top, &sub, first, release)
        .await?
        .then_some(sub.objects))
}

/// Deletes the subtree: `first` (which deletes the top: its first item, the
/// one whose failure means the top changed) with the quota `release`, the
/// top's object claims and as much of the rest as fits, so that the subtree
/// leaves every listing at once; the rest follows. `false` when a condition
/// of `first` failed (the caller reads again).
async fn delete_subtree(
    store: &DynamoMetaStore,
    top: &NodeState,
    sub: &Subtree,
    mut first: Vec<TransactWriteItem>,
    release: Tally,
) -> Result<bool, StoreError> {
    let (table, user_id) = (&store.table, top.node.user_id);
    let conditional = first.len();
    first.push(tally(store, user_id, release)?);
    first.extend(object_claim_deletes(table, top)?);
    // The top's dead properties whatever its flag said when read: a
    // `set_node_props` that won the race against this transaction left an
    // item, one that lost it finds the top gone.
    first.push(expr::delete(
        table,
        items::props_key(user_id, top.node.id),
        Ex::new(),
    )?);
    // The shares of the subtree first, so that they go in the first
    // transaction with the top node when there is room (a share made
    // meanwhile is hidden by `share`, which finds its node gone).
    let subtree_ids: HashSet<Uuid> = std::iter::once(top.node.id)
        .chain(sub.below.iter().map(|x| x.node.id))
        .collect();
    let (shares, mut rest) = shares::shares_of_nodes_deletes(store, user_id, &subtree_ids).await?;
    for x in &sub.below {
        let parent = x
            .node
            .parent_id
            .ok_or_else(|| StoreError::Corrupt("child without parent".to_owned()))?;
        rest.push(expr::delete(
            table,
            items::node_key(user_id, x.node.id),
            Ex::new(),
        )?);
        rest.push(expr::delete(
            table,
            items::name_key(user_id, parent, &x.node.name_mac),
            Ex::new(),
        )?);
        rest.extend(object_claim_deletes(table, x)?);
        if x.props {
            rest.push(expr::delete(
                table,
                items::props_key(user_id, x.node.id),
                Ex::new(),
            )?);
        }
    }
    let room = MAX_TRANSACTION_ITEMS.saturating_sub(first.len());
    let later = rest.split_off(room.min(rest.len()));
    first.extend(rest);
    match store.transact(first).await? {
        Ok(()) => {}
        Err(failed) if failed.iter().take(conditional).any(|f| *f) => return Ok(false),
        Err(_) => {
            return Err(StoreError::Corrupt(format!(
                "user {user_id} has no profile"
            )));
        }
    }
    // The subtree is out of sight; the rest is clean-up.
    store.transact_chunks(later).await?;
    // The entries of its shares last, once the share items are gone.
    // Best effort: the nodes are deleted, and the caller needs the
    // objects; entries left behind open nothing without their share.
    if let Err(err) = share_entries::purge_all(store, &shares).await {
        tracing::warn!(error = %err, "could not delete the entries of deleted shares");
    }
    Ok(true)
}

/// Unconditional deletes of the object claims of a file and its versions.
fn object_claim_deletes(table: &str, x: &NodeState) -> Result<Vec<TransactWriteItem>, StoreError> {
    let user_id = x.node.user_id;
    x.node
        .object_id
        .into_iter()
        .chain(x.versions.iter().map(|v| v.object_id))
        .map(|object| expr::delete(table, items::object_key(user_id, object), Ex::new()))
        .collect()
}

/// The subtree below `top` with what it holds, collected with consistent
/// reads of the name claims (inside the trash too; never a trash item's
/// top, whose claim is gone: an item trashed from inside this one stays).
pub(super) async fn collect(
    store: &DynamoMetaStore,
    user_id: Uuid,
    top: &NodeState,
) -> Result<Subtree, StoreError> {
    let mut sub = Subtree {
        below: Vec::new(),
        objects: Vec::new(),
        file_bytes: 0,
        version_bytes: 0,
    };
    let mut folders = vec![top.node.id];
    let mut seen = HashSet::new();
    while let Some(folder) = folders.pop() {
        for child in child_states(store, user_id, folder).await? {
            if !seen.insert(child.node.id) || child.node.id == top.node.id {
                return Err(StoreError::Corrupt(format!(
                    "node {} is its own ancestor",
                    child.node.id
                )));
            }
            if child.node.kind == NodeKind::Folder {
                folders.push(child.node.id);
            }
            sub.below.push(child);
        }
    }
    for x in std::iter::once(top).chain(&sub.below) {
        if let Some(object) = x.node.object_id {
            sub.objects.push(object);
            sub.file_bytes += i128::from(x.node.size);
        }
        sub.objects.extend(x.versions.iter().map(|v| v.object_id));
        sub.version_bytes += i128::from(x.version_bytes());
    }
    Ok(sub)
}
