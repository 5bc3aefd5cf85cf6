//! Accounts stored before emails and display names were sealed: written in
//! the old format behind the store's back (raw SQL on the version-3 schema,
//! raw `PutItem`s in a table without key check), then the store is opened.
//! They are sealed, found as before, and the old form is gone; opening again
//! changes nothing, and other keys are refused.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use rusqlite::params;
use strongroom_api::store::meta::dynamodb::DynamoMetaStore;
use strongroom_api::store::meta::sqlite::SqliteMetaStore;
use strongroom_api::store::meta::{MetaStore, SessionStore, UserRecord};
use strongroom_api::store::{Conflict, StoreError};
use time::Duration;
use uuid::Uuid;

use super::common::aws::{endpoint, sdk_config};
use super::{assert_conflict, fresh_table, new_user, profile_keys, session};

const EMAIL: &str = "marguerite.oldformat@example.com";
const NAME: &str = "Marguerite Oldformat";

fn old_user() -> UserRecord {
    UserRecord {
        email: EMAIL.to_owned(),
        display_name: Some(NAME.to_owned()),
        ..new_user(1000)
    }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn assert_sealed(dump: &[u8]) {
    assert!(!dump.is_empty());
    for needle in [EMAIL, "marguerite", "Marguerite", "Oldformat"] {
        assert!(!contains(dump, needle), "the store still holds {needle:?}");
    }
}

fn assert_foreign<T>(result: Result<T, StoreError>) {
    match result {
        Err(StoreError::ForeignSecret) => {}
        Err(other) => panic!("expected ForeignSecret, got {other:?}"),
        Ok(_) => panic!("expected ForeignSecret, got a store"),
    }
}

/// What a sealed old account answers: found by its email in any case, its
/// root and (on SQLite) its session kept, its email still its own.
async fn assert_found_as_before(store: &dyn MetaStore, old: &UserRecord) {
    let by_email = store.user_by_email(&EMAIL.to_uppercase()).await.unwrap();
    assert_eq!(by_email.as_ref(), Some(old));
    assert_eq!(store.user_by_id(old.id).await.unwrap().as_ref(), Some(old));
    assert_eq!(store.all_users().await.unwrap(), vec![old.clone()]);
    assert!(store.node(old.id, old.id).await.unwrap().is_some());
    let twin = UserRecord {
        id: Uuid::new_v4(),
        ..old.clone()
    };
    assert_conflict(store.create_user(&twin, None).await, Conflict::Email);
}

#[tokio::test]
async fn sqlite_accounts_stored_in_clear_are_sealed_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    let old = old_user();
    let kept = session(old.id, 3, Duration::days(1));
    write_version_3_database(&path, &old, kept.id);

    let store = SqliteMetaStore::open(&path, &profile_keys(1)).unwrap();
    assert_found_as_before(&store, &old).await;
    // The rebuilt users table took nothing with it.
    assert_eq!(
        store
            .session_by_id(kept.id)
            .await
            .unwrap()
            .map(|s| s.user_id),
        Some(old.id)
    );
    drop(store);
    let mut dump = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        dump.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    assert_sealed(&dump);

    let again = SqliteMetaStore::open(&path, &profile_keys(1)).unwrap();
    assert_found_as_before(&again, &old).await;
    drop(again);
    assert_foreign(SqliteMetaStore::open(&path, &profile_keys(2)));
}

/// The schema of steps 1 to 3 with one account, its session and (made by
/// step 2) its root folder, as the previous version wrote them.
fn write_version_3_database(path: &std::path::Path, old: &UserRecord, session: Uuid) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/001_accounts.sql"))
        .unwrap();
    let keys = &old.keys;
    conn.execute(
        "INSERT INTO users (id, email, display_name, password_hash, kek_salt, kek_params,
             wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes,
             used_bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)",
        params![
            old.id.as_bytes(),
            old.email,
            old.display_name,
            old.password_hash,
            &keys.kek_salt[..],
            keys.kek_params,
            keys.wrapped_umk,
            &keys.recovery_salt[..],
            keys.recovery_params,
            keys.recovery_wrapped_umk,
            old.quota_bytes as i64,
            old.created_at.unix_timestamp(),
        ],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO sessions (id, user_id, secret_hash, wrapped_umk, created_at, expires_at)
         VALUES (?1, ?2, ?3, x'00', 0, ?4)",
        params![
            session.as_bytes(),
            old.id.as_bytes(),
            &[3u8; 32][..],
            (old.created_at + Duration::days(1)).unix_timestamp()
        ],
    )
    .unwrap();
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/002_nodes.sql"))
        .unwrap();
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/003_limits.sql"))
        .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
}

