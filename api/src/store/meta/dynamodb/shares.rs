//! Share links: the share item (found by id alone, as a link knows no user)
//! plus a ref in the owner's partition (found by user), written and deleted
//! together. Nothing cascades here: `delete_node` and `delete_user` delete
//! the shares they find, and a share whose node is gone anyway (a share made
//! while its node was being deleted) is hidden and deleted when read. Every
//! deletion of a share item is followed by the purge of its entries
//! (`share_entries.rs`).

use std::collections::{BTreeSet, HashSet};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use uuid::Uuid;

use super::expr::{self, Ex, Reader, b, n, s};
use super::guards::Guards;
use super::items::{self, SHARE_PREFIX};
use super::state::NodeState;
use super::{DynamoMetaStore, nodes, share_entries};
use crate::store::meta::{ShareRecord, ShareStore};
use crate::store::{Conflict, StoreError};

// Each method runs the function of the same name below.
#[async_trait]
impl ShareStore for DynamoMetaStore {
    async fn create_share(&self, share: &ShareRecord) -> Result<(), StoreError> {
        create_share(self, share).await
    }

    async fn share(&self, id: Uuid) -> Result<Option<ShareRecord>, StoreError> {
        live_share(self, id).await
    }

    async fn shares_of(&self, user_id: Uuid) -> Result<Vec<ShareRecord>, StoreError> {
        let refs = share_refs(self, user_id).await?;
        live_shares(self, user_id, refs).await
    }

    async fn shares_of_node(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        let mut refs = share_refs(self, user_id).await?;
        refs.retain(|r| r.node_id == node_id);
        live_shares(self, user_id, refs).await
    }

    async fn reseal_share(
        &self,
        user_id: Uuid,
        id: Uuid,
        sealed: &[u8],
    ) -> Result<bool, StoreError> {
        let ex = owned_by(user_id)
            .update("SET #sealed = :sealed")
            .name("sealed")
            .value(":sealed", b(sealed));
        self.update_one(items::share_key(id), ex).await
    }

    async fn count_download(&self, id: Uuid) -> Result<bool, StoreError> {
        // One conditional update: DynamoDB applies it atomically, so of two
        // holders racing for the last download only one passes the condition.
        let ex = Ex::new()
            .update("ADD #downloads :one")
            .cond(
                "attribute_exists(#PK) AND \
                 (attribute_not_exists(#max_downloads) OR #downloads < #max_downloads)",
            )
            .name("PK")
            .name("downloads")
            .name("max_downloads")
            .value(":one", n(1));
        self.update_one(items::share_key(id), ex).await
    }

    async fn delete_share(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        delete_share(self, user_id, id).await
    }

    async fn put_share_entries(
        &self,
        share_id: Uuid,
        entries: &[(Uuid, Vec<u8>)],
    ) -> Result<(), StoreError> {
        share_entries::put(self, share_id, entries).await
    }

    async fn share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
        share_entries::get(self, share_id, node_ids).await
    }

    async fn delete_share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<(), StoreError> {
        share_entries::delete(self, share_id, node_ids).await
    }
}

/// A condition on a share item: it exists and belongs to `user_id`.
fn owned_by(user_id: Uuid) -> Ex {
    Ex::new()
        .cond("#user_id = :user_id")
        .name("user_id")
        .value(":user_id", s(user_id.to_string()))
}

/// What a ref in the owner's partition says: which share, of which node.
struct ShareRef {
    id: Uuid,
    node_id: Uuid,
}

async fn create_share(store: &DynamoMetaStore, share: &ShareRecord) -> Result<(), StoreError> {
    let table = &store.table;
    let mut reference = items::share_ref_key(share.user_id, share.id);
    reference.insert("type".to_owned(), s("share_ref"));
    reference.insert("node_id".to_owned(), s(share.node_id.to_string()));
    let not_exists = || Ex::new().cond("attribute_not_exists(#PK)").name("PK");
    // The node must be a live node of the user's, and stay so (not in the
    // trash, nor in a subtree being trashed).
    let node = nodes::live_state(store, share.user_id, share.node_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut guards = Guards::new(share.user_id);
    guards.live(&node);
    // [share, ref, node checks..]
    let mut ops = vec![
        expr::put(table, items::share_item(share), not_exists())?,
        expr::put(table, reference, not_exists())?,
    ];
    ops.extend(guards.into_checks(table)?);
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
        Err(failed) if failed.iter().skip(2).any(|f| *f) => Err(StoreError::NotFound),
        Err(_) => Err(StoreError::Conflict(Conflict::Id)),
    }
}

/// Revokes the share and its ref, then purges its entries.
async fn delete_share(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<bool, StoreError> {
    let ops = vec![
        expr::delete(&store.table, items::share_key(id), owned_by(user_id))?,
        expr::delete(&store.table, items::share_ref_key(user_id, id), Ex::new())?,
    ];
    if store.transact(ops).await?.is_err() {
        // No such share, or someone else's (left alone). When the item is
        // gone, entries left by a revocation that failed after it are
        // purged now: they open nothing and nothing else would find them.
        if store
            .get(items::share_pk(id), items::SHARE)
            .await?
            .is_none()
        {
            share_entries::purge(store, id).await?;
        }
        return Ok(false);
    }
    share_entries::purge(store, id).await?;
    Ok(true)
}

/// The share, if it exists and its node is still live (a share made while
/// its node was being deleted or trashed goes now).
async fn live_share(store: &DynamoMetaStore, id: Uuid) -> Result<Option<ShareRecord>, StoreError> {
    let Some(item) = store.get(items::share_pk(id), items::SHARE).await? else {
        return Ok(None);
    };
    let share = items::share_from_item(&item)?;
    let node = nodes::node(store, share.user_id, share.node_id).await?;
    if node.is_some() {
        return Ok(Some(share));
    }
    forget(store, &[share]).await;
    Ok(None)
}

/// The refs in the user's partition.
async fn share_refs(store: &DynamoMetaStore, user_id: Uuid) -> Result<Vec<ShareRef>, StoreError> {
    store
        .query_prefix(items::user_pk(user_id), SHARE_PREFIX)
        .await?
        .iter()
        .map(|item| {
            let r = Reader::new(item, "share ref");
            let sk = r.s("SK")?;
            let id = sk
                .strip_prefix(SHARE_PREFIX)
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("share ref {sk}")))?;
            Ok(ShareRef {
                id,
                node_id: r.uuid("node_id")?,
            })
        })
        .collect()
}

