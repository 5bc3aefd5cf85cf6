//! Refresh-token sessions on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{SqliteMetaStore, blob, from_unix, unix};
use crate::store::StoreError;
use crate::store::meta::{SessionRecord, SessionRotation, SessionStore};

fn session_from_row(row: &Row<'_>) -> rusqlite::Result<Result<SessionRecord, StoreError>> {
    let id: [u8; 16] = row.get(0)?;
    let user_id: [u8; 16] = row.get(1)?;
    let hash: Vec<u8> = row.get(2)?;
    let wrapped_umk: Vec<u8> = row.get(3)?;
    let created: i64 = row.get(4)?;
    let expires: i64 = row.get(5)?;
    Ok((|| {
        Ok(SessionRecord {
            id: Uuid::from_bytes(id),
            user_id: Uuid::from_bytes(user_id),
            secret_hash: blob(hash, "secret_hash")?,
            wrapped_umk,
            created_at: from_unix(created)?,
            expires_at: from_unix(expires)?,
        })
    })())
}

const SESSION_COLUMNS: &str = "id, user_id, secret_hash, wrapped_umk, created_at, expires_at";

#[async_trait]
impl SessionStore for SqliteMetaStore {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let session = session.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            // Housekeeping: expired sessions of this user go when a new one starts.
            tx.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND expires_at <= ?2",
                params![session.user_id.as_bytes(), unix(OffsetDateTime::now_utc())],
            )?;
            tx.execute(
                &format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                ),
                params![
                    session.id.as_bytes(),
                    session.user_id.as_bytes(),
                    &session.secret_hash[..],
                    session.wrapped_umk,
                    unix(session.created_at),
                    unix(session.expires_at),
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn session(&self, user_id: Uuid, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        self.run(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions
                     WHERE id = ?1 AND user_id = ?2 AND expires_at > ?3"
                ),
                params![
                    id.as_bytes(),
                    user_id.as_bytes(),
                    unix(OffsetDateTime::now_utc())
                ],
                session_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn session_by_id(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        self.run(move |conn| {
            conn.query_row(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1 AND expires_at > ?2"
                ),
                params![id.as_bytes(), unix(OffsetDateTime::now_utc())],
                session_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn rotate_session(
        &self,
        id: Uuid,
        current_hash: &[u8; 32],
        next: &SessionRotation,
    ) -> Result<bool, StoreError> {
        let current_hash = *current_hash;
        let next = next.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE sessions SET secret_hash = ?3, wrapped_umk = ?4, expires_at = ?5
                 WHERE id = ?1 AND secret_hash = ?2",
                params![
                    id.as_bytes(),
                    &current_hash[..],
                    &next.secret_hash[..],
                    next.wrapped_umk,
                    unix(next.expires_at),
                ],
            )?;
            if changed == 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT OR IGNORE INTO retired_secrets (session_id, secret_hash) VALUES (?1, ?2)",
                params![id.as_bytes(), &current_hash[..]],
            )?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError> {
        self.run(move |conn| {
            let mut stmt = conn
                .prepare_cached("SELECT secret_hash FROM retired_secrets WHERE session_id = ?1")?;
            let rows = stmt.query_map([id.as_bytes()], |row| row.get::<_, Vec<u8>>(0))?;
            rows.map(|hash| blob(hash?, "retired secret_hash"))
                .collect()
        })
        .await
    }

    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        self.run(move |conn| {
            conn.execute(
                "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes()],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        self.run(move |conn| {
            let keep = keep.map(|id| id.into_bytes().to_vec()).unwrap_or_default();
            conn.execute(
                "DELETE FROM sessions WHERE user_id = ?1 AND id != ?2",
                params![user_id.as_bytes(), keep],
            )?;
            Ok(())
        })
        .await
    }
}
