//! File versions on DynamoDB. A file's versions live in its node item (the
//! list attribute `versions`, newest first, at most `versions_kept` ≤ 100 of
//! about 100 bytes each), with a revision `rev` bumped on each change, so
//! that every change of a file's content and versions is one conditional
//! update of that item (compare-and-swap) in the transaction that also
//! charges the quota and writes the object claims: each version's object
//! keeps its `OBJ#` claim, so `object_referenced`, `object_ids` and account
//! deletion see versions without reading them.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use strongroom_shared::NodeKind;
use time::OffsetDateTime;
use uuid::Uuid;

use super::changes::{Tally, not_exists, tally};
use super::expr::{self, Ex, n, s};
use super::guards::Guards;
use super::items;
use super::nodes::{ATTEMPTS, contention, live_state, state};
use super::state::{NodeState, sort_newest_first, versions_value};
use super::{DynamoMetaStore, MAX_TRANSACTION_ITEMS};
use crate::store::meta::{FileCommit, NodeRecord, VersionRecord, VersionStore};
use crate::store::{Conflict, StoreError};

/// What a file points at.
struct Content {
    object_id: Uuid,
    size: u64,
    binding: Option<[u8; 32]>,
    modified_at: OffsetDateTime,
}

/// The file's content kept as a version (created when it was uploaded).
fn retired(file: &NodeRecord) -> Result<VersionRecord, StoreError> {
    Ok(VersionRecord {
        id: Uuid::now_v7(),
        node_id: file.id,
        object_id: file
            .object_id
            .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?,
        size: file.size,
        created_at: file.modified_at,
        binding: file.binding,
    })
}

/// Sorts `versions` and takes out those past the newest `kept`.
fn rotate(versions: &mut Vec<VersionRecord>, kept: usize) -> Vec<VersionRecord> {
    sort_newest_first(versions);
    versions.split_off(kept.min(versions.len()))
}

fn total(versions: &[VersionRecord]) -> i128 {
    versions.iter().map(|v| i128::from(v.size)).sum()
}

/// The update of `old`'s item to `content` and `versions`, while it is
/// still where and what it was when read (and live: `guards`).
fn content_update(
    table: &str,
    old: &NodeState,
    content: &Content,
    versions: &[VersionRecord],
    guards: &mut Guards,
) -> Result<TransactWriteItem, StoreError> {
    let node = &old.node;
    let parent = node.parent_id.ok_or(StoreError::InvalidMove)?;
    let old_object = node
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let sets = "SET #object_id = :new, #size = :size, #modified_at = :modified, \
                #versions = :versions, #rev = :next";
    let mut ex = Ex::new()
        .update(match content.binding {
            Some(_) => format!("{sets}, #binding = :binding"),
            None => format!("{sets} REMOVE #binding"),
        })
        .cond(
            "#object_id = :old AND #parent_id = :parent AND #name_mac = :mac AND \
             (attribute_not_exists(#rev) OR #rev = :rev)",
        )
        .name("binding")
        .name("object_id")
        .name("size")
        .name("modified_at")
        .name("parent_id")
        .name("name_mac")
        .name("versions")
        .name("rev")
        .value(":new", s(content.object_id.to_string()))
        .value(":size", n(content.size))
        .value(":modified", n(content.modified_at.unix_timestamp()))
        .value(":versions", versions_value(versions))
        .value(":rev", n(old.rev))
        .value(":next", n(old.rev + 1))
        .value(":old", s(old_object.to_string()))
        .value(":parent", s(parent.to_string()))
        .value(":mac", expr::b(&node.name_mac))
        .value_if(":binding", content.binding.as_ref().map(|b| expr::b(b)));
    if let Some(live) = guards.take(node.id) {
        ex = ex.and(live);
    }
    expr::update(table, items::node_key(node.user_id, node.id), ex)
}

