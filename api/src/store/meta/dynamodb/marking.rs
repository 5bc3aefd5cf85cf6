//! `trash_node`: a subtree is too big for one transaction, so it is trashed
//! in three steps under a trash operation id `op`:
//!
//! 1. **begin**: the top gets its mark (itself, `op`) and a lease
//!    (`trashing_until`), while it is live and where it was read. From then
//!    on `Guards::live` refuses every change into, out of or inside a node
//!    carrying that mark while the lease runs.
//! 2. **mark**: top-down, each folder's children are listed (consistent
//!    reads) only once the folder carries the mark, and marked in
//!    transactions of up to 99 compare-and-swap updates (unchanged place,
//!    content and mark) beside a check that the top still holds the lease.
//!    A change that beat the mark shows in the listing or fails the swap
//!    (then the node is read again); one that comes after is refused. So the
//!    marked set is exactly the subtree, and its size exact.
//! 3. **commit**: one transaction sets the top's `trashed_at` (while its
//!    lease holds), frees its name, puts its queue item and trash ref, counts
//!    the trash bytes and deletes the subtree's shares (those that fit).
//!
//! Until the commit nothing is hidden; a failure or crash before it leaves
//! marks of an operation that never committed, which hide nothing, and a
//! lease that runs out (`LEASE_SECONDS`).

use std::collections::HashSet;

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use time::OffsetDateTime;
use uuid::Uuid;

use super::changes::{Tally, tally};
use super::expr::{self, Ex, n, s};
use super::guards::{self, Guards};
use super::items;
use super::nodes::{MAX_DEPTH, child_states, state as read_state};
use super::state::{self, Mark, NodeState};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS, share_entries, shares};
use crate::store::StoreError;
use crate::store::meta::TrashedRecord;

/// How long a trash operation may take from begin to commit; changes in
/// its subtree wait that long at most after a crash.
pub(super) const LEASE_SECONDS: i64 = 120;

/// Marked so far: the subtree's ids and the current size of its files.
struct Marked {
    ids: Vec<Uuid>,
    bytes: u64,
}

/// Step 1. `false` when the top changed since it was read.
pub(super) async fn begin(
    store: &DynamoMetaStore,
    top: &NodeState,
    op: Uuid,
) -> Result<bool, StoreError> {
    let node = &top.node;
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let mut guards = Guards::new(node.user_id);
    guards.live(top);
    let until = super::now().unix_timestamp() + LEASE_SECONDS;
    let mut ex = Ex::new()
        .update("SET #trashed_in = :top, #trash_op = :op, #trashing_until = :until")
        .cond("#parent_id = :parent AND #name_mac = :mac")
        .name("trashed_in")
        .name("trash_op")
        .name("trashing_until")
        .name("parent_id")
        .name("name_mac")
        .value(":top", s(node.id.to_string()))
        .value(":op", s(op.to_string()))
        .value(":until", n(until))
        .value(":parent", s(parent.to_string()))
        .value(":mac", expr::b(&node.name_mac));
    if let Some(live) = guards.take(node.id) {
        ex = ex.and(live);
    }
    let mut ops = vec![expr::update(
        &store.table,
        items::node_key(node.user_id, node.id),
        ex,
    )?];
    ops.extend(guards.into_checks(&store.table)?);
    Ok(store.transact(ops).await?.is_ok())
}

/// The check that the operation still holds its top's lease.
fn lease_check(table: &str, top: &NodeState, op: Uuid) -> Result<TransactWriteItem, StoreError> {
    expr::check(
        table,
        items::node_key(top.node.user_id, top.node.id),
        Ex::new()
            .cond(
                "#trash_op = :op AND #trashing_until > :now AND attribute_not_exists(#trashed_at)",
            )
            .name("trash_op")
            .name("trashing_until")
            .name("trashed_at")
            .value(":op", s(op.to_string()))
            .value(":now", n(super::now().unix_timestamp())),
    )
}

