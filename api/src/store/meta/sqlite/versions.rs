//! File versions on SQLite: the earlier contents of a file, newest first by
//! (`created_at`, id) descending (ids are UUIDv7, so contents uploaded in
//! the same second keep the order they were retired in). They count against
//! the quota until deleted or rotated out.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use strongroom_shared::NodeKind;
use time::OffsetDateTime;
use uuid::Uuid;

use super::nodes::{charge, node};
use super::writes::{Freed, set_content};
use super::{SqliteMetaStore, blob, from_unix, size, to_i64, unix};
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, VersionRecord, VersionStore};

const VERSION_COLUMNS: &str = "id, node_id, object_id, size, created_at, binding";
const NEWEST_FIRST: &str = "ORDER BY created_at DESC, id DESC";

fn version_from_row(row: &Row<'_>) -> rusqlite::Result<Result<VersionRecord, StoreError>> {
    let id: [u8; 16] = row.get(0)?;
    let node_id: [u8; 16] = row.get(1)?;
    let object_id: [u8; 16] = row.get(2)?;
    let bytes: i64 = row.get(3)?;
    let created: i64 = row.get(4)?;
    let binding: Option<Vec<u8>> = row.get(5)?;
    Ok((|| {
        Ok(VersionRecord {
            id: Uuid::from_bytes(id),
            node_id: Uuid::from_bytes(node_id),
            object_id: Uuid::from_bytes(object_id),
            size: size(bytes, "version size")?,
            created_at: from_unix(created)?,
            binding: binding.map(|b| blob(b, "version binding")).transpose()?,
        })
    })())
}

fn versions(
    conn: &Connection,
    user_id: Uuid,
    node_id: Uuid,
) -> Result<Vec<VersionRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {VERSION_COLUMNS} FROM versions WHERE node_id = ?1 AND user_id = ?2 {NEWEST_FIRST}"
    ))?;
    let rows = stmt.query_map(
        params![node_id.as_bytes(), user_id.as_bytes()],
        version_from_row,
    )?;
    rows.map(|row| row?).collect()
}

/// Keeps a file's current content as its newest version (the record's
/// binding still holds: it names the node, the object and the size), then
/// rotates. Returns what rotating freed; with `kept == 0` that is the
/// content just retired.
pub(super) fn retire_content(
    tx: &Connection,
    file: &NodeRecord,
    kept: usize,
) -> Result<Freed, StoreError> {
    let object_id = file
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    tx.execute(
        &format!(
            "INSERT INTO versions ({VERSION_COLUMNS}, user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ),
        params![
            Uuid::now_v7().as_bytes(),
            file.id.as_bytes(),
            object_id.as_bytes(),
            to_i64(file.size)?,
            unix(file.modified_at),
            file.binding.as_ref().map(|b| &b[..]),
            file.user_id.as_bytes(),
        ],
    )?;
    rotate(tx, file.id, kept)
}

/// Deletes the versions of a file past the newest `kept`.
fn rotate(tx: &Connection, node_id: Uuid, kept: usize) -> Result<Freed, StoreError> {
    let old: Vec<([u8; 16], [u8; 16], i64)> = {
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT id, object_id, size FROM versions WHERE node_id = ?1 {NEWEST_FIRST}
             LIMIT -1 OFFSET ?2"
        ))?;
        let rows = stmt.query_map(
            params![node_id.as_bytes(), i64::try_from(kept).unwrap_or(i64::MAX)],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        rows.collect::<Result<_, _>>()?
    };
    let mut freed = Freed::default();
    let mut delete = tx.prepare_cached("DELETE FROM versions WHERE id = ?1")?;
    for (id, object, bytes) in old {
        delete.execute([&id])?;
        freed.objects.push(Uuid::from_bytes(object));
        freed.bytes = freed.bytes.saturating_add(bytes);
    }
    Ok(freed)
}

/// Removes one version of the user's file, returning its row.
fn take_version(
    tx: &Connection,
    user_id: Uuid,
    node_id: Uuid,
    version_id: Uuid,
) -> Result<VersionRecord, StoreError> {
    tx.query_row(
        &format!(
            "DELETE FROM versions WHERE id = ?1 AND node_id = ?2 AND user_id = ?3
             RETURNING {VERSION_COLUMNS}"
        ),
        params![
            version_id.as_bytes(),
            node_id.as_bytes(),
            user_id.as_bytes()
        ],
        version_from_row,
    )
    .optional()?
    .transpose()?
    .ok_or(StoreError::NotFound)
}

fn restore_version(
    conn: &mut Connection,
    user_id: Uuid,
    node_id: Uuid,
    version_id: Uuid,
    kept: usize,
    at: OffsetDateTime,
) -> Result<(NodeRecord, Vec<Uuid>), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = node(&tx, user_id, node_id)?
        .filter(|n| n.kind == NodeKind::File)
        .ok_or(StoreError::NotFound)?;
    // Taken out first, so the content it makes current is not counted among
    // the versions kept.
    let version = take_version(&tx, user_id, node_id, version_id)?;
    let freed = retire_content(&tx, &current, kept)?;
    set_content(
        &tx,
        node_id,
        version.object_id,
        version.size,
        at,
        version.binding,
    )?;
    // The restored content moved from the versions to the file: only what
    // rotated out changes the quota.
    charge(&tx, user_id, -freed.bytes)?;
    tx.commit()?;
    let restored = NodeRecord {
        object_id: Some(version.object_id),
        size: version.size,
        modified_at: at,
        binding: version.binding,
        ..current
    };
    Ok((restored, freed.objects))
}

fn delete_version(
    conn: &mut Connection,
    user_id: Uuid,
    node_id: Uuid,
    version_id: Uuid,
) -> Result<Uuid, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version = take_version(&tx, user_id, node_id, version_id)?;
    charge(&tx, user_id, -to_i64(version.size)?)?;
    tx.commit()?;
    Ok(version.object_id)
}

#[async_trait]
impl VersionStore for SqliteMetaStore {
    async fn versions(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        self.run("versions", move |conn| versions(conn, user_id, node_id))
            .await
    }

    async fn restore_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
        versions_kept: usize,
        at: OffsetDateTime,
    ) -> Result<(NodeRecord, Vec<Uuid>), StoreError> {
        self.run("restore_version", move |conn| {
            restore_version(conn, user_id, node_id, version_id, versions_kept, at)
        })
        .await
    }

    async fn delete_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
    ) -> Result<Uuid, StoreError> {
        self.run("delete_version", move |conn| {
            delete_version(conn, user_id, node_id, version_id)
        })
        .await
    }
}
