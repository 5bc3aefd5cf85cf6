//! Dead properties on SQLite: a row per node in `node_props`, cascading
//! from the node. Reads and writes go through the live node of the user
//! (`trashed_in IS NULL`), so a node in the trash has none to show until
//! it is restored.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use super::SqliteMetaStore;
use crate::store::StoreError;
use crate::store::meta::PropStore;

/// The node is live and the user's.
const LIVE_NODE: &str = "SELECT 1 FROM nodes WHERE id = ?1 AND user_id = ?2 AND trashed_in IS NULL";

#[async_trait]
impl PropStore for SqliteMetaStore {
    async fn node_props(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.run("node_props", move |conn| {
            Ok(conn
                .query_row(
                    "SELECT p.sealed FROM node_props p JOIN nodes n ON n.id = p.node_id
                     WHERE p.node_id = ?1 AND p.user_id = ?2
                       AND n.user_id = ?2 AND n.trashed_in IS NULL",
                    params![node_id.as_bytes(), user_id.as_bytes()],
                    |row| row.get(0),
                )
                .optional()?)
        })
        .await
    }

    async fn props_of(
        &self,
        user_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
        let node_ids = node_ids.to_vec();
        self.run("props_of", move |conn| {
            // One prepared point lookup per node, on one connection: the
            // primary key makes each a few microseconds.
            let mut statement = conn.prepare_cached(
                "SELECT sealed FROM node_props WHERE node_id = ?1 AND user_id = ?2",
            )?;
            let mut found = Vec::new();
            for id in node_ids {
                if let Some(sealed) = statement
                    .query_row(params![id.as_bytes(), user_id.as_bytes()], |row| {
                        row.get::<_, Vec<u8>>(0)
                    })
                    .optional()?
                {
                    found.push((id, sealed));
                }
            }
            Ok(found)
        })
        .await
    }

    async fn set_node_props(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        blob: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        let blob = blob.map(<[u8]>::to_vec);
        self.run("set_node_props", move |conn| {
            // Immediate: the node cannot be trashed or deleted between the
            // check and the write.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let live = tx
                .query_row(
                    LIVE_NODE,
                    params![node_id.as_bytes(), user_id.as_bytes()],
                    |_| Ok(()),
                )
                .optional()?;
            if live.is_none() {
                return Err(StoreError::NotFound);
            }
            match blob {
                Some(sealed) => tx.execute(
                    "INSERT INTO node_props (node_id, user_id, sealed) VALUES (?1, ?2, ?3)
                     ON CONFLICT (node_id) DO UPDATE SET sealed = excluded.sealed",
                    params![node_id.as_bytes(), user_id.as_bytes(), sealed],
                )?,
                None => tx.execute(
                    "DELETE FROM node_props WHERE node_id = ?1",
                    [node_id.as_bytes()],
                )?,
            };
            tx.commit()?;
            Ok(())
        })
        .await
    }
}
