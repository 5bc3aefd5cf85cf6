//! The file tree, read: nodes, their name and object claims. Reads see the
//! live tree: a node is in the trash when its mark names a trash operation
//! that committed (`state.rs`).

use std::collections::{BTreeSet, HashMap, HashSet};

use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Item, Reader};
use super::items::{self, NODE_PREFIX, OBJECT_PREFIX};
use super::state::NodeState;
use crate::store::StoreError;
use crate::store::meta::NodeRecord;

/// How often an operation that lost a race against a concurrent change is
/// re-evaluated from fresh reads before giving up.
pub(super) const ATTEMPTS: usize = 5;

/// No real tree is this deep; a longer parent chain is a loop in the data.
pub(super) const MAX_DEPTH: usize = 10_000;

pub(super) fn contention(op: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "{op}: the records kept changing concurrently; try again"
    ))
}

/// The node's item as it is: live, in the trash or below a trashed folder.
pub(super) async fn state(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<NodeState>, StoreError> {
    let Some(item) = store
        .get(items::user_pk(user_id), &items::node_sk(id))
        .await?
    else {
        return Ok(None);
    };
    let state = NodeState::from_item(&item)?;
    // The key scopes the lookup to the user already; this guards the data.
    Ok((state.node.user_id == user_id).then_some(state))
}

/// Whether the node is in the trash: its mark names a trash operation that
/// committed. One more read, for marked nodes below a top only.
async fn hidden(
    store: &DynamoMetaStore,
    user_id: Uuid,
    state: &NodeState,
) -> Result<bool, StoreError> {
    let Some(mark) = state.mark else {
        return Ok(false);
    };
    if mark.top == state.node.id {
        return Ok(state.commits(&mark));
    }
    Ok(self::state(store, user_id, mark.top)
        .await?
        .is_some_and(|top| top.commits(&mark)))
}

/// The node's item, if the node is live.
pub(super) async fn live_state(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<NodeState>, StoreError> {
    match state(store, user_id, id).await? {
        Some(state) if !hidden(store, user_id, &state).await? => Ok(Some(state)),
        _ => Ok(None),
    }
}

pub(super) async fn node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<NodeRecord>, StoreError> {
    Ok(live_state(store, user_id, id).await?.map(|s| s.node))
}

/// The node item's `listing_version` (absent: never raised, 0), read
/// strongly consistent like every read a decision depends on.
pub(super) async fn listing_version(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<u64>, StoreError> {
    let Some(item) = store
        .get(items::user_pk(user_id), &items::node_sk(id))
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(
        Reader::new(&item, "node")
            .opt_u64("listing_version")?
            .unwrap_or(0),
    ))
}

/// Of these node items, the ids of the live ones (one batch read of the
/// tops their marks name).
pub(super) async fn live_ids(
    store: &DynamoMetaStore,
    user_id: Uuid,
    states: &[NodeState],
) -> Result<HashSet<Uuid>, StoreError> {
    let mut tops: HashMap<Uuid, NodeState> = states
        .iter()
        .filter(|st| st.trashed_at.is_some())
        .map(|st| (st.node.id, st.clone()))
        .collect();
    let wanted: BTreeSet<Uuid> = states
        .iter()
        .filter_map(|st| st.mark.map(|m| m.top))
        .filter(|top| !tops.contains_key(top))
        .collect();
    let keys = wanted
        .iter()
        .map(|t| items::node_key(user_id, *t))
        .collect();
    for item in store.batch_get(keys).await? {
        let top = NodeState::from_item(&item)?;
        tops.insert(top.node.id, top);
    }
    Ok(states
        .iter()
        .filter(|st| match st.mark {
            None => true,
            Some(mark) => !tops.get(&mark.top).is_some_and(|t| t.commits(&mark)),
        })
        .map(|st| st.node.id)
        .collect())
}

pub(super) fn claim_target(item: &Item) -> Result<Uuid, StoreError> {
    Reader::new(item, "claim").uuid("node_id")
}

/// The live child of `parent_id` with this name.
pub(super) async fn child_state(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
    mac: &[u8; 32],
) -> Result<Option<NodeState>, StoreError> {
    let Some(claim) = store
        .get(items::user_pk(user_id), &items::name_sk(parent_id, mac))
        .await?
    else {
        return Ok(None);
    };
    Ok(live_state(store, user_id, claim_target(&claim)?)
        .await?
        .filter(|st| st.node.parent_id == Some(parent_id) && st.node.name_mac == *mac))
}

pub(super) async fn child_by_mac(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
    mac: &[u8; 32],
) -> Result<Option<NodeRecord>, StoreError> {
    Ok(child_state(store, user_id, parent_id, mac)
        .await?
        .map(|st| st.node))
}

/// The children of a folder, live or inside the trash (the name claims
/// under it), never a trash item's top (whose claim is gone).
pub(super) async fn child_states(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
) -> Result<Vec<NodeState>, StoreError> {
    let claims = store
        .query_prefix(items::user_pk(user_id), &items::name_prefix(parent_id))
        .await?;
    let keys = claims
        .iter()
        .map(|claim| Ok(items::node_key(user_id, claim_target(claim)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut nodes = Vec::with_capacity(keys.len());
    for item in store.batch_get(keys).await? {
        let state = NodeState::from_item(&item)?;
        // A node moved away or trashed between the two reads is not a child.
        let node = &state.node;
        if node.user_id == user_id
            && node.parent_id == Some(parent_id)
            && state.trashed_at.is_none()
        {
            nodes.push(state);
        }
    }
    Ok(nodes)
}

pub(super) async fn children(
    store: &DynamoMetaStore,
    user_id: Uuid,
    parent_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    Ok(child_states(store, user_id, parent_id)
        .await?
        .into_iter()
        .map(|st| st.node)
        .collect())
}

/// The path from the root down to `id`, as node items; empty unless `id`
/// is live. Above a live node everything is live (nothing enters a folder
/// being trashed, and everything below one is marked), so only `id` itself
/// needs the trash test.
pub(super) async fn ancestor_states(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<NodeState>, StoreError> {
    let Some(first) = live_state(store, user_id, id).await? else {
        return Ok(Vec::new());
    };
    let mut next = first.node.parent_id;
    let mut path = vec![first];
    while let Some(current) = next {
        if path.len() >= MAX_DEPTH {
            return Err(StoreError::Corrupt(format!(
                "the parent chain of node {id} does not end"
            )));
        }
        let Some(state) = state(store, user_id, current).await? else {
            break;
        };
        next = state.node.parent_id;
        path.push(state);
    }
    path.reverse();
    Ok(path)
}

pub(super) async fn ancestors(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    Ok(ancestor_states(store, user_id, id)
        .await?
        .into_iter()
        .map(|st| st.node)
        .collect())
}

pub(super) async fn all_nodes(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<Vec<NodeRecord>, StoreError> {
    Ok(live_partition(store, user_id)
        .await?
        .into_iter()
        .filter(|(st, _)| st.node.parent_id.is_some())
        .map(|(st, _)| st.node)
        .collect())
}

pub(super) async fn folder_versions(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<Vec<(Uuid, u64)>, StoreError> {
    live_partition(store, user_id)
        .await?
        .iter()
        .filter(|(st, _)| st.node.kind == NodeKind::Folder)
        .map(|(st, item)| {
            let version = Reader::new(item, "node").opt_u64("listing_version")?;
            Ok((st.node.id, version.unwrap_or(0)))
        })
        .collect()
}

/// Every live node item of the user's partition (the root included), read
/// in one query, with its state.
async fn live_partition(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<Vec<(NodeState, Item)>, StoreError> {
    let all = store
        .query_prefix(items::user_pk(user_id), NODE_PREFIX)
        .await?
        .into_iter()
        .map(|item| Ok((NodeState::from_item(&item)?, item)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Every top is among them: no further read.
    let tops: HashMap<Uuid, NodeState> = all
        .iter()
        .filter(|(st, _)| st.trashed_at.is_some())
        .map(|(st, _)| (st.node.id, st.clone()))
        .collect();
    Ok(all
        .into_iter()
        .filter(|(st, _)| match st.mark {
            None => true,
            Some(mark) => !tops.get(&mark.top).is_some_and(|t| t.commits(&mark)),
        })
        .collect())
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

/// Sets a binding where there is none, on a node that still points at
/// `object_id` (`None`: a folder, which points at nothing).
pub(super) async fn bind_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
    object_id: Option<Uuid>,
    binding: &[u8; 32],
) -> Result<bool, StoreError> {
    let ex = Ex::new()
        .update("SET #binding = :binding")
        .name("binding")
        .name("object_id")
        .name("PK")
        .value(":binding", expr::b(binding));
    let ex = match object_id {
        Some(object) => ex
            .cond("attribute_exists(#PK) AND attribute_not_exists(#binding) AND #object_id = :object")
            .value(":object", expr::s(object.to_string())),
        None => ex.cond(
            "attribute_exists(#PK) AND attribute_not_exists(#binding) AND attribute_not_exists(#object_id)",
        ),
    };
    store.update_one(items::node_key(user_id, id), ex).await
}
