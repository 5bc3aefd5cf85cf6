//! The trash on SQLite (the columns are described in
//! `010_trash_versions.sql`). Trashing marks a subtree and hangs its top
//! from the root; restoring clears the marks and moves the top back; purging
//! deletes the top's row, and the cascade takes its subtree and their
//! versions. The quota and the node count change only when something is
//! deleted for good: the trash is still stored.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::nodes::{NODE_COLUMNS, name_conflict, node, node_from_row, require_folder};
use super::writes::{delete_freed, tally};
use super::{SqliteMetaStore, from_unix, size, unix};
use crate::store::StoreError;
use crate::store::meta::{NodeRecord, NodeUpdate, TrashStore, TrashedRecord, Usage};

/// A trash item's top as it was deleted (`trash_parent` in the place of
/// `parent_id`), when, and the current size of its files. Read from `nodes t`.
fn trashed_columns() -> String {
    let node = NODE_COLUMNS
        .split(", ")
        .map(|c| match c {
            "parent_id" => "t.trash_parent".to_owned(),
            other => format!("t.{other}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{node}, t.trashed_at,
         (SELECT coalesce(sum(f.size), 0) FROM nodes f WHERE f.trashed_in = t.id)"
    )
}

fn trashed_from_row(row: &Row<'_>) -> rusqlite::Result<Result<TrashedRecord, StoreError>> {
    let node = node_from_row(row)?;
    let at: i64 = row.get(11)?;
    let bytes: i64 = row.get(12)?;
    Ok((|| {
        Ok(TrashedRecord {
            node: node?,
            trashed_at: from_unix(at)?,
            bytes: size(bytes, "trash bytes")?,
        })
    })())
}

fn trashed(
    conn: &Connection,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<TrashedRecord>, StoreError> {
    conn.query_row(
        &format!(
            "SELECT {} FROM nodes t
             WHERE t.id = ?1 AND t.user_id = ?2 AND t.trashed_at IS NOT NULL",
            trashed_columns()
        ),
        params![id.as_bytes(), user_id.as_bytes()],
        trashed_from_row,
    )
    .optional()?
    .transpose()
}

fn trash(conn: &Connection, user_id: Uuid) -> Result<Vec<TrashedRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM nodes t WHERE t.user_id = ?1 AND t.trashed_at IS NOT NULL
         ORDER BY t.trashed_at DESC, t.id DESC",
        trashed_columns()
    ))?;
    let rows = stmt.query_map([user_id.as_bytes()], trashed_from_row)?;
    rows.map(|row| row?).collect()
}

fn trash_node(
    conn: &mut Connection,
    user_id: Uuid,
    id: Uuid,
    at: OffsetDateTime,
) -> Result<TrashedRecord, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let target = node(&tx, user_id, id)?.ok_or(StoreError::NotFound)?;
    if target.parent_id.is_none() {
        return Err(StoreError::InvalidMove);
    }
    // The marks first, the top's own last: its `trashed_at` needs its mark.
    tx.execute(
        "WITH RECURSIVE sub(id) AS (
             SELECT ?1
             UNION ALL
             SELECT n.id FROM nodes n JOIN sub ON n.parent_id = sub.id
             WHERE n.trashed_in IS NULL
         )
         UPDATE nodes SET trashed_in = ?1 WHERE id IN (SELECT id FROM sub) AND user_id = ?2",
        params![id.as_bytes(), user_id.as_bytes()],
    )?;
    tx.execute(
        "UPDATE nodes SET trashed_at = ?2, trash_parent = parent_id, parent_id = user_id
         WHERE id = ?1",
        params![id.as_bytes(), unix(at)],
    )?;
    end_shares(&tx, id)?;
    let record = trashed(&tx, user_id, id)?
        .ok_or_else(|| StoreError::Corrupt("a trashed node vanished".to_owned()))?;
    tx.commit()?;
    Ok(record)
}

/// A link opens nothing in the trash: the shares of the item's nodes end
/// (their entries go with them), and so do the entries other shares (of a
/// folder above) hold for those nodes.
fn end_shares(tx: &Connection, top: Uuid) -> Result<(), StoreError> {
    const ITEM: &str = "SELECT id FROM nodes WHERE trashed_in = ?1";
    tx.execute(
        &format!("DELETE FROM shares WHERE node_id IN ({ITEM})"),
        [top.as_bytes()],
    )?;
    tx.execute(
        &format!("DELETE FROM share_entries WHERE node_id IN ({ITEM})"),
        [top.as_bytes()],
    )?;
    Ok(())
}

