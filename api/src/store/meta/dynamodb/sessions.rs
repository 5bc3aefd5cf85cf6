//! Refresh-token sessions: the session item (found by id alone) plus a ref in
//! the user's partition (found by user), written and deleted together.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;
use uuid::Uuid;

use super::expr::{self, Ex, Reader, b, key, n, s};
use super::items::{self, PROFILE, SESSION};
use super::{DynamoMetaStore, TTL_ATTRIBUTE, now};
use crate::store::meta::{RETIRED_HASHES_KEPT, SessionRecord, SessionRotation, SessionStore};
use crate::store::{Conflict, StoreError};

// Each method runs the function of the same name below.
#[async_trait]
impl SessionStore for DynamoMetaStore {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        create_session(self, session).await
    }

    async fn session(&self, user_id: Uuid, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        Ok(live_session(self, id)
            .await?
            .filter(|s| s.user_id == user_id))
    }

    async fn session_by_id(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        live_session(self, id).await
    }

    async fn rotate_session(
        &self,
        id: Uuid,
        current_hash: &[u8; 32],
        next: &SessionRotation,
    ) -> Result<bool, StoreError> {
        rotate_session(self, id, current_hash, next).await
    }

    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError> {
        retired_secret_hashes(self, id).await
    }

    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        delete_session(self, user_id, id).await
    }

    /// DynamoDB's TTL deletes expired sessions and their refs (enabled on
    /// `expires_at_ttl` when the table is provisioned), and reads delete the
    /// expired ones they meet; finding the rest here would take a full scan.
    async fn delete_expired_sessions(&self, _now: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        delete_sessions_except(self, user_id, keep).await
    }
}

/// The attribute holding a session's retired secret hashes.
const RETIRED: &str = "retired";

fn ref_key(user: Uuid, id: Uuid) -> expr::Item {
    key(items::user_pk(user), &items::session_ref_sk(id))
}

pub(super) async fn create_session(
    store: &DynamoMetaStore,
    session: &SessionRecord,
) -> Result<(), StoreError> {
    let table = &store.table;
    let mut reference = ref_key(session.user_id, session.id);
    reference.insert("type".to_owned(), s("session_ref"));
    reference.insert(
        TTL_ATTRIBUTE.to_owned(),
        n(session.expires_at.unix_timestamp()),
    );
    let ops = vec![
        // The user must exist (the SQLite store has a foreign key).
        expr::check(
            table,
            key(items::user_pk(session.user_id), PROFILE),
            Ex::new().cond("attribute_exists(#PK)").name("PK"),
        )?,
        expr::put(
            table,
            items::session_item(session),
            Ex::new().cond("attribute_not_exists(#PK)").name("PK"),
        )?,
        expr::put(table, reference, Ex::new())?,
    ];
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
        Err(failed) if failed.first() == Some(&true) => Err(StoreError::NotFound),
        Err(_) => Err(StoreError::Conflict(Conflict::Id)),
    }
}

/// The session if it exists and has not expired. TTL deletion is lazy (AWS
/// takes up to a few days; moto never does it), so an expired session met
/// here is deleted at once rather than left for TTL: this costs a write only
/// when an ended session is presented, and sweeping would need a scan.
pub(super) async fn live_session(
    store: &DynamoMetaStore,
    id: Uuid,
) -> Result<Option<SessionRecord>, StoreError> {
    let Some(item) = store.get(items::session_pk(id), SESSION).await? else {
        return Ok(None);
    };
    let session = items::session_from_item(&item)?;
    if session.expires_at > now() {
        return Ok(Some(session));
    }
    // The answer does not depend on the clean-up; TTL catches what fails here.
    if let Err(err) = delete_expired(store, &session).await {
        tracing::warn!(error = %err, "could not delete an expired session");
    }
    Ok(None)
}

/// Deletes an expired session and its ref, unless it has been renewed since.
async fn delete_expired(
    store: &DynamoMetaStore,
    session: &SessionRecord,
) -> Result<(), StoreError> {
    let table = &store.table;
    let ops = vec![
        expr::delete(
            table,
            key(items::session_pk(session.id), SESSION),
            Ex::new()
                .cond("#expires_at <= :now")
                .name("expires_at")
                .value(":now", n(now().unix_timestamp())),
        )?,
        expr::delete(table, ref_key(session.user_id, session.id), Ex::new())?,
    ];
    // Cancelled: already gone (TTL, log-out) or renewed. Either is fine.
    store.transact(ops).await?.ok();
    Ok(())
}