/// The shares `refs` name whose node is still live, newest first (the id
/// breaks ties, as on SQLite). Shares and nodes come in one batch read; the
/// shares whose node is gone are deleted on the way.
async fn live_shares(
    store: &DynamoMetaStore,
    user_id: Uuid,
    refs: Vec<ShareRef>,
) -> Result<Vec<ShareRecord>, StoreError> {
    if refs.is_empty() {
        return Ok(Vec::new());
    }
    let nodes: BTreeSet<Uuid> = refs.iter().map(|r| r.node_id).collect();
    let keys = refs
        .iter()
        .map(|r| items::share_key(r.id))
        .chain(nodes.iter().map(|node| items::node_key(user_id, *node)))
        .collect();
    let mut shares = Vec::with_capacity(refs.len());
    let mut states = Vec::new();
    for item in store.batch_get(keys).await? {
        if Reader::new(&item, "item")
            .s("PK")?
            .starts_with(SHARE_PREFIX)
        {
            shares.push(items::share_from_item(&item)?);
        } else {
            states.push(NodeState::from_item(&item)?);
        }
    }
    // Only live nodes: a share of a node in the trash goes too.
    let present = nodes::live_ids(store, user_id, &states).await?;
    let (mut live, stale): (Vec<_>, Vec<_>) = shares
        .into_iter()
        .filter(|share| share.user_id == user_id)
        .partition(|share| present.contains(&share.node_id));
    forget(store, &stale).await;
    live.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
    Ok(live)
}

/// Unconditional deletes of shares and their refs.
fn share_deletes(
    store: &DynamoMetaStore,
    user_id: Uuid,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut ops = Vec::new();
    for id in ids {
        ops.push(expr::delete(&store.table, items::share_key(id), Ex::new())?);
        ops.push(expr::delete(
            &store.table,
            items::share_ref_key(user_id, id),
            Ex::new(),
        )?);
    }
    Ok(ops)
}

/// Deletes shares whose node is gone, then their entries. Best effort:
/// they are already hidden from every read, and the next read tries again.
async fn forget(store: &DynamoMetaStore, stale: &[ShareRecord]) {
    let Some(first) = stale.first() else {
        return;
    };
    let ids: Vec<Uuid> = stale.iter().map(|share| share.id).collect();
    let result = async {
        let ops = share_deletes(store, first.user_id, ids.iter().copied())?;
        store.transact_chunks(ops).await?;
        share_entries::purge_all(store, &ids).await
    };
    if let Err(err) = result.await {
        tracing::warn!(error = %err, "could not delete shares of a deleted node");
    }
}

/// The user's shares of any of `nodes` (a subtree being deleted): their
/// ids, for `delete_node` to purge their entries once they are gone, and
/// the deletes of the shares with their refs, to run with the nodes.
pub(super) async fn shares_of_nodes_deletes(
    store: &DynamoMetaStore,
    user_id: Uuid,
    nodes: &HashSet<Uuid>,
) -> Result<(Vec<Uuid>, Vec<TransactWriteItem>), StoreError> {
    let refs = share_refs(store, user_id).await?;
    let ids: Vec<Uuid> = refs
        .iter()
        .filter(|r| nodes.contains(&r.node_id))
        .map(|r| r.id)
        .collect();
    let ops = share_deletes(store, user_id, ids.iter().copied())?;
    Ok((ids, ops))
}

/// The user's shares of any of `nodes`.
pub(super) async fn share_ids_of_nodes(
    store: &DynamoMetaStore,
    user_id: Uuid,
    nodes: &HashSet<Uuid>,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(share_refs(store, user_id)
        .await?
        .into_iter()
        .filter(|r| nodes.contains(&r.node_id))
        .map(|r| r.id)
        .collect())
}

/// Deletes every share of the user, with its entries and ref (account
/// deletion).
pub(super) async fn delete_shares_of(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<(), StoreError> {
    let refs = share_refs(store, user_id).await?;
    let ids: Vec<Uuid> = refs.iter().map(|r| r.id).collect();
    delete_shares(store, user_id, &ids).await
}

/// Deletes these shares of the user: the share items first (no link opens
/// anything from then on), then their entries, then the refs last, so that
/// a run stopped anywhere still finds the refs and the next one finishes.
pub(super) async fn delete_shares(
    store: &DynamoMetaStore,
    user_id: Uuid,
    ids: &[Uuid],
) -> Result<(), StoreError> {
    let table = &store.table;
    let shares = ids
        .iter()
        .map(|id| expr::delete(table, items::share_key(*id), Ex::new()))
        .collect::<Result<Vec<_>, _>>()?;
    store.transact_chunks(shares).await?;
    share_entries::purge_all(store, ids).await?;
    let refs = ids
        .iter()
        .map(|id| expr::delete(table, items::share_ref_key(user_id, *id), Ex::new()))
        .collect::<Result<Vec<_>, _>>()?;
    store.transact_chunks(refs).await
}
