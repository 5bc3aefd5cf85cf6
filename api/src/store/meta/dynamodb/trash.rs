//! The trash on DynamoDB: trash items stay in the user's partition, their
//! nodes marked (`state.rs`, `marking.rs`); a ref per item finds a user's
//! trash, a queue partition finds everyone's oldest for the sweeper, and
//! counters on the profile say what the trash and the versions take.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;
use uuid::Uuid;

use super::client::Timed;
use super::expr::{Item, Reader};
use super::items::{self, PROFILE};
use super::nodes::{ATTEMPTS, contention, live_state, state};
use super::state::{NodeState, TRASH_QUEUE, TRASH_REF_PREFIX, queue_entry, queue_time};
use super::{DynamoMetaStore, deletes, marking, restore};
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, NodeUpdate, TrashStore, TrashedRecord, Usage};

#[async_trait]
impl TrashStore for DynamoMetaStore {
    async fn trash_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<TrashedRecord, StoreError> {
        trash_node(self, user_id, id, at).await
    }

    async fn trash(&self, user_id: Uuid) -> Result<Vec<TrashedRecord>, StoreError> {
        let refs = self
            .query_prefix(items::user_pk(user_id), TRASH_REF_PREFIX)
            .await?;
        let keys = refs
            .iter()
            .map(|item| {
                let sk = Reader::new(item, "trash ref").s("SK")?;
                let id = sk
                    .strip_prefix(TRASH_REF_PREFIX)
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("trash ref {sk}")))?;
                Ok(items::node_key(user_id, id))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut trash = Vec::with_capacity(keys.len());
        for item in self.batch_get(keys).await? {
            let state = NodeState::from_item(&item)?;
            if state.node.user_id == user_id {
                trash.extend(state.trashed());
            }
        }
        // Most recently deleted first; the id breaks ties, as on SQLite.
        trash.sort_by_key(|t| std::cmp::Reverse((t.trashed_at, t.node.id)));
        Ok(trash)
    }

    async fn trashed(&self, user_id: Uuid, id: Uuid) -> Result<Option<TrashedRecord>, StoreError> {
        Ok(state(self, user_id, id).await?.and_then(|st| st.trashed()))
    }

    async fn restore_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        restore::restore_node(self, user_id, id, update).await
    }

    async fn purge_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        for _ in 0..ATTEMPTS {
            let top = state(self, user_id, id)
                .await?
                .filter(|st| st.trashed().is_some())
                .ok_or(StoreError::NotFound)?;
            if let Some(objects) = deletes::purge(self, &top).await? {
                return Ok(objects);
            }
        }
        Err(contention("purge_node"))
    }

    async fn trashed_before(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        trashed_before(self, before, limit).await
    }

    async fn usage(&self, user_id: Uuid) -> Result<Usage, StoreError> {
        let Some(profile) = self.get(items::user_pk(user_id), PROFILE).await? else {
            return Ok(Usage::default());
        };
        let r = Reader::new(&profile, "user");
        // Counters only ever go up and down together with what they count;
        // a negative one (never expected) reads as nothing.
        let counter = |attr: &str| -> Result<u64, StoreError> {
            match profile.get(attr) {
                None => Ok(0),
                Some(_) => Ok(u64::try_from(r.i64(attr)?).unwrap_or(0)),
            }
        };
        Ok(Usage {
            trash_bytes: counter("trash_bytes")?,
            version_bytes: counter("version_bytes")?,
        })
    }
}

async fn trash_node(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
    at: OffsetDateTime,
) -> Result<TrashedRecord, StoreError> {
    for _ in 0..ATTEMPTS {
        let top = live_state(store, user_id, id)
            .await?
            .ok_or(StoreError::NotFound)?;
        if top.node.parent_id.is_none() {
            return Err(StoreError::InvalidMove);
        }
        let op = Uuid::new_v4();
        if !marking::begin(store, &top, op).await? {
            continue; // changed, or inside a subtree being trashed: read again
        }
        // The top as it now is: carrying its own mark.
        let top = NodeState {
            mark: Some(super::state::Mark { top: id, op }),
            ..top
        };
        match marking::mark_and_commit(store, &top, op, at).await {
            Ok(Some(record)) => return Ok(record),
            Ok(None) => marking::release(store, &top, op).await,
            Err(err) => {
                marking::release(store, &top, op).await;
                return Err(err);
            }
        }
    }
    Err(contention("trash_node"))
}

/// One page of the queue below `cutoff`, oldest first.
async fn queue_page(
    store: &DynamoMetaStore,
    cutoff: &str,
    limit: i32,
    start: Option<Item>,
) -> Result<(Vec<Item>, Option<Item>), StoreError> {
    let out = store
        .client
        .query()
        .table_name(&store.table)
        .key_condition_expression("#pk = :pk AND #sk < :cutoff")
        .expression_attribute_names("#pk", "PK")
        .expression_attribute_names("#sk", "SK")
        .expression_attribute_values(":pk", AttributeValue::S(TRASH_QUEUE.to_owned()))
        .expression_attribute_values(":cutoff", AttributeValue::S(cutoff.to_owned()))
        .consistent_read(true)
        .limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .timed("Query")
        .await
        .map_err(|err| store.sdk_err("Query", err))?;
    let next = out.last_evaluated_key.filter(|key| !key.is_empty());
    Ok((out.items.unwrap_or_default(), next))
}

/// The queue below `before`, oldest first, keeping only the items whose
/// node is in the trash still at that time (a crash, a restore or an
/// account deletion may leave others behind: they are deleted on the way).
async fn trashed_before(
    store: &DynamoMetaStore,
    before: OffsetDateTime,
    limit: usize,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let cutoff = queue_time(before);
    let mut found = Vec::new();
    let mut start = None;
    while found.len() < limit {
        let want = i32::try_from(limit - found.len())
            .unwrap_or(i32::MAX)
            .min(100);
        let (page, next) = queue_page(store, &cutoff, want, start).await?;
        let mut entries = Vec::with_capacity(page.len());
        for item in &page {
            let sk = Reader::new(item, "trash queue item").s("SK")?;
            entries.push((queue_entry(sk)?, sk.to_owned()));
        }
        let keys = entries
            .iter()
            .map(|((user, node), _)| items::node_key(*user, *node))
            .collect();
        let mut tops: HashMap<(Uuid, Uuid), NodeState> = HashMap::new();
        for item in store.batch_get(keys).await? {
            let st = NodeState::from_item(&item)?;
            tops.insert((st.node.user_id, st.node.id), st);
        }
        for ((user, node), sk) in entries {
            let trashed = tops.get(&(user, node)).and_then(|st| st.trashed());
            match trashed {
                Some(t) if super::state::queue_sk(t.trashed_at, user, node) == sk => {
                    found.push((user, node));
                }
                _ => forget(store, &sk).await,
            }
        }
        match next {
            Some(key) => start = Some(key),
            None => break,
        }
    }
    found.truncate(limit);
    Ok(found)
}

/// Deletes a queue item whose node is no longer in the trash (best effort).
async fn forget(store: &DynamoMetaStore, sk: &str) {
    let key = super::expr::key(TRASH_QUEUE.to_owned(), sk);
    if let Err(err) = store.delete_one(key).await {
        tracing::warn!(error = %err, "could not delete a stale trash queue item");
    }
}