/// Deletes of the object claims of `dropped` versions: those that fit in a
/// transaction beside `used` items, and the rest (clean-up after it).
fn claim_deletes(
    table: &str,
    user_id: Uuid,
    dropped: &[VersionRecord],
    used: usize,
) -> Result<(Vec<TransactWriteItem>, Vec<TransactWriteItem>), StoreError> {
    let mut ops = dropped
        .iter()
        .map(|v| expr::delete(table, items::object_key(user_id, v.object_id), Ex::new()))
        .collect::<Result<Vec<_>, _>>()?;
    let later = ops.split_off(MAX_TRANSACTION_ITEMS.saturating_sub(used).min(ops.len()));
    Ok((ops, later))
}

/// Re-points the file `old` at the new object, keeping its old content as
/// the newest version. `None` when `old` changed under us (the caller
/// re-evaluates).
pub(super) async fn replace(
    store: &DynamoMetaStore,
    node: &NodeRecord,
    old: &NodeState,
    kept: usize,
) -> Result<Option<FileCommit>, StoreError> {
    let (table, user_id) = (&store.table, old.node.user_id);
    let object_id = node
        .object_id
        .ok_or_else(|| StoreError::Corrupt("file without object".to_owned()))?;
    let mut versions = old.versions.clone();
    // The same object committed again is no earlier content.
    let new_object = old.node.object_id != Some(object_id);
    if new_object {
        versions.push(retired(&old.node)?);
    }
    let dropped = rotate(&mut versions, kept);
    let content = Content {
        object_id,
        size: node.size,
        binding: node.binding,
        modified_at: node.modified_at,
    };
    let mut guards = Guards::new(user_id);
    guards.live(old);
    // The folder's listing shows the new size and time.
    guards.bump(old.node.parent_id);
    // [node update, charge, new object claim?, guard checks.., dropped claims..]
    let mut ops = vec![content_update(
        table,
        old,
        &content,
        &versions,
        &mut guards,
    )?];
    let kept_bytes = total(&versions) - total(&old.versions);
    ops.push(tally(
        store,
        user_id,
        Tally {
            bytes: i128::from(node.size) - i128::from(old.node.size) + kept_bytes,
            versions: kept_bytes,
            ..Tally::default()
        },
    )?);
    if new_object {
        ops.push(expr::put(
            table,
            items::claim_item(
                items::object_key(user_id, object_id),
                "object",
                "node_id",
                old.node.id,
            ),
            not_exists(),
        )?);
    }
    let claims_at = ops.len();
    ops.extend(guards.into_checks(table)?);
    let checks = claims_at..ops.len();
    let (now, later) = claim_deletes(table, user_id, &dropped, ops.len())?;
    ops.extend(now);
    let failed = match store.transact(ops).await? {
        Ok(()) => {
            store.transact_chunks(later).await?;
            return Ok(Some(replaced(node, old, &dropped)));
        }
        Err(failed) => failed,
    };
    let failed_at = |i: usize| failed.get(i) == Some(&true);
    if failed_at(0) || checks.clone().any(failed_at) {
        return Ok(None);
    }
    if failed_at(1) {
        return Err(StoreError::QuotaExceeded);
    }
    // The new object already belongs to another file.
    Err(StoreError::Conflict(Conflict::Name))
}

/// What an overwrite did: `old` points at `node`'s content now.
fn replaced(node: &NodeRecord, old: &NodeState, dropped: &[VersionRecord]) -> FileCommit {
    FileCommit::Replaced {
        node: NodeRecord {
            object_id: node.object_id,
            size: node.size,
            modified_at: node.modified_at,
            binding: node.binding,
            ..old.node.clone()
        },
        released: dropped.iter().map(|v| v.object_id).collect(),
    }
}

