//! Dead properties on DynamoDB: an item `PROPS#<node>` beside the node in
//! the user's partition, and the flag `has_props` on the node item, both
//! written in one transaction with the node's guards (live, not being
//! trashed). A separate item keeps the node item small: every listing,
//! trash marking and subtree deletion reads or writes node items by the
//! hundred, and up to 64 KiB of properties on each would weigh on all of
//! them (reads, write units, a transaction's 4 MB). The flag tells the
//! deletes which items to take along (`deletes.rs`).

use async_trait::async_trait;
use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Reader, n};
use super::guards::Guards;
use super::items;
use super::nodes::{ATTEMPTS, contention, live_state};
use crate::store::StoreError;
use crate::store::meta::PropStore;

#[async_trait]
impl PropStore for DynamoMetaStore {
    async fn node_props(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        match live_state(self, user_id, node_id).await? {
            Some(state) if state.props => {}
            _ => return Ok(None),
        }
        let pk = items::user_pk(user_id);
        let Some(item) = self.get(pk, &items::props_sk(node_id)).await? else {
            return Ok(None);
        };
        Reader::new(&item, "node props").bytes("sealed").map(Some)
    }

    /// `BatchGetItem` of the nodes' properties items, 100 keys a request;
    /// the live check is the caller's (it has just read the nodes).
    async fn props_of(
        &self,
        user_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
        let keys = node_ids
            .iter()
            .map(|id| items::props_key(user_id, *id))
            .collect();
        let mut found = Vec::new();
        for item in self.batch_get(keys).await? {
            let reader = Reader::new(&item, "node props");
            let sk = reader.s("SK")?;
            let id = sk
                .strip_prefix(items::PROPS_PREFIX)
                .and_then(|id| Uuid::try_parse(id).ok())
                .ok_or_else(|| StoreError::Corrupt("node props key".to_owned()))?;
            found.push((id, reader.bytes("sealed")?));
        }
        Ok(found)
    }

    async fn set_node_props(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        blob: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let table = &self.table;
        for _ in 0..ATTEMPTS {
            let state = live_state(self, user_id, node_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            let mut guards = Guards::new(user_id);
            guards.live(&state);
            let live = guards.take(node_id).unwrap_or_default();
            let (flag, write) = match blob {
                Some(sealed) => (
                    Ex::new()
                        .update("SET #has_props = :one")
                        .value(":one", n(1)),
                    expr::put(
                        table,
                        items::props_item(user_id, node_id, sealed),
                        Ex::new(),
                    )?,
                ),
                None => (
                    Ex::new().update("REMOVE #has_props"),
                    expr::delete(table, items::props_key(user_id, node_id), Ex::new())?,
                ),
            };
            let flag = flag.name("has_props").and(live);
            let mut ops = vec![
                expr::update(table, items::node_key(user_id, node_id), flag)?,
                write,
            ];
            ops.extend(guards.into_checks(table)?);
            if self.transact(ops).await?.is_ok() {
                return Ok(());
            }
            // Trashed, deleted or being trashed meanwhile: read again.
        }
        Err(contention("set_node_props"))
    }
}