/// The mark of one node, while it is what and where it was read.
fn mark_update(table: &str, x: &NodeState, mark: Mark) -> Result<TransactWriteItem, StoreError> {
    let parent = x.node.parent_id.ok_or(StoreError::InvalidMove)?;
    let mut cond = vec![
        "#parent_id = :parent",
        "#name_mac = :mac",
        "attribute_not_exists(#trashed_at)",
    ];
    cond.push(match x.mark {
        Some(_) => "#trash_op = :seen",
        None => "attribute_not_exists(#trash_op)",
    });
    cond.push(match x.node.object_id {
        Some(_) => "#object_id = :object",
        None => "attribute_not_exists(#object_id)",
    });
    let ex = Ex::new()
        .update("SET #trashed_in = :top, #trash_op = :op")
        .cond(cond.join(" AND "))
        .name("trashed_in")
        .name("trash_op")
        .name("trashed_at")
        .name("parent_id")
        .name("name_mac")
        .name("object_id")
        .value(":top", s(mark.top.to_string()))
        .value(":op", s(mark.op.to_string()))
        .value(":parent", s(parent.to_string()))
        .value(":mac", expr::b(&x.node.name_mac))
        .value_if(":seen", x.mark.map(|m| s(m.op.to_string())))
        .value_if(":object", x.node.object_id.map(|o| s(o.to_string())));
    expr::update(table, items::node_key(x.node.user_id, x.node.id), ex)
}

/// Marks `nodes` (children of `folder`, at most 99) for the operation.
/// Returns them as marked, less those that left `folder` or became trash
/// items meanwhile; `None` when the operation lost its top.
async fn mark_chunk(
    store: &DynamoMetaStore,
    top: &NodeState,
    op: Uuid,
    folder: Uuid,
    mut nodes: Vec<NodeState>,
) -> Result<Option<Vec<NodeState>>, StoreError> {
    let mark = Mark {
        top: top.node.id,
        op,
    };
    for _ in 0..super::nodes::ATTEMPTS {
        let mut ops = vec![lease_check(&store.table, top, op)?];
        for x in &nodes {
            ops.push(mark_update(&store.table, x, mark)?);
        }
        let failed = match store.transact(ops).await? {
            Ok(()) => return Ok(Some(nodes)),
            Err(failed) => failed,
        };
        if failed.first() == Some(&true) {
            return Ok(None);
        }
        // Read again the nodes that changed; keep those still in `folder`.
        let mut fresh = Vec::with_capacity(nodes.len());
        for (i, x) in nodes.into_iter().enumerate() {
            // A node the answer says nothing of is read again too.
            if failed.get(i + 1) == Some(&false) {
                fresh.push(x);
                continue;
            }
            if let Some(now) = read_state(store, x.node.user_id, x.node.id).await?
                && now.node.parent_id == Some(folder)
                && now.trashed_at.is_none()
            {
                fresh.push(now);
            }
        }
        nodes = fresh;
    }
    Err(super::nodes::contention("trash_node"))
}

/// Step 2: marks the subtree below `top`, top-down. `None` when the
/// operation lost its top.
async fn mark_subtree(
    store: &DynamoMetaStore,
    top: &NodeState,
    op: Uuid,
) -> Result<Option<Marked>, StoreError> {
    let mut marked = Marked {
        ids: vec![top.node.id],
        bytes: top.node.size,
    };
    let mut folders = Vec::new();
    if top.node.kind == NodeKind::Folder {
        folders.push(top.node.id);
    }
    while let Some(folder) = folders.pop() {
        // The folder carries the mark already: nothing enters it any more.
        let children = child_states(store, top.node.user_id, folder).await?;
        for chunk in children.chunks(MAX_TRANSACTION_ITEMS - 1) {
            let Some(done) = mark_chunk(store, top, op, folder, chunk.to_vec()).await? else {
                return Ok(None);
            };
            for x in done {
                marked.ids.push(x.node.id);
                if x.node.kind == NodeKind::Folder {
                    folders.push(x.node.id);
                } else {
                    marked.bytes = marked.bytes.saturating_add(x.node.size);
                }
            }
        }
    }
    Ok(Some(marked))
}

