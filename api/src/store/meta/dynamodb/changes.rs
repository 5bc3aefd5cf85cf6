//! The file tree, written: folders and files committed with their name and
//! object claims and the quota charge, in one transaction each, into a
//! parent that is live and not being trashed (`guards.rs`). An overwrite
//! (which keeps versions) is in `versions.rs`.

use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::expr::{self, Ex, n};
use super::guards::Guards;
use super::items::{self};
use super::nodes::{ATTEMPTS, child_state, contention, live_state};
use super::{DynamoMetaStore, versions};
use crate::store::meta::{FileCommit, NodeRecord};
use crate::store::{Conflict, StoreError};

pub(super) fn not_exists() -> Ex {
    Ex::new().cond("attribute_not_exists(#PK)").name("PK")
}

/// What a change does to the counters on the profile item: `bytes` charged
/// to the quota (refused past it when positive), `nodes` counted (refused at
/// `max_nodes` when positive), and the bytes of the trash and of versions
/// (`usage` reads them there, so they change in the same transactions).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Tally {
    pub bytes: i128,
    pub nodes: i64,
    pub max_nodes: u64,
    pub trash: i128,
    pub versions: i128,
}

/// The profile update of a change to the tree: `bytes` charged and `nodes`
/// counted, in one update of the profile item.
pub(super) fn count_and_charge(
    store: &DynamoMetaStore,
    user_id: Uuid,
    bytes: i128,
    nodes: i64,
    max_nodes: u64,
) -> Result<TransactWriteItem, StoreError> {
    tally(
        store,
        user_id,
        Tally {
            bytes,
            nodes,
            max_nodes,
            ..Tally::default()
        },
    )
}

/// The profile update of a `Tally`.
pub(super) fn tally(
    store: &DynamoMetaStore,
    user_id: Uuid,
    t: Tally,
) -> Result<TransactWriteItem, StoreError> {
    let mut adds = vec![
        "#used_bytes :delta",
        "#remaining :minus",
        "#node_count :nodes",
    ];
    let mut ex = Ex::new()
        .name("used_bytes")
        .name("remaining")
        .name("node_count")
        .name("PK")
        .value(":delta", n(t.bytes))
        .value(":minus", n(-t.bytes))
        .value(":nodes", n(t.nodes));
    if t.trash != 0 {
        adds.push("#trash_bytes :trash");
        ex = ex.name("trash_bytes").value(":trash", n(t.trash));
    }
    if t.versions != 0 {
        adds.push("#version_bytes :versions");
        ex = ex.name("version_bytes").value(":versions", n(t.versions));
    }
    let mut conditions = vec!["attribute_exists(#PK)"];
    if t.bytes > 0 {
        conditions.push("#remaining >= :delta");
    }
    if t.nodes > 0 {
        conditions.push("(attribute_not_exists(#node_count) OR #node_count <= :max)");
        ex = ex.value(":max", n(i128::from(t.max_nodes) - i128::from(t.nodes)));
    }
    expr::update(
        &store.table,
        items::profile_key(user_id),
        ex.update(format!("ADD {}", adds.join(", ")))
            .cond(conditions.join(" AND ")),
    )
}

/// Which limit refused a profile update that charged bytes and counted
/// nodes: the node count when it is at `max_nodes`, else the quota.
pub(super) async fn refusal(store: &DynamoMetaStore, user_id: Uuid, max_nodes: u64) -> StoreError {
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

/// The parent's guards (a live folder, not being trashed) and the raise of
/// its listing version, for a node put into it; `NotFound` when it is no live folder now.
async fn parent_checks(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent: Uuid,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let state = live_state(store, user_id, parent)
        .await?
        .filter(|st| st.node.kind == NodeKind::Folder)
        .ok_or(StoreError::NotFound)?;
    let mut guards = Guards::new(user_id);
    guards.live(&state);
    guards.folder(parent);
    guards.bump(Some(parent));
    guards.into_checks(&store.table)
}

pub(super) async fn create_folder(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    max_nodes: u64,
) -> Result<(), StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    for _ in 0..ATTEMPTS {
        // [parent checks.., name claim, node, count]
        let mut ops = parent_checks(store, node.user_id, parent).await?;
        let g = ops.len();
        ops.extend(insert_ops(store, node, parent)?);
        ops.push(count_and_charge(store, node.user_id, 0, 1, max_nodes)?);
        let failed = match store.transact(ops).await? {
            Ok(()) => return Ok(()),
            Err(failed) => failed,
        };
        if failed.iter().take(g).any(|f| *f) {
            continue; // the parent changed: read it again
        }
        return Err(if failed.get(g + 2) == Some(&true) {
            StoreError::NodeLimit
        } else {
            // The name is taken (or, never in practice, the id).
            StoreError::Conflict(Conflict::Name)
        });
    }
    Err(contention("create_folder"))
}

pub(super) async fn commit_file(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    overwrite: bool,
    max_nodes: u64,
    versions_kept: usize,
) -> Result<FileCommit, StoreError> {
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let size = i128::from(node.size);
    for _ in 0..ATTEMPTS {
        // A new file: [parent checks.., name claim, node, object claim, charge and count].
        let mut ops = parent_checks(store, node.user_id, parent).await?;
        let g = ops.len();
        ops.extend(insert_ops(store, node, parent)?);
        ops.push(count_and_charge(store, node.user_id, size, 1, max_nodes)?);
        let failed = match store.transact(ops).await? {
            Ok(()) => return Ok(FileCommit::Created(node.clone())),
            Err(failed) => failed,
        };
        let failed_at = |i: usize| failed.get(i) == Some(&true);
        if (0..g).any(failed_at) {
            continue; // the parent changed: read it again
        }
        if !failed_at(g) {
            // The node id or the object is already in use, or a limit.
            return Err(if failed_at(g + 1) || failed_at(g + 2) {
                StoreError::Conflict(Conflict::Name)
            } else {
                refusal(store, node.user_id, max_nodes).await
            });
        }
        // The name is taken.
        if !overwrite {
            return Err(StoreError::Conflict(Conflict::Name));
        }
        let Some(old) = child_state(store, node.user_id, parent, &node.name_mac).await? else {
            continue; // gone meanwhile: try creating again
        };
        if old.node.kind != NodeKind::File {
            return Err(StoreError::Conflict(Conflict::Name));
        }
        if old.node.id != node.id {
            // The binding names the node: it was made for the file found before.
            return Err(StoreError::Conflict(Conflict::Id));
        }
        if let Some(outcome) = versions::replace(store, node, &old, versions_kept).await? {
            return Ok(outcome);
        }
    }
    Err(contention("commit_file"))
}
