//! The file tree, read: nodes, their name and object claims.

use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Item, Reader};
use super::items::{self, NODE_PREFIX, OBJECT_PREFIX};
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

pub(super) fn claim_target(item: &Item) -> Result<Uuid, StoreError> {
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