#[tokio::test]
async fn dynamodb_accounts_stored_in_clear_are_sealed_at_connect() {
    let sdk = sdk_config(&endpoint()).await;
    let settings = fresh_table();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let table = settings.table.clone();
    // A table as the previous version left it: no key check, and a profile
    // with its email and display name in clear, claimed by email.
    DynamoMetaStore::connect(&sdk, &settings, true, &profile_keys(1))
        .await
        .unwrap();
    let check = [("PK", s("KEYCHECK")), ("SK", s("KEYCHECK"))];
    let delete = client.delete_item().table_name(&table);
    let delete = check.into_iter().fold(delete, |d, (k, v)| d.key(k, v));
    delete.send().await.unwrap();
    let old = old_user();
    for item in old_format_items(&old) {
        let put = client.put_item().table_name(&table);
        let put = item.into_iter().fold(put, |p, (k, v)| p.item(k, v));
        put.send().await.unwrap();
    }

    let store = DynamoMetaStore::connect(&sdk, &settings, true, &profile_keys(1))
        .await
        .unwrap();
    assert_found_as_before(&store, &old).await;
    let scan = client.scan().table_name(&table).send().await.unwrap();
    let mut dump = Vec::new();
    for item in scan.items() {
        assert!(!item.contains_key("email") && !item.contains_key("display_name"));
        for (name, value) in item {
            dump.extend_from_slice(name.as_bytes());
            match value {
                AttributeValue::S(v) | AttributeValue::N(v) => dump.extend_from_slice(v.as_bytes()),
                AttributeValue::B(v) => dump.extend_from_slice(v.as_ref()),
                _ => {}
            }
        }
    }
    assert_sealed(&dump);

    let again = DynamoMetaStore::connect(&sdk, &settings, false, &profile_keys(1))
        .await
        .unwrap();
    assert_found_as_before(&again, &old).await;
    assert_foreign(DynamoMetaStore::connect(&sdk, &settings, false, &profile_keys(2)).await);
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn b(bytes: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes.to_vec()))
}

/// The profile, email claim and root folder the previous version wrote.
fn old_format_items(old: &UserRecord) -> Vec<Vec<(&'static str, AttributeValue)>> {
    let id = old.id.to_string();
    let created = old.created_at.unix_timestamp();
    let keys = &old.keys;
    vec![
        vec![
            ("PK", s(format!("USER#{id}"))),
            ("SK", s("PROFILE")),
            ("type", s("user")),
            ("id", s(&id)),
            ("email", s(&old.email)),
            ("display_name", s(old.display_name.clone().unwrap())),
            ("password_hash", s(&old.password_hash)),
            ("kek_salt", b(&keys.kek_salt)),
            ("kek_params", s(&keys.kek_params)),
            ("wrapped_umk", b(&keys.wrapped_umk)),
            ("recovery_salt", b(&keys.recovery_salt)),
            ("recovery_params", s(&keys.recovery_params)),
            ("recovery_wrapped_umk", b(&keys.recovery_wrapped_umk)),
            ("quota_bytes", n(old.quota_bytes)),
            ("used_bytes", n(0)),
            ("remaining", n(old.quota_bytes)),
            ("created_at", n(created)),
        ],
        vec![
            ("PK", s(format!("EMAIL#{}", old.email))),
            ("SK", s("EMAIL")),
            ("type", s("email")),
            ("user_id", s(&id)),
        ],
        vec![
            ("PK", s(format!("USER#{id}"))),
            ("SK", s(format!("NODE#{id}"))),
            ("type", s("node")),
            ("id", s(&id)),
            ("user_id", s(&id)),
            ("kind", s("folder")),
            ("name_ct", b(&[])),
            ("name_mac", b(&[0; 32])),
            ("size", n(0)),
            ("created_at", n(created)),
            ("modified_at", n(created)),
        ],
    ]
}