/// The trash item `id` of the user, or `NotFound`.
fn require_trashed(tx: &Connection, user_id: Uuid, id: Uuid) -> Result<TrashedRecord, StoreError> {
    trashed(tx, user_id, id)?.ok_or(StoreError::NotFound)
}

fn restore_node(
    conn: &mut Connection,
    user_id: Uuid,
    id: Uuid,
    update: &NodeUpdate,
) -> Result<NodeRecord, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let item = require_trashed(&tx, user_id, id)?;
    require_folder(&tx, user_id, update.parent_id)?;
    // The top first: its `trashed_at` goes with its mark. A name taken in the
    // target trips the unique index here.
    tx.execute(
        "UPDATE nodes SET parent_id = ?2, name_ct = ?3, name_mac = ?4, modified_at = ?5,
             trashed_in = NULL, trashed_at = NULL, trash_parent = NULL
         WHERE id = ?1",
        params![
            id.as_bytes(),
            update.parent_id.as_bytes(),
            update.name_ct,
            &update.name_mac[..],
            unix(update.modified_at),
        ],
    )
    .map_err(name_conflict)?;
    tx.execute(
        "UPDATE nodes SET trashed_in = NULL WHERE trashed_in = ?1",
        [id.as_bytes()],
    )?;
    tx.commit()?;
    Ok(NodeRecord {
        parent_id: Some(update.parent_id),
        name_ct: update.name_ct.clone(),
        name_mac: update.name_mac,
        modified_at: update.modified_at,
        ..item.node
    })
}

/// A trash item's nodes: all marked with its top's id.
const ITEM_NODES: &str = "sub(id) AS (SELECT id FROM nodes WHERE trashed_in = ?1)";

fn purge_node(conn: &mut Connection, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    require_trashed(&tx, user_id, id)?;
    let freed = tally(&tx, ITEM_NODES, user_id, id)?;
    delete_freed(&tx, user_id, id, &freed)?;
    tx.commit()?;
    Ok(freed.objects)
}

fn trashed_before(
    conn: &Connection,
    before: OffsetDateTime,
    limit: usize,
) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, id FROM nodes WHERE trashed_at < ?1
         ORDER BY trashed_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(
        params![unix(before), i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| Ok((Uuid::from_bytes(row.get(0)?), Uuid::from_bytes(row.get(1)?))),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn usage(conn: &Connection, user_id: Uuid) -> Result<Usage, StoreError> {
    let (trash, versions): (i64, i64) = conn.query_row(
        "SELECT
             (SELECT coalesce(sum(size), 0) FROM nodes
              WHERE user_id = ?1 AND trashed_in IS NOT NULL),
             (SELECT coalesce(sum(size), 0) FROM versions WHERE user_id = ?1)",
        [user_id.as_bytes()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(Usage {
        trash_bytes: size(trash, "trash bytes")?,
        version_bytes: size(versions, "version bytes")?,
    })
}

#[async_trait]
impl TrashStore for SqliteMetaStore {
    async fn trash_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<TrashedRecord, StoreError> {
        self.run("trash_node", move |conn| trash_node(conn, user_id, id, at))
            .await
    }

    async fn trash(&self, user_id: Uuid) -> Result<Vec<TrashedRecord>, StoreError> {
        self.run("trash", move |conn| trash(conn, user_id)).await
    }

    async fn trashed(&self, user_id: Uuid, id: Uuid) -> Result<Option<TrashedRecord>, StoreError> {
        self.run("trashed", move |conn| trashed(conn, user_id, id))
            .await
    }

    async fn restore_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        let update = update.clone();
        self.run("restore_node", move |conn| {
            restore_node(conn, user_id, id, &update)
        })
        .await
    }

    async fn purge_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        self.run("purge_node", move |conn| purge_node(conn, user_id, id))
            .await
    }

    async fn trashed_before(
        &self,
        before: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
        self.run("trashed_before", move |conn| {
            trashed_before(conn, before, limit)
        })
        .await
    }

    async fn usage(&self, user_id: Uuid) -> Result<Usage, StoreError> {
        self.run("usage", move |conn| usage(conn, user_id)).await
    }
}
