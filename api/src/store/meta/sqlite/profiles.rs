//! Sealed emails and display names on SQLite: the migration that seals the
//! accounts stored in clear, and the check that the database is sealed
//! under the keys it is opened with.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use rusqlite_migration::{HookError, Migrations};
use uuid::Uuid;

use crate::crypto::keys::ProfileKeys;
use crate::store::StoreError;
use crate::store::meta::sealed;

/// The schema version from which no email or display name is stored in clear.
const SEALED_VERSION: i64 = 5;

/// Runs the pending migrations with foreign keys off (the users table is
/// rebuilt, and dropping it with them on would cascade into every other
/// table; step 5 checks them before it commits). Once the clear columns
/// are gone, the file is rewritten so that no freed page and no WAL frame
/// still holds an old email.
pub(super) fn migrate(conn: &mut Connection, migrations: Migrations<'_>) -> Result<(), StoreError> {
    let before: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = migrations.to_latest(conn);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated.map_err(|err| StoreError::Backend(Box::new(err)))?;
    if before > 0 && before < SEALED_VERSION {
        conn.execute_batch(
            "PRAGMA wal_checkpoint(TRUNCATE);
             VACUUM;
             PRAGMA wal_checkpoint(TRUNCATE);",
        )?;
        tracing::info!("sealed the emails and display names of the accounts stored in clear");
    }
    Ok(())
}

/// Migration hook of step 4: every account gets its email index and its
/// sealed email and display name, in the migration's transaction.
pub(super) fn seal_all(tx: &Transaction<'_>, keys: &ProfileKeys) -> Result<(), HookError> {
    let mut select = tx.prepare("SELECT id, email, display_name FROM users")?;
    let rows = select.query_map([], |row| {
        Ok((
            row.get::<_, [u8; 16]>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut update = tx.prepare(
        "UPDATE users SET email_index = ?2, email_ct = ?3, display_name_ct = ?4 WHERE id = ?1",
    )?;
    for row in rows {
        let (id, email, display_name) = row?;
        let sealed = sealed::seal(keys, Uuid::from_bytes(id), &email, display_name.as_deref());
        update.execute(params![
            &id[..],
            &sealed.email_index[..],
            sealed.email_ct,
            sealed.display_name_ct
        ])?;
    }
    Ok(())
}

/// Records the keys' check value on first use; refuses a database whose
/// accounts were sealed under other keys.
pub(super) fn check_secret(conn: &Connection, keys: &ProfileKeys) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO key_check (id, value) VALUES (1, ?1) ON CONFLICT (id) DO NOTHING",
        [&keys.key_check()[..]],
    )?;
    let stored: Option<Vec<u8>> = conn
        .query_row("SELECT value FROM key_check WHERE id = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    sealed::check_secret(keys, &stored.unwrap_or_default())
}