/// One attempt at `restore_version`; `None` when the file changed under us.
async fn try_restore_version(
    store: &DynamoMetaStore,
    current: &NodeState,
    version_id: Uuid,
    kept: usize,
    at: OffsetDateTime,
) -> Result<Option<(NodeRecord, Vec<Uuid>)>, StoreError> {
    let (table, user_id) = (&store.table, current.node.user_id);
    let mut versions = current.versions.clone();
    let at_index = versions
        .iter()
        .position(|v| v.id == version_id)
        .ok_or(StoreError::NotFound)?;
    // Taken out first, so the content it makes current is not counted among
    // the versions kept.
    let version = versions.remove(at_index);
    versions.push(retired(&current.node)?);
    let dropped = rotate(&mut versions, kept);
    let content = Content {
        object_id: version.object_id,
        size: version.size,
        binding: version.binding,
        modified_at: at,
    };
    let mut guards = Guards::new(user_id);
    guards.live(current);
    guards.bump(current.node.parent_id);
    // [node update, charge, guard checks.., dropped claims..]: the restored
    // content moved from the versions to the file, so only what rotated out
    // changes the quota.
    let mut ops = vec![content_update(
        table,
        current,
        &content,
        &versions,
        &mut guards,
    )?];
    ops.push(tally(
        store,
        user_id,
        Tally {
            bytes: -total(&dropped),
            versions: total(&versions) - total(&current.versions),
            ..Tally::default()
        },
    )?);
    ops.extend(guards.into_checks(table)?);
    let (now, later) = claim_deletes(table, user_id, &dropped, ops.len())?;
    ops.extend(now);
    if store.transact(ops).await?.is_err() {
        return Ok(None);
    }
    store.transact_chunks(later).await?;
    let node = NodeRecord {
        object_id: Some(version.object_id),
        size: version.size,
        modified_at: at,
        binding: version.binding,
        ..current.node.clone()
    };
    Ok(Some((node, dropped.iter().map(|v| v.object_id).collect())))
}

/// One attempt at `delete_version`; `None` when the file changed under us.
async fn try_delete_version(
    store: &DynamoMetaStore,
    file: &NodeState,
    version_id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    let (table, user_id) = (&store.table, file.node.user_id);
    let mut versions = file.versions.clone();
    let at_index = versions
        .iter()
        .position(|v| v.id == version_id)
        .ok_or(StoreError::NotFound)?;
    let version = versions.remove(at_index);
    let update = Ex::new()
        .update("SET #versions = :versions, #rev = :next")
        .cond("attribute_exists(#PK) AND (attribute_not_exists(#rev) OR #rev = :rev)")
        .name("PK")
        .name("versions")
        .name("rev")
        .value(":versions", versions_value(&versions))
        .value(":rev", n(file.rev))
        .value(":next", n(file.rev + 1));
    let size = i128::from(version.size);
    let ops = vec![
        expr::update(table, items::node_key(user_id, file.node.id), update)?,
        tally(
            store,
            user_id,
            Tally {
                bytes: -size,
                versions: -size,
                ..Tally::default()
            },
        )?,
        expr::delete(
            table,
            items::object_key(user_id, version.object_id),
            Ex::new(),
        )?,
    ];
    Ok(store
        .transact(ops)
        .await?
        .is_ok()
        .then_some(version.object_id))
}

#[async_trait]
impl VersionStore for DynamoMetaStore {
    async fn versions(
        &self,
        user_id: Uuid,
        node_id: Uuid,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        let mut versions = state(self, user_id, node_id)
            .await?
            .map(|st| st.versions)
            .unwrap_or_default();
        sort_newest_first(&mut versions);
        Ok(versions)
    }

    async fn restore_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
        versions_kept: usize,
        at: OffsetDateTime,
    ) -> Result<(NodeRecord, Vec<Uuid>), StoreError> {
        for _ in 0..ATTEMPTS {
            let current = live_state(self, user_id, node_id)
                .await?
                .filter(|st| st.node.kind == NodeKind::File)
                .ok_or(StoreError::NotFound)?;
            if let Some(done) =
                try_restore_version(self, &current, version_id, versions_kept, at).await?
            {
                return Ok(done);
            }
        }
        Err(contention("restore_version"))
    }

    async fn delete_version(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        version_id: Uuid,
    ) -> Result<Uuid, StoreError> {
        for _ in 0..ATTEMPTS {
            // A version of a file in the trash may go too.
            let file = state(self, user_id, node_id)
                .await?
                .ok_or(StoreError::NotFound)?;
            if let Some(object) = try_delete_version(self, &file, version_id).await? {
                return Ok(object);
            }
        }
        Err(contention("delete_version"))
    }
}
