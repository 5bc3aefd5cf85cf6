//! Accounts stored before emails and display names were sealed: written in
//! the old format behind the store's back (raw SQL on the version-3 schema,
//! raw `PutItem`s in a table without key check), then the store is opened.
//! They are sealed, found as before, and the old form is gone; opening again
//! changes nothing, and other keys are refused.

use aws_sdk_dynamodb::types::AttributeValue;
use strongroom_api::store::meta::dynamodb::DynamoMetaStore;
use strongroom_api::store::meta::sqlite::SqliteMetaStore;
use strongroom_api::store::meta::{MetaStore, SessionStore, UserRecord};
use strongroom_api::store::{Conflict, StoreError};
use time::Duration;
use uuid::Uuid;

use super::common::aws::{endpoint, sdk_config};
use super::common::legacy;
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
    legacy::write_sqlite_v3(&path, &old, Some(kept.id));

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

#[tokio::test]
async fn dynamodb_accounts_stored_in_clear_are_sealed_at_connect() {
    let sdk = sdk_config(&endpoint()).await;
    let settings = fresh_table();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let table = settings.table.clone();
    // A table as the previous version left it: no key check, and a profile
    // with its email and display name in clear, claimed by email.
    legacy::create_table(&client, &table).await;
    let old = old_user();
    legacy::put_dynamo_items(&client, &table, &old).await;

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