/// Steps 2 and 3 after `begin`: `None` when the operation lost its top
/// (changed or trashed by another operation meanwhile).
pub(super) async fn mark_and_commit(
    store: &DynamoMetaStore,
    top: &NodeState,
    op: Uuid,
    at: OffsetDateTime,
) -> Result<Option<TrashedRecord>, StoreError> {
    let Some(marked) = mark_subtree(store, top, op).await? else {
        return Ok(None);
    };
    let (table, user_id, id) = (&store.table, top.node.user_id, top.node.id);
    let parent = top.node.parent_id.ok_or(StoreError::InvalidMove)?;
    let ids: HashSet<Uuid> = marked.ids.iter().copied().collect();
    let (share_ids, mut share_ops) = shares::shares_of_nodes_deletes(store, user_id, &ids).await?;
    let commit = Ex::new()
        .update("SET #trashed_at = :at, #trash_bytes = :bytes REMOVE #trashing_until")
        .cond(
            "#trash_op = :op AND #trashing_until > :now AND attribute_not_exists(#trashed_at) \
             AND #parent_id = :parent AND #name_mac = :mac",
        )
        .name("trashed_at")
        .name("trash_bytes")
        .name("trashing_until")
        .name("trash_op")
        .name("parent_id")
        .name("name_mac")
        .value(":at", n(at.unix_timestamp()))
        .value(":bytes", n(marked.bytes))
        .value(":op", s(op.to_string()))
        .value(":now", n(super::now().unix_timestamp()))
        .value(":parent", s(parent.to_string()))
        .value(":mac", expr::b(&top.node.name_mac));
    let mut queue = state::queue_key(at, user_id, id);
    queue.insert("type".to_owned(), s("trash_queue"));
    let mut reference = state::trash_ref_key(user_id, id);
    reference.insert("type".to_owned(), s("trash_ref"));
    let mut ops = vec![
        expr::update(table, items::node_key(user_id, id), commit)?,
        expr::delete(
            table,
            items::name_key(user_id, parent, &top.node.name_mac),
            Ex::new()
                .cond("#node_id = :id")
                .name("node_id")
                .value(":id", s(id.to_string())),
        )?,
        expr::put(table, queue, Ex::new())?,
        expr::put(table, reference, Ex::new())?,
        tally(
            store,
            user_id,
            Tally {
                trash: i128::from(marked.bytes),
                ..Tally::default()
            },
        )?,
    ];
    // The folder it leaves lists it no more.
    ops.push(guards::bump_update(table, user_id, parent)?);
    let later = share_ops.split_off((MAX_TRANSACTION_ITEMS - ops.len()).min(share_ops.len()));
    ops.extend(share_ops);
    if store.transact(ops).await?.is_err() {
        return Ok(None);
    }
    // In the trash now; the rest of the shares are clean-up.
    store.transact_chunks(later).await?;
    if let Err(err) = share_entries::purge_all(store, &share_ids).await {
        tracing::warn!(error = %err, "could not delete the entries of trashed shares");
    }
    if let Err(err) = end_entries(store, top, &marked.ids).await {
        tracing::warn!(error = %err, "could not delete the share entries of trashed nodes");
    }
    Ok(Some(TrashedRecord {
        node: top.node.clone(),
        trashed_at: at,
        bytes: marked.bytes,
    }))
}

/// Gives the lease back after a failed operation (best effort: it runs out
/// anyway), so that the subtree can change again at once.
pub(super) async fn release(store: &DynamoMetaStore, top: &NodeState, op: Uuid) {
    let ex = Ex::new()
        .update("REMOVE #trashing_until")
        .cond("#trash_op = :op AND attribute_not_exists(#trashed_at)")
        .name("trashing_until")
        .name("trash_op")
        .name("trashed_at")
        .value(":op", s(op.to_string()));
    let key = items::node_key(top.node.user_id, top.node.id);
    if let Err(err) = store.update_one(key, ex).await {
        tracing::warn!(error = %err, "could not release a trash lease");
    }
}

/// Deletes the entries that shares of the folders above hold for the
/// trashed nodes: a link opens nothing in the trash, and a restore does not
/// bring them back. (Best effort: the vault only asks for the entries of
/// nodes it found in the live tree.)
async fn end_entries(
    store: &DynamoMetaStore,
    top: &NodeState,
    ids: &[Uuid],
) -> Result<(), StoreError> {
    let user_id = top.node.user_id;
    let mut above = HashSet::new();
    let mut next = top.node.parent_id;
    while let Some(id) = next {
        if above.len() >= MAX_DEPTH || !above.insert(id) {
            break;
        }
        next = read_state(store, user_id, id)
            .await?
            .and_then(|st| st.node.parent_id);
    }
    for share in shares::share_ids_of_nodes(store, user_id, &above).await? {
        share_entries::delete(store, share, ids).await?;
    }
    Ok(())
}
