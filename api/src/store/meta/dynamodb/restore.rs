//! Restoring a trash item: one transaction puts its top back (its trash
//! state and mark gone, a name claim in the target folder, the queue item
//! and ref deleted, the trash counter down), which makes the whole subtree
//! live at once: the marks below now name an operation that is no longer
//! committed. They are cleared afterwards, best effort, only to spare reads.

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::changes::{Tally, not_exists, tally};
use super::expr::{self, Ex, n, s};
use super::guards::Guards;
use super::items;
use super::nodes::{ATTEMPTS, child_states, contention, live_state, state};
use super::state::{self, Mark, NodeState};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS};
use crate::store::meta::{NodeRecord, NodeUpdate};
use crate::store::{Conflict, StoreError};

pub(super) async fn restore_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
    update: &NodeUpdate,
) -> Result<NodeRecord, StoreError> {
    for _ in 0..ATTEMPTS {
        let top = state(store, user_id, id)
            .await?
            .filter(|st| st.trashed().is_some())
            .ok_or(StoreError::NotFound)?;
        let target = live_state(store, user_id, update.parent_id)
            .await?
            .filter(|st| st.node.kind == NodeKind::Folder)
            .ok_or(StoreError::NotFound)?;
        let Some(mark) = top.mark else {
            return Err(StoreError::NotFound);
        };
        // [top update, name claim, queue item, ref, counter, target checks..]
        let mut guards = Guards::new(user_id);
        guards.live(&target);
        guards.folder(target.node.id);
        guards.bump(Some(target.node.id));
        let mut ops = put_back(store, &top, mark, update)?;
        let checks = ops.len();
        ops.extend(guards.into_checks(&store.table)?);
        let failed = match store.transact(ops).await? {
            Ok(()) => {
                clear_marks(store, &top, mark).await;
                return Ok(NodeRecord {
                    parent_id: Some(update.parent_id),
                    name_ct: update.name_ct.clone(),
                    name_mac: update.name_mac,
                    modified_at: update.modified_at,
                    ..top.node
                });
            }
            Err(failed) => failed,
        };
        let failed_at = |i: usize| failed.get(i) == Some(&true);
        let others = failed_at(0) || (checks..failed.len()).any(failed_at);
        if failed_at(1) && !others {
            return Err(StoreError::Conflict(Conflict::Name));
        }
        // The item or the target changed meanwhile: read again.
    }
    Err(contention("restore_node"))
}

/// The writes that take `top` out of the trash into `update`'s place.
fn put_back(
    store: &DynamoMetaStore,
    top: &NodeState,
    mark: Mark,
    update: &NodeUpdate,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let (table, user_id, id) = (&store.table, top.node.user_id, top.node.id);
    let trashed_at = top.trashed_at.ok_or(StoreError::NotFound)?;
    let node = Ex::new()
        .update(
            "SET #parent_id = :parent, #name_ct = :ct, #name_mac = :mac, #modified_at = :modified \
             REMOVE #trashed_at, #trash_bytes, #trashed_in, #trash_op",
        )
        .cond("attribute_exists(#trashed_at) AND #trash_op = :op")
        .name("parent_id")
        .name("name_ct")
        .name("name_mac")
        .name("modified_at")
        .name("trashed_at")
        .name("trash_bytes")
        .name("trashed_in")
        .name("trash_op")
        .value(":parent", s(update.parent_id.to_string()))
        .value(":ct", expr::b(&update.name_ct))
        .value(":mac", expr::b(&update.name_mac))
        .value(":modified", n(update.modified_at.unix_timestamp()))
        .value(":op", s(mark.op.to_string()));
    Ok(vec![
        expr::update(table, items::node_key(user_id, id), node)?,
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
        expr::delete(table, state::queue_key(trashed_at, user_id, id), Ex::new())?,
        expr::delete(table, state::trash_ref_key(user_id, id), Ex::new())?,
        tally(
            store,
            user_id,
            Tally {
                trash: -i128::from(top.trash_bytes),
                ..Tally::default()
            },
        )?,
    ])
}

/// The removal of a node's mark, if it still is `mark`.
fn unmark(table: &str, x: &NodeState, mark: Mark) -> Result<TransactWriteItem, StoreError> {
    expr::update(
        table,
        items::node_key(x.node.user_id, x.node.id),
        unmark_ex(mark),
    )
}

fn unmark_ex(mark: Mark) -> Ex {
    Ex::new()
        .update("REMOVE #trashed_in, #trash_op")
        .cond("#trash_op = :op")
        .name("trashed_in")
        .name("trash_op")
        .value(":op", s(mark.op.to_string()))
}

/// Clears the marks of a restored subtree (best effort: they hide nothing
/// any more; each left costs its node's reads one more `GetItem`).
async fn clear_marks(store: &DynamoMetaStore, top: &NodeState, mark: Mark) {
    if let Err(err) = try_clear_marks(store, top, mark).await {
        tracing::warn!(error = %err, "could not clear the marks of a restored subtree");
    }
}

async fn try_clear_marks(
    store: &DynamoMetaStore,
    top: &NodeState,
    mark: Mark,
) -> Result<(), StoreError> {
    let user_id = top.node.user_id;
    let mut folders = vec![top.node.id];
    while let Some(folder) = folders.pop() {
        let children = child_states(store, user_id, folder).await?;
        let marked: Vec<&NodeState> = children.iter().filter(|x| x.mark == Some(mark)).collect();
        for chunk in marked.chunks(MAX_TRANSACTION_ITEMS) {
            let ops = chunk
                .iter()
                .map(|x| unmark(&store.table, x, mark))
                .collect::<Result<Vec<_>, _>>()?;
            if store.transact(ops).await?.is_err() {
                // One changed meanwhile: each on its own.
                for x in chunk {
                    let key = items::node_key(user_id, x.node.id);
                    store.update_one(key, unmark_ex(mark)).await?;
                }
            }
        }
        folders.extend(
            children
                .iter()
                .filter(|x| x.node.kind == NodeKind::Folder)
                .map(|x| x.node.id),
        );
    }
    Ok(())
}
