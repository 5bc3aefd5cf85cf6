//! Users: profile, email claim, root folder; account deletion.

use async_trait::async_trait;
use strongroom_shared::NodeKind;
use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Reader, key, s};
use super::items::{self, EMAIL, PROFILE, SESSION, SESSION_REF_PREFIX};
use crate::store::meta::{NodeRecord, UserKeys, UserRecord, UserStore};
use crate::store::{Conflict, StoreError};

// Each method runs the function of the same name below.
#[async_trait]
impl UserStore for DynamoMetaStore {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        create_user(self, user).await
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

    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError> {
        delete_user(self, id).await
    }
}

const NOT_EXISTS: &str = "attribute_not_exists(#PK)";

pub(super) async fn create_user(
    store: &DynamoMetaStore,
    user: &UserRecord,
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
    };
    let not_exists = || Ex::new().cond(NOT_EXISTS).name("PK");
    let ops = vec![
        expr::put(
            table,
            items::claim_item(
                key(items::email_pk(&user.email), EMAIL),
                "email",
                "user_id",
                user.id,
            ),
            not_exists(),
        )?,
        expr::put(table, items::user_item(user), not_exists())?,
        expr::put(table, items::node_item(&root), not_exists())?,
    ];
    match store.transact(ops).await? {
        Ok(()) => Ok(()),
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
        .map(|item| items::user_from_item(&item))
        .transpose()
}

pub(super) async fn user_by_email(
    store: &DynamoMetaStore,
    email: &str,
) -> Result<Option<UserRecord>, StoreError> {
    let Some(claim) = store.get(items::email_pk(email), EMAIL).await? else {
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
    let mut ex = Ex::new()
        .cond("attribute_exists(#PK)")
        .name("PK")
        .name("password_hash")
        .value(":password_hash", s(password_hash));
    let mut sets = vec!["#password_hash = :password_hash".to_owned()];
    for (attr, value) in items::keys_attributes(keys) {
        sets.push(format!("#{attr} = :{attr}"));
        ex = ex.name(&attr).value(&format!(":{attr}"), value);
    }
    let ex = ex.update(format!("SET {}", sets.join(", ")));
    let result = store
        .client
        .update_item()
        .table_name(&store.table)
        .set_key(Some(items::profile_key(id)))
        .set_update_expression(ex.update_expression())
        .set_condition_expression(ex.condition())
        .set_expression_attribute_names(ex.names())
        .set_expression_attribute_values(ex.values())
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
        {
            Err(StoreError::NotFound)
        }
        Err(err) => Err(store.sdk_err("UpdateItem", err)),
    }
}

/// Profile and email claim first (one transaction: the wrapped keys are gone
/// and the email is free at once), then everything else of the user. Run
/// again after an interruption, it finishes the clean-up.
pub(super) async fn delete_user(store: &DynamoMetaStore, id: Uuid) -> Result<(), StoreError> {
    let table = &store.table;
    if let Some(user) = user_by_id(store, id).await? {
        let ops = vec![
            expr::delete(
                table,
                items::profile_key(id),
                Ex::new().cond("attribute_exists(#PK)").name("PK"),
            )?,
            expr::delete(
                table,
                key(items::email_pk(&user.email), EMAIL),
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
        for item in rest {
            let sk = Reader::new(&item, "item").s("SK")?;
            if let Some(session) = sk.strip_prefix(SESSION_REF_PREFIX) {
                let session = Uuid::parse_str(session)
                    .map_err(|_| StoreError::Corrupt(format!("session ref {sk}")))?;
                ops.push(expr::delete(
                    table,
                    key(items::session_pk(session), SESSION),
                    Ex::new(),
                )?);
            }
            ops.push(expr::delete(table, key(items::user_pk(id), sk), Ex::new())?);
        }
        store.transact_chunks(ops).await?;
    }
    Err(StoreError::Unavailable(format!(
        "user {id} keeps gaining items while being deleted"
    )))
}
