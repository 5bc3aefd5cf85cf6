//! App passwords on SQLite: one row each, cascading from the user.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{SqliteMetaStore, blob, from_unix, unix};
use crate::store::StoreError;
use crate::store::meta::{AppPasswordRecord, AppPasswordStore};

const COLUMNS: &str =
    "id, user_id, name_ct, secret_hash, wrapped_umk, read_only, created_at, last_used_at";

/// Newest first; the id breaks ties within a second, as on DynamoDB.
const NEWEST_FIRST: &str = "ORDER BY created_at DESC, id ASC";

fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<AppPasswordRecord, StoreError>> {
    let id: [u8; 16] = row.get(0)?;
    let user_id: [u8; 16] = row.get(1)?;
    let name_ct: Vec<u8> = row.get(2)?;
    let hash: Vec<u8> = row.get(3)?;
    let wrapped_umk: Vec<u8> = row.get(4)?;
    let read_only: bool = row.get(5)?;
    let created: i64 = row.get(6)?;
    let last_used: Option<i64> = row.get(7)?;
    Ok((|| {
        Ok(AppPasswordRecord {
            id: Uuid::from_bytes(id),
            user_id: Uuid::from_bytes(user_id),
            name_ct,
            secret_hash: blob(hash, "secret_hash")?,
            wrapped_umk,
            read_only,
            created_at: from_unix(created)?,
            last_used_at: last_used.map(from_unix).transpose()?,
        })
    })())
}

#[async_trait]
impl AppPasswordStore for SqliteMetaStore {
    async fn create_app_password(&self, app: &AppPasswordRecord) -> Result<(), StoreError> {
        let app = app.clone();
        self.run("create_app_password", move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // The foreign key would refuse it too, but as a conflict: say what it is.
            let user = tx
                .query_row(
                    "SELECT 1 FROM users WHERE id = ?1",
                    [app.user_id.as_bytes()],
                    |_| Ok(()),
                )
                .optional()?;
            if user.is_none() {
                return Err(StoreError::NotFound);
            }
            tx.execute(
                &format!(
                    "INSERT INTO app_passwords ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
                ),
                params![
                    app.id.as_bytes(),
                    app.user_id.as_bytes(),
                    app.name_ct,
                    &app.secret_hash[..],
                    app.wrapped_umk,
                    app.read_only,
                    unix(app.created_at),
                    app.last_used_at.map(unix),
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn app_passwords(&self, user_id: Uuid) -> Result<Vec<AppPasswordRecord>, StoreError> {
        self.run("app_passwords", move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM app_passwords WHERE user_id = ?1 {NEWEST_FIRST}"
            ))?;
            let rows = stmt.query_map([user_id.as_bytes()], from_row)?;
            rows.map(|row| row?).collect()
        })
        .await
    }

    async fn app_password_by_id(&self, id: Uuid) -> Result<Option<AppPasswordRecord>, StoreError> {
        self.run("app_password_by_id", move |conn| {
            conn.query_row(
                &format!("SELECT {COLUMNS} FROM app_passwords WHERE id = ?1"),
                [id.as_bytes()],
                from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn touch_app_password(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.run("touch_app_password", move |conn| {
            conn.execute(
                "UPDATE app_passwords SET last_used_at = ?3 WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes(), unix(at)],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_app_password(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        self.run("delete_app_password", move |conn| {
            let deleted = conn.execute(
                "DELETE FROM app_passwords WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes()],
            )?;
            Ok(deleted > 0)
        })
        .await
    }

    async fn delete_app_passwords(&self, user_id: Uuid) -> Result<(), StoreError> {
        self.run("delete_app_passwords", move |conn| {
            conn.execute(
                "DELETE FROM app_passwords WHERE user_id = ?1",
                [user_id.as_bytes()],
            )?;
            Ok(())
        })
        .await
    }
}
