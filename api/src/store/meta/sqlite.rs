//! The embedded `MetaStore`: SQLite in WAL mode in the data folder, with real
//! constraints (unique emails, foreign keys with cascades) and versioned
//! migrations. Calls run on the blocking pool, never on the async runtime.

use std::path::Path;

use async_trait::async_trait;
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, params};
use rusqlite_migration::{M, Migrations};
use time::OffsetDateTime;
use uuid::Uuid;

mod nodes;

use super::{
    FileCommit, MetaStore, NodeRecord, NodeUpdate, SessionRecord, SessionRotation, UserKeys,
    UserRecord,
};
use crate::store::StoreError;

/// Versioned schema: append, never edit a released step.
fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("sqlite/001_accounts.sql")),
        M::up(include_str!("sqlite/002_nodes.sql")),
    ])
}

pub struct SqliteMetaStore {
    pool: Pool<SqliteConnectionManager>,
}

impl SqliteMetaStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;
                 PRAGMA busy_timeout = 5000;",
            )
        });
        let pool = Pool::builder()
            .max_size(8)
            .build(manager)
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        let mut conn = pool
            .get()
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|err| StoreError::Backend(Box::new(err)))?;
        Ok(Self { pool })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|err| StoreError::Unavailable(err.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|err| StoreError::Backend(Box::new(err)))?
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => {
                StoreError::Conflict(if err.to_string().contains("users.email") {
                    "email"
                } else {
                    "constraint"
                })
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Unavailable(err.to_string())
            }
            _ => StoreError::Backend(Box::new(err)),
        }
    }
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_unix(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(|err| StoreError::Corrupt(err.to_string()))
}

fn blob<const N: usize>(bytes: Vec<u8>, what: &str) -> Result<[u8; N], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} has the wrong length")))
}

fn size(value: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} is negative")))
}

fn to_i64(value: u64) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::Corrupt("value exceeds i64".to_owned()))
}

const USER_COLUMNS: &str = "id, email, display_name, password_hash, kek_salt, kek_params, \
     wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes, used_bytes, created_at";

fn user_from_row(row: &Row<'_>) -> rusqlite::Result<Result<UserRecord, StoreError>> {
    let id: [u8; 16] = row.get(0)?;
    let kek_salt: Vec<u8> = row.get(4)?;
    let recovery_salt: Vec<u8> = row.get(7)?;
    let quota: i64 = row.get(10)?;
    let used: i64 = row.get(11)?;
    let created: i64 = row.get(12)?;
    let email: String = row.get(1)?;
    let display_name: Option<String> = row.get(2)?;
    let password_hash: String = row.get(3)?;
    let kek_params: String = row.get(5)?;
    let wrapped_umk: Vec<u8> = row.get(6)?;
    let recovery_params: String = row.get(8)?;
    let recovery_wrapped_umk: Vec<u8> = row.get(9)?;
    Ok((|| {
        Ok(UserRecord {
            id: Uuid::from_bytes(id),
            email,
            display_name,
            password_hash,
            keys: UserKeys {
                kek_salt: blob(kek_salt, "kek_salt")?,
                kek_params,
                wrapped_umk,
                recovery_salt: blob(recovery_salt, "recovery_salt")?,
                recovery_params,
                recovery_wrapped_umk,
            },
            quota_bytes: size(quota, "quota_bytes")?,
            used_bytes: size(used, "used_bytes")?,
            created_at: from_unix(created)?,
        })
    })())
}

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
impl MetaStore for SqliteMetaStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }

    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let user = user.clone();
        self.run(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
                params![
                    user.id.as_bytes(),
                    user.email,
                    user.display_name,
                    user.password_hash,
                    &user.keys.kek_salt[..],
                    user.keys.kek_params,
                    user.keys.wrapped_umk,
                    &user.keys.recovery_salt[..],
                    user.keys.recovery_params,
                    user.keys.recovery_wrapped_umk,
                    to_i64(user.quota_bytes)?,
                    to_i64(user.used_bytes)?,
                    unix(user.created_at),
                ],
            )?;
            nodes::insert_root(&tx, user.id, unix(user.created_at))?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        let email = email.to_owned();
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
                [email],
                user_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        self.run(move |conn| {
            conn.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
                [id.as_bytes()],
                user_from_row,
            )
            .optional()?
            .transpose()
        })
        .await
    }

    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError> {
        let password_hash = password_hash.to_owned();
        let keys = keys.clone();
        self.run(move |conn| {
            let changed = conn.execute(
                "UPDATE users SET password_hash = ?2, kek_salt = ?3, kek_params = ?4, wrapped_umk = ?5,
                     recovery_salt = ?6, recovery_params = ?7, recovery_wrapped_umk = ?8
                 WHERE id = ?1",
                params![
                    id.as_bytes(),
                    password_hash,
                    &keys.kek_salt[..],
                    keys.kek_params,
                    keys.wrapped_umk,
                    &keys.recovery_salt[..],
                    keys.recovery_params,
                    keys.recovery_wrapped_umk,
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError> {
        self.run(move |conn| {
            // Sessions and everything else the user owns go with the cascade.
            let changed = conn.execute("DELETE FROM users WHERE id = ?1", [id.as_bytes()])?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
        .await
    }

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

    async fn node(&self, user_id: Uuid, id: Uuid) -> Result<Option<NodeRecord>, StoreError> {
        self.run(move |conn| nodes::node(conn, user_id, id)).await
    }

    async fn child_by_mac(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
        name_mac: &[u8; 32],
    ) -> Result<Option<NodeRecord>, StoreError> {
        let mac = *name_mac;
        self.run(move |conn| nodes::child_by_mac(conn, user_id, parent_id, &mac))
            .await
    }

    async fn children(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
    ) -> Result<Vec<NodeRecord>, StoreError> {
        self.run(move |conn| nodes::children(conn, user_id, parent_id))
            .await
    }

    async fn ancestors(&self, user_id: Uuid, id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        self.run(move |conn| nodes::ancestors(conn, user_id, id))
            .await
    }

    async fn all_nodes(&self, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        self.run(move |conn| nodes::all_nodes(conn, user_id)).await
    }

    async fn create_folder(&self, node: &NodeRecord) -> Result<(), StoreError> {
        let node = node.clone();
        self.run(move |conn| nodes::create_folder(conn, &node))
            .await
    }

    async fn commit_file(
        &self,
        node: &NodeRecord,
        overwrite: bool,
    ) -> Result<FileCommit, StoreError> {
        let node = node.clone();
        self.run(move |conn| nodes::commit_file(conn, &node, overwrite))
            .await
    }

    async fn update_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        let update = update.clone();
        self.run(move |conn| nodes::update_node(conn, user_id, id, &update))
            .await
    }

    async fn delete_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.run(move |conn| nodes::delete_node(conn, user_id, id))
            .await
    }

    async fn object_ids(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.run(move |conn| nodes::object_ids(conn, user_id)).await
    }

    async fn object_referenced(&self, user_id: Uuid, object_id: Uuid) -> Result<bool, StoreError> {
        self.run(move |conn| nodes::object_referenced(conn, user_id, object_id))
            .await
    }
}
