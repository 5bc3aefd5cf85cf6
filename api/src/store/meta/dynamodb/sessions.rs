//! Refresh-token sessions: the session item (found by id alone) plus a ref in
//! the user's partition (found by user), written and deleted together.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use uuid::Uuid;

use super::expr::{self, Ex, Reader, b, key, n, s};
use super::items::{self, PROFILE, SESSION};
use super::{DynamoMetaStore, TTL_ATTRIBUTE, now};
use crate::store::meta::{SessionRecord, SessionRotation, SessionStore};
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

    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        delete_sessions_except(self, user_id, keep).await
    }
}

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

/// The session if it exists and has not expired (TTL deletion is lazy).
pub(super) async fn live_session(
    store: &DynamoMetaStore,
    id: Uuid,
) -> Result<Option<SessionRecord>, StoreError> {
    let Some(item) = store.get(items::session_pk(id), SESSION).await? else {
        return Ok(None);
    };
    let session = items::session_from_item(&item)?;
    Ok((session.expires_at > now()).then_some(session))
}

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
    let user_id = Reader::new(&item, "session").uuid("user_id")?;
    let expires = next.expires_at.unix_timestamp();
    let ops = vec![
        expr::update(
            table,
            key(items::session_pk(id), SESSION),
            Ex::new()
                .update(
                    "SET #secret_hash = :next, #wrapped_umk = :umk, #expires_at = :exp, \
                     #expires_at_ttl = :exp ADD #retired :old",
                )
                .cond("#secret_hash = :current")
                .name("secret_hash")
                .name("wrapped_umk")
                .name("expires_at")
                .name(TTL_ATTRIBUTE)
                .name("retired")
                .value(":next", b(&next.secret_hash))
                .value(":umk", b(&next.wrapped_umk))
                .value(":exp", n(expires))
                .value(
                    ":old",
                    AttributeValue::Bs(vec![aws_sdk_dynamodb::primitives::Blob::new(
                        current_hash.to_vec(),
                    )]),
                )
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
    let Some(item) = store.get(items::session_pk(id), SESSION).await? else {
        return Ok(Vec::new());
    };
    Reader::new(&item, "session")
        .byte_set("retired")?
        .into_iter()
        .map(|hash| {
            hash.try_into()
                .map_err(|_| StoreError::Corrupt("retired secret_hash has the wrong length".into()))
        })
        .collect()
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
