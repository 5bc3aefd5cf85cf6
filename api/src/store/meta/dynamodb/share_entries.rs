//! The entries of folder shares: items `ENTRY#<node>` in the share's own
//! partition, beside the share item, written and read in batches (a shared
//! folder may hold thousands of nodes; a transaction holds 100 items).
//!
//! Nothing cascades here. Whoever deletes a share item purges the entries
//! of its partition afterwards, and `put` looks for the share item again
//! after writing: an entry written while its share was being revoked is
//! either seen by the revocation's purge or purged by `put` itself. An
//! entry whose node is deleted stays until its share goes: callers only
//! ask for the nodes they found in the tree.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use uuid::Uuid;

use super::DynamoMetaStore;
use super::client::build_err;
use super::expr::{Item, Reader, key};
use super::items::{self, SHARE, SHARE_ENTRY_PREFIX};
use crate::store::StoreError;

/// Inserts or replaces the entries (the last of a node given twice wins);
/// `NotFound`, with none of them kept, when the share does not exist.
pub(super) async fn put(
    store: &DynamoMetaStore,
    share_id: Uuid,
    entries: &[(Uuid, Vec<u8>)],
) -> Result<(), StoreError> {
    if !share_exists(store, share_id).await? {
        return Err(StoreError::NotFound);
    }
    // One batch may not name an item twice.
    let unique: HashMap<Uuid, &[u8]> = entries
        .iter()
        .map(|(node, sealed)| (*node, sealed.as_slice()))
        .collect();
    let writes = unique
        .into_iter()
        .map(|(node, sealed)| {
            let item = items::share_entry_item(share_id, node, sealed);
            let put = PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(build_err)?;
            Ok(WriteRequest::builder().put_request(put).build())
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    store.batch_write(writes).await?;
    // Revoked while we wrote: its purge may have run before our writes.
    if !share_exists(store, share_id).await? {
        purge(store, share_id).await?;
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The entries of these nodes that exist, each once.
pub(super) async fn get(
    store: &DynamoMetaStore,
    share_id: Uuid,
    node_ids: &[Uuid],
) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
    // One batch may not name an item twice either.
    let unique: BTreeSet<Uuid> = node_ids.iter().copied().collect();
    let keys = unique
        .into_iter()
        .map(|node| items::share_entry_key(share_id, node))
        .collect();
    store
        .batch_get(keys)
        .await?
        .iter()
        .map(items::share_entry_from_item)
        .collect()
}

/// Deletes the entries of these nodes, those that exist.
pub(super) async fn delete(
    store: &DynamoMetaStore,
    share_id: Uuid,
    node_ids: &[Uuid],
) -> Result<(), StoreError> {
    let unique: BTreeSet<Uuid> = node_ids.iter().copied().collect();
    let keys = unique
        .into_iter()
        .map(|node| items::share_entry_key(share_id, node));
    delete_keys(store, keys).await
}

/// Deletes every entry of a share whose item is gone (or going: the
/// caller deleted it first).
pub(super) async fn purge(store: &DynamoMetaStore, share_id: Uuid) -> Result<(), StoreError> {
    let found = store
        .query_prefix(items::share_pk(share_id), SHARE_ENTRY_PREFIX)
        .await?;
    let keys = found
        .iter()
        .map(|item| {
            let r = Reader::new(item, "share entry");
            Ok(key(r.s("PK")?.to_owned(), r.s("SK")?))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    delete_keys(store, keys).await
}

/// `purge` for each of these shares.
pub(super) async fn purge_all(
    store: &DynamoMetaStore,
    share_ids: &[Uuid],
) -> Result<(), StoreError> {
    for id in share_ids {
        purge(store, *id).await?;
    }
    Ok(())
}

async fn share_exists(store: &DynamoMetaStore, share_id: Uuid) -> Result<bool, StoreError> {
    Ok(store.get(items::share_pk(share_id), SHARE).await?.is_some())
}

async fn delete_keys(
    store: &DynamoMetaStore,
    keys: impl IntoIterator<Item = Item>,
) -> Result<(), StoreError> {
    let deletes = keys
        .into_iter()
        .map(|key| {
            let delete = DeleteRequest::builder()
                .set_key(Some(key))
                .build()
                .map_err(build_err)?;
            Ok(WriteRequest::builder().delete_request(delete).build())
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    store.batch_write(deletes).await
}
