//! Users: profile, email claim, root folder; account deletion.

use async_trait::async_trait;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::expr::{self, Ex, Reader, key, n, s};
use super::items::{self, EMAIL, INVITE, PROFILE, SESSION, SESSION_REF_PREFIX, SHARE_PREFIX};
use super::state::{self, NodeState};
use super::{DynamoMetaStore, TTL_ATTRIBUTE};
use crate::store::meta::sealed;
use crate::store::meta::{InviteRecord, InviteUse, NodeRecord, UserKeys, UserRecord, UserStore};
use crate::store::{Conflict, StoreError};

// Each method runs the function of the same name below.
#[async_trait]
impl UserStore for DynamoMetaStore {
    async fn create_user(
        &self,
        user: &UserRecord,
        invite: Option<&InviteUse>,
    ) -> Result<(), StoreError> {
        create_user(self, user, invite).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        user_by_email(self, email).await
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        user_by_id(self, id).await
    }

    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError> {
        update_credentials(self, id, password_hash, keys).await
    }

    async fn upgrade_credentials(
        &self,
        id: Uuid,
        expected_hash: &str,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<bool, StoreError> {
        write_credentials(self, id, password_hash, keys, Some(expected_hash)).await
    }

    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError> {
        delete_user(self, id).await
    }

    async fn all_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let mut users = self
            .scan_sort_key(PROFILE)
            .await?
            .iter()
            .map(|item| items::user_from_item(item, &self.keys))
            .collect::<Result<Vec<_>, _>>()?;
        users.sort_by(|a, b| (a.created_at, &a.email).cmp(&(b.created_at, &b.email)));
        Ok(users)
    }

    async fn set_disabled(&self, id: Uuid, disabled: bool) -> Result<(), StoreError> {
        let ex = Ex::new()
            .cond("attribute_exists(#PK)")
            .name("PK")
            .name("disabled")
            .update("SET #disabled = :disabled")
            .value(":disabled", n(u8::from(disabled)));
        match self.update_one(items::profile_key(id), ex).await? {
            true => Ok(()),
            false => Err(StoreError::NotFound),
        }
    }

    async fn set_quota(&self, id: Uuid, quota_bytes: u64) -> Result<(), StoreError> {
        // `remaining` follows the quota: conditions allow no arithmetic, so the
        // used bytes are read and the update holds only while they stay.
        for _ in 0..5 {
            let user = user_by_id(self, id).await?.ok_or(StoreError::NotFound)?;
            let remaining = i128::from(quota_bytes) - i128::from(user.used_bytes);
            let ex = Ex::new()
                .cond("#used_bytes = :used")
                .name("used_bytes")
                .name("quota_bytes")
                .name("remaining")
                .update("SET #quota_bytes = :quota, #remaining = :remaining")
                .value(":used", n(user.used_bytes))
                .value(":quota", n(quota_bytes))
                .value(":remaining", n(remaining));
            if self.update_one(items::profile_key(id), ex).await? {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable(
            "the account's usage kept changing while setting its quota".to_owned(),
        ))
    }

    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let mut item = key(items::invite_pk(&invite.code_hash), INVITE);
        item.extend([
            ("type".to_owned(), s("invite")),
            (
                "created_at".to_owned(),
                n(invite.created_at.unix_timestamp()),
            ),
            (
                "expires_at".to_owned(),
                n(invite.expires_at.unix_timestamp()),
            ),
            (
                TTL_ATTRIBUTE.to_owned(),
                n(invite.expires_at.unix_timestamp()),
            ),
        ]);
        match self
            .put_one(item, Ex::new().cond(NOT_EXISTS).name("PK"))
            .await?
        {
            true => Ok(()),
            false => Err(StoreError::Conflict(Conflict::Id)),
        }
    }
}

const NOT_EXISTS: &str = "attribute_not_exists(#PK)";

