//! The entries of folder shares on SQLite. The cascades from `shares` and
//! `nodes` delete an entry with its share or its node, so nothing here
//! cleans up. Each call is one transaction with one prepared statement run
//! per node: a shared folder may hold thousands.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use uuid::Uuid;

use crate::store::StoreError;

/// Inserts or replaces the entries, all or none; `NotFound` when the share
/// does not exist. An entry whose node is gone is skipped: the cascade
/// would have taken it with the node, and no caller asks for it; so is one
/// of a node in the trash, whose entries trashing deleted.
pub(super) fn put(
    conn: &mut Connection,
    share_id: Uuid,
    entries: &[(Uuid, Vec<u8>)],
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let share = tx
        .query_row(
            "SELECT 1 FROM shares WHERE id = ?1",
            [share_id.as_bytes()],
            |_| Ok(()),
        )
        .optional()?;
    if share.is_none() {
        return Err(StoreError::NotFound);
    }
    {
        // `WHERE` also keeps `ON CONFLICT` from being read as part of the
        // `SELECT` (SQLite's documented parsing ambiguity).
        let mut insert = tx.prepare_cached(
            "INSERT INTO share_entries (share_id, node_id, sealed)
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM nodes WHERE id = ?2 AND trashed_in IS NULL)
             ON CONFLICT (share_id, node_id) DO UPDATE SET sealed = excluded.sealed",
        )?;
        for (node_id, sealed) in entries {
            insert.execute(params![share_id.as_bytes(), node_id.as_bytes(), sealed])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The entries of these nodes that exist, each once, read in one
/// transaction (one snapshot, however many nodes).
pub(super) fn get(
    conn: &mut Connection,
    share_id: Uuid,
    node_ids: &[Uuid],
) -> Result<Vec<(Uuid, Vec<u8>)>, StoreError> {
    let tx = conn.transaction()?;
    let mut found = Vec::new();
    {
        let mut select = tx.prepare_cached(
            "SELECT sealed FROM share_entries WHERE share_id = ?1 AND node_id = ?2",
        )?;
        let unique: BTreeSet<Uuid> = node_ids.iter().copied().collect();
        for node_id in unique {
            let sealed: Option<Vec<u8>> = select
                .query_row(params![share_id.as_bytes(), node_id.as_bytes()], |row| {
                    row.get(0)
                })
                .optional()?;
            if let Some(sealed) = sealed {
                found.push((node_id, sealed));
            }
        }
    }
    tx.commit()?;
    Ok(found)
}

/// Deletes the entries of these nodes, all or none.
pub(super) fn delete(
    conn: &mut Connection,
    share_id: Uuid,
    node_ids: &[Uuid],
) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut delete =
            tx.prepare_cached("DELETE FROM share_entries WHERE share_id = ?1 AND node_id = ?2")?;
        for node_id in node_ids {
            delete.execute(params![share_id.as_bytes(), node_id.as_bytes()])?;
        }
    }
    tx.commit()?;
    Ok(())
}
