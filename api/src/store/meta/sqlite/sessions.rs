//! Refresh-token sessions on SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, Transaction, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{SqliteMetaStore, blob, from_unix, unix};
use crate::store::StoreError;
use crate::store::meta::{RETIRED_HASHES_KEPT, SessionRecord, SessionRotation, SessionStore};

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

/// Adds `hash` as the session's newest retired secret and forgets all but the
/// newest `RETIRED_HASHES_KEPT`.
fn retire(tx: &Transaction<'_>, id: Uuid, hash: &[u8; 32]) -> rusqlite::Result<()> {
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM retired_secrets WHERE session_id = ?1",
        [id.as_bytes()],
        |row| row.get(0),
    )?;
    tx.execute(
        "INSERT INTO retired_secrets (session_id, seq, secret_hash) VALUES (?1, ?2, ?3)",
        params![id.as_bytes(), seq, &hash[..]],
    )?;
    let kept = i64::try_from(RETIRED_HASHES_KEPT).unwrap_or(i64::MAX);
    tx.execute(
        "DELETE FROM retired_secrets WHERE session_id = ?1 AND seq <= ?2",
        params![id.as_bytes(), seq - kept],
    )?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqliteMetaStore {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let session = session.clone();
        self.run("create_session", move |conn| {
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
        self.run("session", move |conn| {
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
        self.run("session_by_id", move |conn| {
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
        self.run("rotate_session", move |conn| {
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
            retire(&tx, id, &current_hash)?;
            tx.commit()?;
            Ok(true)
        })
        .await
    }

    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError> {
        self.run("retired_secret_hashes", move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT secret_hash FROM retired_secrets WHERE session_id = ?1 ORDER BY seq DESC",
            )?;
            let rows = stmt.query_map([id.as_bytes()], |row| row.get::<_, Vec<u8>>(0))?;
            rows.map(|hash| blob(hash?, "retired secret_hash"))
                .collect()
        })
        .await
    }

    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        self.run("delete_session", move |conn| {
            conn.execute(
                "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2",
                params![id.as_bytes(), user_id.as_bytes()],
            )?;
            Ok(())
        })
        .await
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        self.run("delete_expired_sessions", move |conn| {
            // Their retired hashes go with the cascade.
            let deleted =
                conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", [unix(now)])?;
            Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
        })
        .await
    }

    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        self.run("delete_sessions_except", move |conn| {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use rusqlite::Connection;
    use uuid::Uuid;

    use super::{RETIRED_HASHES_KEPT, retire};

    fn hashes(conn: &Connection, id: Uuid) -> Vec<(i64, u8)> {
        let mut stmt = conn
            .prepare(
                "SELECT seq, secret_hash FROM retired_secrets WHERE session_id = ?1 ORDER BY seq",
            )
            .unwrap();
        stmt.query_map([id.as_bytes()], |row| {
            Ok((row.get(0)?, row.get::<_, Vec<u8>>(1)?[0]))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// Hashes retired before the bound survive the migration (in some
    /// order), and the next rotation trims them to the bound.
    #[test]
    fn the_migration_keeps_retired_hashes_until_the_next_rotation() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        let keys = crate::crypto::keys::ProfileKeys::derive(
            &crate::crypto::keys::Key32::from_bytes([1; 32]),
        );
        let migrations = super::super::migrations(&keys);
        migrations.to_version(&mut conn, 6).unwrap();
        let id = Uuid::new_v4();
        for tag in 1..=10u8 {
            conn.execute(
                "INSERT INTO retired_secrets (session_id, secret_hash) VALUES (?1, ?2)",
                rusqlite::params![id.as_bytes(), vec![tag; 32]],
            )
            .unwrap();
        }
        migrations.to_latest(&mut conn).unwrap();
        let kept = hashes(&conn, id);
        assert_eq!(kept.len(), 10);
        assert_eq!(
            kept.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            (1..=10).collect::<Vec<_>>()
        );

        let tx = conn.transaction().unwrap();
        retire(&tx, id, &[99; 32]).unwrap();
        tx.commit().unwrap();
        let kept = hashes(&conn, id);
        assert_eq!(kept.len(), RETIRED_HASHES_KEPT);
        assert_eq!(kept.last(), Some(&(11, 99)));
    }
}
