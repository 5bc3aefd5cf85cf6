//! The embedded `MetaStore`: SQLite in WAL mode in the data folder, with real
//! constraints (unique emails, foreign keys with cascades) and versioned
//! migrations. Calls run on the blocking pool, never on the async runtime.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, ErrorCode};
use rusqlite_migration::{M, Migrations};
use time::OffsetDateTime;

mod app_passwords;
mod lockout;
mod nodes;
mod profiles;
mod props;
mod sessions;
mod share_entries;
mod shares;
mod trash;
mod tree;
mod users;
mod versions;
mod writes;

use super::MetaStore;
use crate::crypto::keys::ProfileKeys;
use crate::store::{Conflict, StoreError, metered};

/// The database file is created 0600 before SQLite opens it; SQLite gives its
/// `-wal` and `-shm` files the same mode.
fn create_private_file(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(StoreError::Backend(Box::new(err))),
    }
}

/// Versioned schema: append, never edit a released step. Step 4 seals the
/// accounts' emails and display names with `keys`, step 5 drops the clear
/// columns.
pub(super) fn migrations(keys: &ProfileKeys) -> Migrations<'static> {
    let keys = keys.clone();
    Migrations::new(vec![
        M::up(include_str!("001_accounts.sql")),
        M::up(include_str!("002_nodes.sql")),
        M::up(include_str!("003_limits.sql")),
        M::up_with_hook(include_str!("004_sealed_profiles.sql"), move |tx| {
            profiles::seal_all(tx, &keys)
        }),
        M::up(include_str!("005_users_without_plaintext.sql")).foreign_key_check(),
        M::up(include_str!("006_binding.sql")),
        M::up(include_str!("007_session_hygiene.sql")),
        M::up(include_str!("008_shares.sql")),
        M::up(include_str!("009_share_entries.sql")),
        M::up(include_str!("010_trash_versions.sql")),
        M::up(include_str!("011_app_passwords.sql")),
        M::up(include_str!("012_node_props.sql")),
        M::up(include_str!("013_listing_version.sql")),
        M::up(include_str!("014_listing_delta.sql")),
    ])
}

pub struct SqliteMetaStore {
    pool: Pool<SqliteConnectionManager>,
    keys: Arc<ProfileKeys>,
}

impl SqliteMetaStore {
    /// Opens (creating if needed) the database file and brings its schema up
    /// to date; emails and display names are sealed with `keys`, and a
    /// database sealed under other keys is refused (`ForeignSecret`).
    pub fn open(path: &Path, keys: &ProfileKeys) -> Result<Self, StoreError> {
        create_private_file(path)?;
        // The pool opens its connections at once, each switching to WAL,
        // which takes a lock: the busy timeout comes first so they wait for
        // each other instead of failing with "database is locked".
        let manager = SqliteConnectionManager::file(path).with_init(|conn| {
            conn.execute_batch(
                "PRAGMA busy_timeout = 5000;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 PRAGMA foreign_keys = ON;",
            )
        });
        let pool = Pool::builder()
            .max_size(8)
            .build(manager)
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        let mut conn = pool
            .get()
            .map_err(|err| StoreError::Unavailable(err.to_string()))?;
        profiles::migrate(&mut conn, migrations(keys))?;
        profiles::check_secret(&conn, keys)?;
        Ok(Self {
            pool,
            keys: Arc::new(keys.clone()),
        })
    }

    /// Runs `f` with a pooled connection on the blocking thread pool; the
    /// metrics see it as `operation` (the store method it serves), its time
    /// including the waits for a thread and a connection.
    async fn run<T, F>(&self, operation: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let started = Instant::now();
        let pool = self.pool.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|err| StoreError::Unavailable(err.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|err| StoreError::Backend(Box::new(err)))
        .and_then(|result| result);
        metered::record("sqlite", operation, started, &result);
        result
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(ErrorCode::ConstraintViolation) => {
                StoreError::Conflict(if err.to_string().contains("users.email_index") {
                    Conflict::Email
                } else {
                    Conflict::Id
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

/// A fixed-size blob, copied out of the row.
fn fixed<const N: usize>(bytes: &[u8], what: &str) -> Result<[u8; N], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} has the wrong length")))
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

#[async_trait]
impl MetaStore for SqliteMetaStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run("ping", |conn| {
            conn.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}
