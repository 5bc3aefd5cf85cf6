//! App passwords: the item in its own partition (found by id alone, as the
//! password names no user) plus a ref in the user's partition (found by
//! user), written and deleted together, like sessions and shares.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::DynamoMetaStore;
use super::expr::{self, Ex, Item, Reader, b, key, n, s};
use super::items::{self, PROFILE};
use crate::store::meta::{AppPasswordRecord, AppPasswordStore};
use crate::store::{Conflict, StoreError};

/// The sort key of an app password item, and the prefix of its ref's.
const APP: &str = "APP";
pub(super) const APP_PREFIX: &str = "APP#";

fn app_key(id: Uuid) -> Item {
    key(format!("{APP_PREFIX}{id}"), APP)
}

fn ref_key(user: Uuid, id: Uuid) -> Item {
    key(items::user_pk(user), &format!("{APP_PREFIX}{id}"))
}

fn app_item(app: &AppPasswordRecord) -> Item {
    let mut item = app_key(app.id);
    let fields = [
        ("type", s("app_password")),
        ("id", s(app.id.to_string())),
        ("user_id", s(app.user_id.to_string())),
        ("name_ct", b(&app.name_ct)),
        ("secret_hash", b(&app.secret_hash)),
        ("wrapped_umk", b(&app.wrapped_umk)),
        ("read_only", n(u8::from(app.read_only))),
        ("created_at", n(app.created_at.unix_timestamp())),
    ];
    item.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    if let Some(at) = app.last_used_at {
        item.insert("last_used_at".to_owned(), n(at.unix_timestamp()));
    }
    item
}

fn app_from_item(item: &Item) -> Result<AppPasswordRecord, StoreError> {
    let r = Reader::new(item, "app password");
    Ok(AppPasswordRecord {
        id: r.uuid("id")?,
        user_id: r.uuid("user_id")?,
        name_ct: r.bytes("name_ct")?,
        secret_hash: r.array("secret_hash")?,
        wrapped_umk: r.bytes("wrapped_umk")?,
        read_only: r.flag("read_only")?,
        created_at: r.time("created_at")?,
        last_used_at: r.opt_time("last_used_at")?,
    })
}

/// A condition on an app password item: it exists and belongs to `user_id`.
fn owned_by(user_id: Uuid) -> Ex {
    Ex::new()
        .cond("#user_id = :user_id")
        .name("user_id")
        .value(":user_id", s(user_id.to_string()))
}

// Each method runs the function of the same name below, or is one call.
#[async_trait]
impl AppPasswordStore for DynamoMetaStore {
    async fn create_app_password(&self, app: &AppPasswordRecord) -> Result<(), StoreError> {
        create_app_password(self, app).await
    }

    async fn app_passwords(&self, user_id: Uuid) -> Result<Vec<AppPasswordRecord>, StoreError> {
        let keys = ref_ids(self, user_id)
            .await?
            .into_iter()
            .map(app_key)
            .collect();
        let mut apps = self
            .batch_get(keys)
            .await?
            .iter()
            .map(app_from_item)
            .collect::<Result<Vec<_>, _>>()?;
        // A ref is only ever written with its item; the filter is a second lock.
        apps.retain(|app| app.user_id == user_id);
        apps.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(apps)
    }

    async fn app_password_by_id(&self, id: Uuid) -> Result<Option<AppPasswordRecord>, StoreError> {
        let Some(item) = self.get(format!("{APP_PREFIX}{id}"), APP).await? else {
            return Ok(None);
        };
        app_from_item(&item).map(Some)
    }

    async fn touch_app_password(
        &self,
        user_id: Uuid,
        id: Uuid,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // The condition keeps a revoked password from coming back as a
        // half item; `false` (gone meanwhile) is fine.
        let ex = owned_by(user_id)
            .update("SET #last_used_at = :at")
            .name("last_used_at")
            .value(":at", n(at.unix_timestamp()));
        self.update_one(app_key(id), ex).await?;
        Ok(())
    }

    async fn delete_app_password(&self, user_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let ops = vec![
            expr::delete(&self.table, app_key(id), owned_by(user_id))?,
            expr::delete(&self.table, ref_key(user_id, id), Ex::new())?,
        ];
        // Cancelled: no such password, or someone else's (left alone).
        Ok(self.transact(ops).await?.is_ok())
    }

    async fn delete_app_passwords(&self, user_id: Uuid) -> Result<(), StoreError> {
        delete_app_passwords(self, user_id).await
    }
}

async fn create_app_password(
    store: &DynamoMetaStore,
    app: &AppPasswordRecord,
) -> Result<(), StoreError> {
    let table = &store.table;
    let mut reference = ref_key(app.user_id, app.id);
    reference.insert("type".to_owned(), s("app_password_ref"));
    let ops = vec![
        // The user must exist (the SQLite store has a foreign key).
        expr::check(
            table,
            key(items::user_pk(app.user_id), PROFILE),
            Ex::new().cond("attribute_exists(#PK)").name("PK"),
        )?,
        expr::put(
            table,
            app_item(app),
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

/// The ids the refs in the user's partition name.
async fn ref_ids(store: &DynamoMetaStore, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    store
        .query_prefix(items::user_pk(user_id), APP_PREFIX)
        .await?
        .iter()
        .map(|item| {
            let sk = Reader::new(item, "app password ref").s("SK")?;
            sk.strip_prefix(APP_PREFIX)
                .and_then(|id| Uuid::parse_str(id).ok())
                .ok_or_else(|| StoreError::Corrupt(format!("app password ref {sk}")))
        })
        .collect()
}

/// Deletes every app password of the user with its ref (recovery, and the
/// first step of account deletion).
pub(super) async fn delete_app_passwords(
    store: &DynamoMetaStore,
    user_id: Uuid,
) -> Result<(), StoreError> {
    let mut ops = Vec::new();
    for id in ref_ids(store, user_id).await? {
        // Unconditional: a ref in the user's partition is only ever written
        // with its item, and a pair stays in one chunk (chunks are even).
        ops.push(expr::delete(&store.table, app_key(id), Ex::new())?);
        ops.push(expr::delete(&store.table, ref_key(user_id, id), Ex::new())?);
    }
    store.transact_chunks(ops).await
}