pub(super) async fn create_user(
    store: &DynamoMetaStore,
    user: &UserRecord,
    invite: Option<&InviteUse>,
) -> Result<(), StoreError> {
    let table = &store.table;
    let root = NodeRecord {
        id: user.id,
        user_id: user.id,
        parent_id: None,
        kind: NodeKind::Folder,
        name_ct: Vec::new(),
        name_mac: [0; 32],
        size: 0,
        object_id: None,
        created_at: user.created_at,
        modified_at: user.created_at,
        binding: None,
    };
    let profile = sealed::seal(
        &store.keys,
        user.id,
        &user.email,
        user.display_name.as_deref(),
    );
    let not_exists = || Ex::new().cond(NOT_EXISTS).name("PK");
    let mut ops = vec![
        expr::put(
            table,
            items::claim_item(
                key(items::email_pk(&profile.email_index), EMAIL),
                "email",
                "user_id",
                user.id,
            ),
            not_exists(),
        )?,
        expr::put(table, items::user_item(user, &profile), not_exists())?,
        expr::put(table, items::node_item(&root), not_exists())?,
    ];
    // [email claim, profile, root, invite?]: the invite goes with the account.
    if let Some(invite) = invite {
        ops.push(expr::delete(
            table,
            key(items::invite_pk(&invite.code_hash), INVITE),
            Ex::new()
                .cond("#expires_at > :now")
                .name("expires_at")
                .value(":now", n(invite.now.unix_timestamp())),
        )?);
    }
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
        // An unusable invite first: who holds none learns nothing of emails.
        Err(failed) if failed.get(3) == Some(&true) => Err(StoreError::InviteUnusable),
        Err(failed) if failed.first() == Some(&true) => Err(StoreError::Conflict(Conflict::Email)),
        Err(_) => Err(StoreError::Conflict(Conflict::Id)),
    }
}

pub(super) async fn user_by_id(
    store: &DynamoMetaStore,
    id: Uuid,
) -> Result<Option<UserRecord>, StoreError> {
    store
        .get(items::user_pk(id), PROFILE)
        .await?
        .map(|item| items::user_from_item(&item, &store.keys))
        .transpose()
}

pub(super) async fn user_by_email(
    store: &DynamoMetaStore,
    email: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let email = sealed::normalized(email);
    let index = store.keys.email_index(&email);
    let Some(claim) = store.get(items::email_pk(&index), EMAIL).await? else {
        return Ok(None);
    };
    let id = Reader::new(&claim, "email claim").uuid("user_id")?;
    Ok(user_by_id(store, id).await?.filter(|u| u.email == email))
}

pub(super) async fn update_credentials(
    store: &DynamoMetaStore,
    id: Uuid,
    password_hash: &str,
    keys: &UserKeys,
) -> Result<(), StoreError> {
    match write_credentials(store, id, password_hash, keys, None).await? {
        true => Ok(()),
        false => Err(StoreError::NotFound),
    }
}

/// Writes the password hash and key wraps, if the user exists and (with
/// `expected`) still has that hash; `false` otherwise.
pub(super) async fn write_credentials(
    store: &DynamoMetaStore,
    id: Uuid,
    password_hash: &str,
    keys: &UserKeys,
    expected: Option<&str>,
) -> Result<bool, StoreError> {
    let mut ex = Ex::new()
        .name("PK")
        .name("password_hash")
        .value(":password_hash", s(password_hash));
    ex = match expected {
        Some(old) => ex
            .cond("attribute_exists(#PK) AND #password_hash = :expected")
            .value(":expected", s(old)),
        None => ex.cond("attribute_exists(#PK)"),
    };
    let mut sets = vec!["#password_hash = :password_hash".to_owned()];
    for (attr, value) in items::keys_attributes(keys) {
        sets.push(format!("#{attr} = :{attr}"));
        ex = ex.name(&attr).value(&format!(":{attr}"), value);
    }
    let ex = ex.update(format!("SET {}", sets.join(", ")));
    store.update_one(items::profile_key(id), ex).await
}

