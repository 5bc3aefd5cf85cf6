//! Share links on SQLite. A share row references its node with
//! `ON DELETE CASCADE`, so it goes with the node, a folder above it, or the
//! account: `share` never meets one whose node is gone. The entries of
//! folder shares are in `share_entries.rs`.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use uuid::Uuid;

use super::nodes::{kind_from_text, kind_text};
use super::{SqliteMetaStore, blob, from_unix, share_entries, unix};
use crate::store::StoreError;
use crate::store::meta::{SharePassword, ShareRecord, ShareStore};

const SHARE_COLUMNS: &str = "id, user_id, node_id, kind, secret_hash, link_wrapped_key, \
    owner_wrapped_key, password_salt, password_params, sealed, expires_at, max_downloads, \
    downloads, created_at";

/// Newest first; the id breaks ties between shares made in the same second,
/// as on DynamoDB.
const NEWEST_FIRST: &str = "ORDER BY created_at DESC, id ASC";

fn count(value: i64, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("share {what} out of range")))
}

fn share_from_row(row: &Row<'_>) -> rusqlite::Result<Result<ShareRecord, StoreError>> {
    let id: [u8; 16] = row.get(0)?;
    let user_id: [u8; 16] = row.get(1)?;
    let node_id: [u8; 16] = row.get(2)?;
    let kind: String = row.get(3)?;
    let secret_hash: Vec<u8> = row.get(4)?;
    let link_wrapped_key: Vec<u8> = row.get(5)?;
    let owner_wrapped_key: Vec<u8> = row.get(6)?;
    let salt: Option<Vec<u8>> = row.get(7)?;
    let params: Option<String> = row.get(8)?;
    let sealed: Vec<u8> = row.get(9)?;
    let expires: Option<i64> = row.get(10)?;
    let max_downloads: Option<i64> = row.get(11)?;
    let downloads: i64 = row.get(12)?;
    let created: i64 = row.get(13)?;
    Ok((|| {
        let password = match (salt, params) {
            (Some(salt), Some(params)) => Some(SharePassword {
                salt: blob(salt, "password_salt")?,
                params,
            }),
            (None, None) => None,
            _ => return Err(StoreError::Corrupt("share password half set".to_owned())),
        };
        Ok(ShareRecord {
            id: Uuid::from_bytes(id),
            user_id: Uuid::from_bytes(user_id),
            node_id: Uuid::from_bytes(node_id),
            kind: kind_from_text(&kind)?,
            secret_hash: blob(secret_hash, "secret_hash")?,
            link_wrapped_key,
            owner_wrapped_key,
            password,
            sealed,
            expires_at: expires.map(from_unix).transpose()?,
            max_downloads: max_downloads
                .map(|m| count(m, "max_downloads"))
                .transpose()?,
            downloads: count(downloads, "downloads")?,
            created_at: from_unix(created)?,
        })
    })())
}

fn many(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<ShareRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, share_from_row)?;
    rows.map(|row| row?).collect()
}

/// Inserts the share if its node is one of the user's live nodes, in one
/// transaction (the cascade then keeps the two together; trashing ends it).
fn create_share(conn: &mut Connection, share: &ShareRecord) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let owned = tx
        .query_row(
            "SELECT 1 FROM nodes WHERE id = ?1 AND user_id = ?2 AND trashed_in IS NULL",
            params![share.node_id.as_bytes(), share.user_id.as_bytes()],
            |_| Ok(()),
        )
        .optional()?;
    if owned.is_none() {
        return Err(StoreError::NotFound);
    }
    tx.execute(
        &format!(
            "INSERT INTO shares ({SHARE_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        ),
        params![
            share.id.as_bytes(),
            share.user_id.as_bytes(),
            share.node_id.as_bytes(),
            kind_text(share.kind),
            &share.secret_hash[..],
            share.link_wrapped_key,
            share.owner_wrapped_key,
            share.password.as_ref().map(|p| p.salt.to_vec()),
            share.password.as_ref().map(|p| p.params.as_str()),
            share.sealed,
            share.expires_at.map(unix),
            share.max_downloads,
            share.downloads,
            unix(share.created_at),
        ],
    )?;
    tx.commit()?;
    Ok(())
}

#[async_trait]
impl ShareStore for SqliteMetaStore {
    async fn create_share(&self, share: &ShareRecord) -> Result<(), StoreError> {
        let share = share.clone();
        self.run("create_share", move |conn| create_share(conn, &share))
            .await
    }

    async fn share(&self, id: Uuid) -> Result<Option<ShareRecord>, StoreError> {
        self.run("share", move |conn| {
            conn.query_row(
                &format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = ?1"),
                [id.as_bytes()],
                share_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn shares_of(&self, user_id: Uuid) -> Result<Vec<ShareRecord>, StoreError> {
        self.run("shares_of", move |conn| {
            many(
                conn,
                &format!("SELECT {SHARE_COLUMNS} FROM shares WHERE user_id = ?1 {NEWEST_FIRST}"),
                [user_id.as_bytes()],
            )
        })
        .await
    }

    async fn shares_of_node(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        self.run("shares_of_node", move |conn| {
            many(
                conn,
                &format!(
                    "SELECT {SHARE_COLUMNS} FROM shares
                     WHERE node_id = ?1 AND user_id = ?2 {NEWEST_FIRST}"
                ),
                params![node_id.as_bytes(), user_id.as_bytes()],
            )
        })
        .await
    }

    async fn reseal_share(
        &self,
        user_id: Uuid,
        id: Uuid,
        sealed: &[u8],
    ) -> Result<bool, StoreError> {
        let sealed = sealed.to_vec();
        self.run("reseal_share", move |conn| {
            let changed = conn.execute(
                "UPDATE shares SET sealed = ?3 WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes(), sealed],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn count_download(&self, id: Uuid) -> Result<bool, StoreError> {
        self.run("count_download", move |conn| {
            // One statement: the check and the count are one step for every
            // writer, so two holders cannot both take the last download.
            let changed = conn.execute(
                "UPDATE shares SET downloads = downloads + 1
                 WHERE id = ?1 AND (max_downloads IS NULL OR downloads < max_downloads)",
                [id.as_bytes()],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn delete_share(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        self.run("delete_share", move |conn| {
            let changed = conn.execute(
                "DELETE FROM shares WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes()],
            )?;
            Ok(changed > 0)
        })
        .await
    }

    async fn put_share_entries(
        &self,
        share_id: Uuid,
        entries: &[(Uuid, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let entries = entries.to_vec();
        self.run("put_share_entries", move |conn| {
            share_entries::put(conn, share_id, &entries)
        })
        .await
    }

    async fn share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
        let node_ids = node_ids.to_vec();
        self.run("share_entries", move |conn| {
            share_entries::get(conn, share_id, &node_ids)
        })
        .await
    }

    async fn delete_share_entries(
        &self,
        share_id: Uuid,
        node_ids: &[Uuid],
    ) -> Result<(), StoreError> {
        let node_ids = node_ids.to_vec();
        self.run("delete_share_entries", move |conn| {
            share_entries::delete(conn, share_id, &node_ids)
        })
        .await
    }
}