/// The retired hashes of a session item, newest first. `retired` holds them
/// end to end in one binary value, at most `RETIRED_HASHES_KEPT` × 32 bytes.
/// Items rotated before that bound hold an unordered (and unbounded) binary
/// set instead: read in any order, and trimmed at their next rotation.
fn retired_hashes(item: &expr::Item) -> Result<Vec<[u8; 32]>, StoreError> {
    let hash = |bytes: &[u8]| {
        <[u8; 32]>::try_from(bytes)
            .map_err(|_| StoreError::Corrupt("retired secret_hash has the wrong length".into()))
    };
    match item.get(RETIRED) {
        None => Ok(Vec::new()),
        Some(AttributeValue::B(joined)) => joined.as_ref().chunks(32).map(hash).collect(),
        Some(_) => Reader::new(item, "session")
            .byte_set(RETIRED)?
            .iter()
            .map(|bytes| hash(bytes))
            .collect(),
    }
}

/// `newest` followed by the newest of `older`, `RETIRED_HASHES_KEPT` in all,
/// joined for the `retired` attribute.
fn joined_retired(newest: &[u8; 32], older: &[[u8; 32]]) -> Vec<u8> {
    std::iter::once(newest)
        .chain(older)
        .take(RETIRED_HASHES_KEPT)
        .flatten()
        .copied()
        .collect()
}

/// Compare-and-swap on `secret_hash`. The new `retired` list is computed from
/// the item as read; the condition on `secret_hash` makes that safe, since
/// every other rotation changes it.
pub(super) async fn rotate_session(
    store: &DynamoMetaStore,
    id: Uuid,
    current_hash: &[u8; 32],
    next: &SessionRotation,
) -> Result<bool, StoreError> {
    let table = &store.table;
    let Some(item) = store.get(items::session_pk(id), SESSION).await? else {
        return Ok(false);
    };
    let reader = Reader::new(&item, "session");
    if reader.array::<32>("secret_hash")? != *current_hash {
        return Ok(false);
    }
    let user_id = reader.uuid("user_id")?;
    let retired = joined_retired(current_hash, &retired_hashes(&item)?);
    let expires = next.expires_at.unix_timestamp();
    let ops = vec![
        expr::update(
            table,
            key(items::session_pk(id), SESSION),
            Ex::new()
                .update(
                    "SET #secret_hash = :next, #wrapped_umk = :umk, #expires_at = :exp, \
                     #expires_at_ttl = :exp, #retired = :retired",
                )
                .cond("#secret_hash = :current")
                .name("secret_hash")
                .name("wrapped_umk")
                .name("expires_at")
                .name(TTL_ATTRIBUTE)
                .name(RETIRED)
                .value(":next", b(&next.secret_hash))
                .value(":umk", b(&next.wrapped_umk))
                .value(":exp", n(expires))
                .value(":retired", b(&retired))
                .value(":current", b(current_hash)),
        )?,
        expr::update(
            table,
            ref_key(user_id, id),
            Ex::new()
                .update("SET #expires_at_ttl = :exp")
                .name(TTL_ATTRIBUTE)
                .value(":exp", n(expires)),
        )?,
    ];
    Ok(store.transact(ops).await?.is_ok())
}

pub(super) async fn retired_secret_hashes(
    store: &DynamoMetaStore,
    id: Uuid,
) -> Result<Vec<[u8; 32]>, StoreError> {
    match store.get(items::session_pk(id), SESSION).await? {
        Some(item) => retired_hashes(&item),
        None => Ok(Vec::new()),
    }
}

pub(super) async fn delete_session(
    store: &DynamoMetaStore,
    user_id: Uuid,
    id: Uuid,
) -> Result<(), StoreError> {
    let table = &store.table;
    let ops = vec![
        expr::delete(
            table,
            key(items::session_pk(id), SESSION),
            Ex::new()
                .cond("#user_id = :user_id")
                .name("user_id")
                .value(":user_id", s(user_id.to_string())),
        )?,
        expr::delete(table, ref_key(user_id, id), Ex::new())?,
    ];
    // A session of someone else (or none at all) is left alone, like SQLite's
    // `DELETE ... WHERE user_id = ?`.
    store.transact(ops).await?.ok();
    Ok(())
}

pub(super) async fn delete_sessions_except(
    store: &DynamoMetaStore,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> Result<(), StoreError> {
    let table = &store.table;
    let refs = store
        .query_prefix(items::user_pk(user_id), items::SESSION_REF_PREFIX)
        .await?;
    let mut ops = Vec::new();
    for item in refs {
        let sk = Reader::new(&item, "session ref").s("SK")?;
        let id = sk
            .strip_prefix(items::SESSION_REF_PREFIX)
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("session ref {sk}")))?;
        if Some(id) == keep {
            continue;
        }
        ops.push(expr::delete(
            table,
            key(items::session_pk(id), SESSION),
            Ex::new(),
        )?);
        ops.push(expr::delete(table, ref_key(user_id, id), Ex::new())?);
    }
    store.transact_chunks(ops).await
}