/// The session a ref in the user's partition names, which goes with the ref.
fn referenced_session(sk: &str) -> Result<Option<expr::Item>, StoreError> {
    let Some(session) = sk.strip_prefix(SESSION_REF_PREFIX) else {
        return Ok(None);
    };
    let id =
        Uuid::parse_str(session).map_err(|_| StoreError::Corrupt(format!("session ref {sk}")))?;
    Ok(Some(key(items::session_pk(id), SESSION)))
}

/// The share a ref in the user's partition names, if it is a share ref.
fn referenced_share(sk: &str) -> Result<Option<Uuid>, StoreError> {
    sk.strip_prefix(SHARE_PREFIX)
        .map(|id| Uuid::parse_str(id).map_err(|_| StoreError::Corrupt(format!("share ref {sk}"))))
        .transpose()
}

/// Sessions and shares first, then profile and email claim (one
/// transaction: the wrapped keys are gone and the email is free at once),
/// then everything else of the user. Run again after an interruption, it
/// finishes the clean-up.
pub(super) async fn delete_user(store: &DynamoMetaStore, id: Uuid) -> Result<(), StoreError> {
    let table = &store.table;
    // Sessions first: whichever later step fails, no session is left that
    // could be refreshed or could authenticate a request. One started by a
    // log-in meanwhile cannot refresh once the profile is gone, and goes
    // with the rest below.
    super::sessions::delete_sessions_except(store, id, None).await?;
    // App passwords likewise: no credential outlives the first steps.
    super::app_passwords::delete_app_passwords(store, id).await?;
    // Shares next, for the same reason: no link opens anything from here on.
    super::shares::delete_shares_of(store, id).await?;
    // The claim is found by the stored index: even a profile that no longer
    // opens can be deleted.
    if let Some(profile) = store.get(items::user_pk(id), PROFILE).await? {
        let index = Reader::new(&profile, "user").array("email_index")?;
        let ops = vec![
            expr::delete(
                table,
                items::profile_key(id),
                Ex::new().cond("attribute_exists(#PK)").name("PK"),
            )?,
            expr::delete(
                table,
                key(items::email_pk(&index), EMAIL),
                Ex::new()
                    .cond("#user_id = :user_id")
                    .name("user_id")
                    .value(":user_id", s(id.to_string())),
            )?,
        ];
        if let Err(failed) = store.transact(ops).await? {
            return Err(if failed.first() == Some(&true) {
                StoreError::NotFound
            } else {
                StoreError::Corrupt(format!("the email claim of user {id} is missing"))
            });
        }
    } else if store.query_prefix(items::user_pk(id), "").await?.is_empty() {
        return Err(StoreError::NotFound);
    }
    // Whatever was written concurrently is caught by the next round.
    for _ in 0..5 {
        let rest = store.query_prefix(items::user_pk(id), "").await?;
        if rest.is_empty() {
            return Ok(());
        }
        let mut ops = Vec::with_capacity(rest.len());
        let mut shares = Vec::new();
        for item in rest {
            let sk = Reader::new(&item, "item").s("SK")?;
            // A share goes with its entries and its ref, in that order.
            if let Some(share) = referenced_share(sk)? {
                shares.push(share);
                continue;
            }
            if let Some(session) = referenced_session(sk)? {
                ops.push(expr::delete(table, session, Ex::new())?);
            }
            // A trash item's queue item goes with it (the sweeper would skip
            // it anyway, its node being gone; nor does a node it cannot read
            // stop the deletion).
            let trashed = sk
                .starts_with(items::NODE_PREFIX)
                .then(|| NodeState::from_item(&item).ok()?.trashed())
                .flatten();
            if let Some(trashed) = trashed {
                ops.push(expr::delete(
                    table,
                    state::queue_key(trashed.trashed_at, id, trashed.node.id),
                    Ex::new(),
                )?);
            }
            ops.push(expr::delete(table, key(items::user_pk(id), sk), Ex::new())?);
        }
        super::shares::delete_shares(store, id, &shares).await?;
        store.transact_chunks(ops).await?;
    }
    Err(StoreError::Unavailable(format!(
        "user {id} keeps gaining items while being deleted"
    )))
}
