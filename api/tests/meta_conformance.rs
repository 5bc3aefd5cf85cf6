//! One conformance suite for every `MetaStore`: each test below runs against
//! the embedded SQLite store (temp folder) and against the DynamoDB store on a
//! local protocol server (moto), with a fresh table per test.
//!
//! The DynamoDB half needs `STRONGROOM_TEST_AWS_ENDPOINT`, e.g.
//! `moto_server -H 127.0.0.1 -p 5522 &` and
//! `STRONGROOM_TEST_AWS_ENDPOINT=http://127.0.0.1:5522`. Without it those tests
//! fail (they never skip silently).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "meta_conformance/app_passwords.rs"]
mod app_passwords;
#[path = "common/mod.rs"]
mod common;
#[path = "meta_conformance/crashes.rs"]
mod crashes;
#[path = "meta_conformance/limits.rs"]
mod limits;
#[path = "meta_conformance/listing.rs"]
mod listing;
#[path = "meta_conformance/props.rs"]
mod props;
#[path = "meta_conformance/sealed.rs"]
mod sealed;
#[path = "meta_conformance/sessions.rs"]
mod sessions;
#[path = "meta_conformance/shares.rs"]
mod shares;
#[path = "meta_conformance/trash.rs"]
mod trash;
#[path = "meta_conformance/versions.rs"]
mod versions;

use app_passwords::*;
use common::aws::{endpoint, sdk_config};
use common::raw_meta::RawMeta;
use crashes::*;
use limits::*;
use listing::*;
use props::*;
use sessions::*;
use shares::*;
use trash::*;
use versions::*;

use std::collections::BTreeSet;

use strongroom_api::config::DynamoSettings;
use strongroom_api::crypto::keys::{Key32, ProfileKeys};
use strongroom_api::store::meta::dynamodb::DynamoMetaStore;
use strongroom_api::store::meta::sqlite::SqliteMetaStore;
use strongroom_api::store::meta::{
    FileCommit, MetaStore, NodeRecord, NodeUpdate, SessionRecord, SessionRotation, UserKeys,
    UserRecord,
};
use strongroom_api::store::{Conflict, StoreError};
use strongroom_shared::NodeKind;
use tempfile::TempDir;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// No node limit to speak of, for the cases that are not about it.
const MAX: u64 = u64::MAX / 4;
// ---------------------------------------------------------------------------
// Harness

struct Harness {
    store: Box<dyn MetaStore>,
    /// The same store, read and damaged behind its back.
    raw: RawMeta,
    _dir: Option<TempDir>,
}

/// The keys a server with token secret `[byte; 32]` seals accounts with.
fn profile_keys(byte: u8) -> ProfileKeys {
    ProfileKeys::derive(&Key32::from_bytes([byte; 32]))
}

async fn sqlite_store() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meta.db");
    let store = SqliteMetaStore::open(&path, &profile_keys(1)).unwrap();
    Harness {
        store: Box::new(store),
        raw: RawMeta::sqlite(&path),
        _dir: Some(dir),
    }
}

fn fresh_table() -> DynamoSettings {
    DynamoSettings {
        table: format!("strongroom-test-{}", Uuid::new_v4().simple()),
    }
}

async fn dynamo_store() -> Harness {
    let endpoint = endpoint();
    let sdk = sdk_config(&endpoint).await;
    let settings = fresh_table();
    let store = DynamoMetaStore::connect(&sdk, &settings, true, &profile_keys(1))
        .await
        .expect("connect to DynamoDB and create the table")
        // Small pages so that listings cross page boundaries.
        .with_page_size(25);
    Harness {
        store: Box::new(store),
        raw: RawMeta::dynamo(&endpoint, &settings.table).await,
        _dir: None,
    }
}

/// Declares each test once per backend; those listed after `raw:` also get
/// the store's `RawMeta`. Those after `dynamodb_raw:` (with a `RawMeta`)
/// run on DynamoDB only: the states they write cannot exist on SQLite.
macro_rules! conformance {
    ($($name:ident),* $(,)? ; raw: $($raw:ident),* $(,)?
     ; dynamodb_raw: $($dynamo_raw:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let harness = super::sqlite_store().await;
                    super::$name(harness.store.as_ref()).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $raw() {
                    let harness = super::sqlite_store().await;
                    super::$raw(harness.store.as_ref(), &harness.raw).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $name() {
                    let harness = super::dynamo_store().await;
                    super::$name(harness.store.as_ref()).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $raw() {
                    let harness = super::dynamo_store().await;
                    super::$raw(harness.store.as_ref(), &harness.raw).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $dynamo_raw() {
                    let harness = super::dynamo_store().await;
                    super::$dynamo_raw(harness.store.as_ref(), &harness.raw).await;
                }
            )*
        }
    };
}

conformance!(
    users_root_and_unique_email,
    update_credentials,
    sessions_lookup_expiry_and_deletion,
    session_rotation_is_compare_and_swap,
    create_folder_rules,
    commit_new_file_and_quota,
    commit_overwrite,
    bindings_are_set_once,
    tree_queries,
    listing_spans_several_pages,
    rename_and_move,
    move_rules,
    delete_nested_tree,
    delete_large_subtree,
    objects,
    delete_user_removes_everything,
    invites_are_single_use_and_expire,
    attempts_count_lock_and_are_forgotten,
    the_node_limit_counts_files_and_folders,
    administrator_changes,
    shares_round_trip,
    shares_need_a_node_of_the_user,
    shares_are_listed_newest_first_per_user_and_node,
    shares_are_resealed_and_revoked_by_their_owner,
    downloads_are_counted_atomically,
    share_entries_round_trip,
    share_entries_are_deleted_per_node,
    trash_hides_a_subtree_and_frees_its_name,
    trash_lists_newest_first,
    restore_puts_a_subtree_back,
    restore_refusals_change_nothing,
    nested_trash_items_are_independent,
    purge_releases_everything,
    trashed_before_is_oldest_first_across_users,
    nothing_enters_the_trash,
    trash_ends_the_shares_of_the_subtree,
    delete_user_takes_the_trash_and_versions,
    overwrites_keep_the_newest_versions,
    keeping_no_versions,
    quota_counts_the_content_kept,
    restore_version_swaps_the_contents,
    delete_version_releases_its_quota,
    delete_node_takes_the_versions,
    app_passwords_round_trip,
    app_passwords_are_listed_newest_first_per_user,
    app_passwords_are_touched_and_revoked_by_their_owner,
    app_passwords_go_all_at_once_and_with_the_account,
    props_are_set_replaced_and_cleared,
    props_belong_to_a_live_node_of_the_user,
    props_follow_renames_and_moves,
    props_are_hidden_in_the_trash,
    props_of_many_nodes_come_in_one_call,
    every_child_change_raises_the_listing_version,
    listing_versions_belong_to_their_user,
    folder_versions_are_those_of_the_live_folders,
    children_since_tells_what_changed;
    raw:
    many_rotations_keep_the_session_small,
    expired_sessions_are_deleted,
    interrupted_account_deletion_leaves_no_session,
    account_deletion_finishes_after_a_crash,
    shares_go_with_their_node,
    a_share_of_a_lost_node_is_hidden,
    shares_go_with_the_account,
    many_share_entries,
    share_entries_go_with_their_share,
    share_entries_go_with_the_account,
    share_entries_of_a_deleted_node,
    props_go_with_their_node;
    dynamodb_raw:
    a_crash_after_marking_hides_nothing,
    a_crash_after_a_restore_leaves_it_live,
    a_crash_in_a_version_rotation_leaves_claims,
);

// ---------------------------------------------------------------------------
// Fixtures

/// Stores keep Unix seconds.
fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

fn keys(tag: u8) -> UserKeys {
    UserKeys {
        kek_salt: [tag; 16],
        kek_params: format!("m=19456,t=2,p=1;{tag}"),
        wrapped_umk: vec![tag; 60],
        recovery_salt: [tag.wrapping_add(1); 16],
        recovery_params: "m=19456,t=2,p=1".to_owned(),
        recovery_wrapped_umk: vec![tag.wrapping_add(2); 60],
    }
}

fn new_user(quota: u64) -> UserRecord {
    let id = Uuid::new_v4();
    UserRecord {
        id,
        email: format!("user-{}@example.com", id.simple()),
        display_name: Some("Ada".to_owned()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        keys: keys(7),
        quota_bytes: quota,
        used_bytes: 0,
        created_at: now(),
        disabled: false,
    }
}

async fn user(store: &dyn MetaStore, quota: u64) -> UserRecord {
    let user = new_user(quota);
    store.create_user(&user, None).await.unwrap();
    user
}

/// A stand-in for the keyed MAC of a name: distinct names, distinct MACs.
fn mac(name: &str) -> [u8; 32] {
    let mut mac = [0u8; 32];
    for (i, byte) in name.bytes().enumerate() {
        mac[i % 32] ^= byte.rotate_left(i as u32 / 32);
    }
    mac[31] ^= name.len() as u8;
    mac
}

fn folder(user: Uuid, parent: Uuid, name: &str) -> NodeRecord {
    NodeRecord {
        id: Uuid::new_v4(),
        user_id: user,
        parent_id: Some(parent),
        kind: NodeKind::Folder,
        name_ct: format!("ct:{name}").into_bytes(),
        name_mac: mac(name),
        size: 0,
        object_id: None,
        created_at: now(),
        modified_at: now(),
        binding: None,
    }
}

fn file(user: Uuid, parent: Uuid, name: &str, size: u64) -> NodeRecord {
    let object = Uuid::new_v4();
    NodeRecord {
        kind: NodeKind::File,
        size,
        object_id: Some(object),
        // Not a real MAC (the store never checks one): distinct per record.
        binding: Some(*Uuid::new_v4().as_bytes()).map(|half| {
            let mut b = [0u8; 32];
            b[..16].copy_from_slice(&half);
            b[16..].copy_from_slice(object.as_bytes());
            b
        }),
        ..folder(user, parent, name)
    }
}

/// A new upload replacing `old`: the record names `old`'s id, as the vault's do.
fn replacing(old: &NodeRecord, size: u64) -> NodeRecord {
    NodeRecord {
        id: old.id,
        ..file(old.user_id, old.parent_id.unwrap(), "report", size)
    }
}

async fn mkdir(store: &dyn MetaStore, user: Uuid, parent: Uuid, name: &str) -> NodeRecord {
    let node = folder(user, parent, name);
    store.create_folder(&node, MAX).await.unwrap();
    node
}

async fn put_file(
    store: &dyn MetaStore,
    user: Uuid,
    parent: Uuid,
    name: &str,
    size: u64,
) -> NodeRecord {
    let node = file(user, parent, name, size);
    assert_eq!(
        store.commit_file(&node, false, MAX, 0).await.unwrap(),
        FileCommit::Created(node.clone())
    );
    node
}

async fn used(store: &dyn MetaStore, user: Uuid) -> u64 {
    store.user_by_id(user).await.unwrap().unwrap().used_bytes
}

fn session(user: Uuid, hash: u8, expires_in: Duration) -> SessionRecord {
    SessionRecord {
        id: Uuid::new_v4(),
        user_id: user,
        secret_hash: [hash; 32],
        wrapped_umk: vec![hash; 48],
        created_at: now(),
        expires_at: now() + expires_in,
    }
}

fn ids(nodes: &[NodeRecord]) -> BTreeSet<Uuid> {
    nodes.iter().map(|n| n.id).collect()
}

fn rename(parent: Uuid, name: &str) -> NodeUpdate {
    NodeUpdate {
        parent_id: parent,
        name_ct: format!("ct:{name}").into_bytes(),
        name_mac: mac(name),
        modified_at: now() + Duration::seconds(5),
    }
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, on: Conflict) {
    match result {
        Err(StoreError::Conflict(what)) if what == on => {}
        other => panic!("expected Conflict({on:?}), got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "expected NotFound, got {result:?}"
    );
}

fn assert_invalid_move<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::InvalidMove)),
        "expected InvalidMove, got {result:?}"
    );
}

fn assert_quota<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::QuotaExceeded)),
        "expected QuotaExceeded, got {result:?}"
    );
}

// ---------------------------------------------------------------------------
// Users

async fn users_root_and_unique_email(store: &dyn MetaStore) {
    store.ping().await.unwrap();
    let ada = new_user(1000);
    store.create_user(&ada, None).await.unwrap();
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), Some(ada.clone()));
    assert_eq!(
        store.user_by_email(&ada.email).await.unwrap(),
        Some(ada.clone())
    );
    assert_eq!(
        store.user_by_email("nobody@example.com").await.unwrap(),
        None
    );
    assert_eq!(store.user_by_id(Uuid::new_v4()).await.unwrap(), None);

    // The root folder came with the user: id = user id, no parent, no name.
    let root = store.node(ada.id, ada.id).await.unwrap().unwrap();
    assert_eq!(root.kind, NodeKind::Folder);
    assert_eq!(root.parent_id, None);
    assert_eq!(root.user_id, ada.id);
    assert!(root.name_ct.is_empty());
    assert_eq!(store.children(ada.id, ada.id).await.unwrap(), vec![]);
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![]);
    assert_eq!(store.ancestors(ada.id, ada.id).await.unwrap(), vec![root]);

    // A second user without a display name round-trips too.
    let bob = UserRecord {
        display_name: None,
        ..new_user(5)
    };
    store.create_user(&bob, None).await.unwrap();
    assert_eq!(store.user_by_id(bob.id).await.unwrap(), Some(bob.clone()));

    // Same email, other id: refused, and nothing of the newcomer was written.
    let copy = UserRecord {
        id: Uuid::new_v4(),
        ..ada.clone()
    };
    assert_conflict(store.create_user(&copy, None).await, Conflict::Email);
    assert_eq!(store.user_by_id(copy.id).await.unwrap(), None);
    assert_eq!(store.node(copy.id, copy.id).await.unwrap(), None);
    assert_eq!(
        store.user_by_email(&ada.email).await.unwrap().unwrap().id,
        ada.id
    );
    // Nodes are scoped to their owner.
    assert_eq!(store.node(bob.id, ada.id).await.unwrap(), None);
}

async fn update_credentials(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    store
        .update_credentials(ada.id, "$argon2id$new", &keys(42))
        .await
        .unwrap();
    let read = store.user_by_id(ada.id).await.unwrap().unwrap();
    assert_eq!(read.password_hash, "$argon2id$new");
    assert_eq!(read.keys, keys(42));
    assert_eq!(
        read,
        UserRecord {
            password_hash: "$argon2id$new".to_owned(),
            keys: keys(42),
            ..ada
        }
    );
    assert_not_found(
        store
            .update_credentials(Uuid::new_v4(), "x", &keys(1))
            .await,
    );

    // An upgrade only replaces the hash it was made from.
    assert!(
        !store
            .upgrade_credentials(ada.id, "$argon2id$old", "$argon2id$up", &keys(43))
            .await
            .unwrap()
    );
    let unchanged = store.user_by_id(ada.id).await.unwrap().unwrap();
    assert_eq!(unchanged, read);
    assert!(
        store
            .upgrade_credentials(ada.id, "$argon2id$new", "$argon2id$up", &keys(43))
            .await
            .unwrap()
    );
    let upgraded = store.user_by_id(ada.id).await.unwrap().unwrap();
    assert_eq!(
        (upgraded.password_hash.as_str(), upgraded.keys),
        ("$argon2id$up", keys(43))
    );
    assert!(
        !store
            .upgrade_credentials(Uuid::new_v4(), "$argon2id$up", "x", &keys(1))
            .await
            .unwrap()
    );
}

// ---------------------------------------------------------------------------
// Sessions

async fn sessions_lookup_expiry_and_deletion(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let live = session(ada.id, 1, Duration::days(1));
    let expired = session(ada.id, 2, Duration::seconds(-10));
    store.create_session(&live).await.unwrap();
    store.create_session(&expired).await.unwrap();

    assert_eq!(
        store.session(ada.id, live.id).await.unwrap(),
        Some(live.clone())
    );
    assert_eq!(
        store.session_by_id(live.id).await.unwrap(),
        Some(live.clone())
    );
    // Scoped to the user; expired sessions are invisible.
    assert_eq!(store.session(bob.id, live.id).await.unwrap(), None);
    assert_eq!(store.session(ada.id, expired.id).await.unwrap(), None);
    assert_eq!(store.session_by_id(expired.id).await.unwrap(), None);
    assert_eq!(store.session_by_id(Uuid::new_v4()).await.unwrap(), None);

    // A session for a user that does not exist is refused.
    assert!(
        store
            .create_session(&session(Uuid::new_v4(), 3, Duration::days(1)))
            .await
            .is_err()
    );

    // Deleting someone else's session does nothing.
    store.delete_session(bob.id, live.id).await.unwrap();
    assert!(store.session_by_id(live.id).await.unwrap().is_some());
    store.delete_session(ada.id, live.id).await.unwrap();
    assert_eq!(store.session_by_id(live.id).await.unwrap(), None);
    store.delete_session(ada.id, live.id).await.unwrap();

    // Ending all sessions but one.
    let keep = session(ada.id, 4, Duration::days(1));
    let other = session(ada.id, 5, Duration::days(1));
    let bobs = session(bob.id, 6, Duration::days(1));
    for s in [&keep, &other, &bobs] {
        store.create_session(s).await.unwrap();
    }
    store
        .delete_sessions_except(ada.id, Some(keep.id))
        .await
        .unwrap();
    assert!(store.session_by_id(keep.id).await.unwrap().is_some());
    assert_eq!(store.session_by_id(other.id).await.unwrap(), None);
    assert!(store.session_by_id(bobs.id).await.unwrap().is_some());
    store.delete_sessions_except(ada.id, None).await.unwrap();
    assert_eq!(store.session_by_id(keep.id).await.unwrap(), None);
    assert!(store.session_by_id(bobs.id).await.unwrap().is_some());
}

async fn session_rotation_is_compare_and_swap(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let s = session(ada.id, 1, Duration::hours(1));
    store.create_session(&s).await.unwrap();
    assert!(store.retired_secret_hashes(s.id).await.unwrap().is_empty());

    let next = SessionRotation {
        secret_hash: [2; 32],
        wrapped_umk: vec![2; 48],
        expires_at: now() + Duration::days(2),
    };
    assert!(store.rotate_session(s.id, &[1; 32], &next).await.unwrap());
    let read = store.session_by_id(s.id).await.unwrap().unwrap();
    assert_eq!(
        read,
        SessionRecord {
            secret_hash: [2; 32],
            wrapped_umk: vec![2; 48],
            expires_at: next.expires_at,
            ..s.clone()
        }
    );
    // The old secret lost the race / is replayed: refused, nothing changes.
    let stale = SessionRotation {
        secret_hash: [3; 32],
        wrapped_umk: vec![3; 48],
        expires_at: now() + Duration::days(3),
    };
    assert!(!store.rotate_session(s.id, &[1; 32], &stale).await.unwrap());
    assert_eq!(store.session_by_id(s.id).await.unwrap().unwrap(), read);
    assert_eq!(
        store.retired_secret_hashes(s.id).await.unwrap(),
        vec![[1; 32]]
    );

    assert!(store.rotate_session(s.id, &[2; 32], &stale).await.unwrap());
    // Newest first.
    assert_eq!(
        store.retired_secret_hashes(s.id).await.unwrap(),
        vec![[2; 32], [1; 32]]
    );

    // Unknown sessions.
    assert!(
        !store
            .rotate_session(Uuid::new_v4(), &[1; 32], &next)
            .await
            .unwrap()
    );
    assert!(
        store
            .retired_secret_hashes(Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// Folders and files

async fn create_folder_rules(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    assert_eq!(
        store.node(ada.id, docs.id).await.unwrap(),
        Some(docs.clone())
    );
    assert_eq!(
        store
            .child_by_mac(ada.id, ada.id, &mac("docs"))
            .await
            .unwrap(),
        Some(docs.clone())
    );
    assert_eq!(
        store
            .child_by_mac(ada.id, ada.id, &mac("other"))
            .await
            .unwrap(),
        None
    );

    // One name per folder; the same name elsewhere is fine.
    assert_conflict(
        store
            .create_folder(&folder(ada.id, ada.id, "docs"), MAX)
            .await,
        Conflict::Name,
    );
    mkdir(store, ada.id, docs.id, "docs").await;
    mkdir(store, bob.id, bob.id, "docs").await;

    // The parent must be an existing folder of the same user.
    assert_not_found(
        store
            .create_folder(&folder(ada.id, Uuid::new_v4(), "x"), MAX)
            .await,
    );
    let f = put_file(store, ada.id, ada.id, "a.txt", 1).await;
    assert_not_found(store.create_folder(&folder(ada.id, f.id, "x"), MAX).await);
    assert_not_found(store.create_folder(&folder(ada.id, bob.id, "x"), MAX).await);
    assert_eq!(store.node(bob.id, docs.id).await.unwrap(), None);
    assert_eq!(store.children(bob.id, docs.id).await.unwrap(), vec![]);
}

async fn commit_new_file_and_quota(store: &dyn MetaStore) {
    let ada = user(store, 100).await;
    let a = put_file(store, ada.id, ada.id, "a", 60).await;
    assert_eq!(used(store, ada.id).await, 60);
    assert!(
        store
            .object_referenced(ada.id, a.object_id.unwrap())
            .await
            .unwrap()
    );

    // 41 more bytes would pass the quota: nothing is written.
    let big = file(ada.id, ada.id, "b", 41);
    assert_quota(store.commit_file(&big, false, MAX, 0).await);
    assert_eq!(used(store, ada.id).await, 60);
    assert_eq!(
        store.child_by_mac(ada.id, ada.id, &mac("b")).await.unwrap(),
        None
    );
    assert_eq!(store.node(ada.id, big.id).await.unwrap(), None);
    assert!(
        !store
            .object_referenced(ada.id, big.object_id.unwrap())
            .await
            .unwrap()
    );
    // Exactly up to the quota is fine, and empty files always are.
    put_file(store, ada.id, ada.id, "c", 40).await;
    assert_eq!(used(store, ada.id).await, 100);
    put_file(store, ada.id, ada.id, "empty", 0).await;
    assert_quota(
        store
            .commit_file(&file(ada.id, ada.id, "d", 1), false, MAX, 0)
            .await,
    );

    // Same name without overwrite, parent missing or a file.
    assert_conflict(
        store
            .commit_file(&file(ada.id, ada.id, "a", 1), false, MAX, 0)
            .await,
        Conflict::Name,
    );
    assert_not_found(
        store
            .commit_file(&file(ada.id, Uuid::new_v4(), "x", 1), false, MAX, 0)
            .await,
    );
    assert_not_found(
        store
            .commit_file(&file(ada.id, a.id, "x", 1), false, MAX, 0)
            .await,
    );
    assert_eq!(used(store, ada.id).await, 100);
}

async fn commit_overwrite(store: &dyn MetaStore) {
    let ada = user(store, 100).await;
    let old = put_file(store, ada.id, ada.id, "report", 30).await;
    let old_object = old.object_id.unwrap();

    // Overwrite keeps the node (id, created_at), re-points it, returns the old object.
    // A record made for another node is refused: its binding names that one.
    let stale = file(ada.id, ada.id, "report", 50);
    assert_conflict(store.commit_file(&stale, true, MAX, 0).await, Conflict::Id);
    assert_eq!(store.node(ada.id, old.id).await.unwrap(), Some(old.clone()));

    let newer = NodeRecord {
        modified_at: now() + Duration::seconds(10),
        ..replacing(&old, 50)
    };
    let outcome = store.commit_file(&newer, true, MAX, 0).await.unwrap();
    let expected = NodeRecord {
        object_id: newer.object_id,
        size: 50,
        modified_at: newer.modified_at,
        binding: newer.binding,
        ..old.clone()
    };
    assert_eq!(
        outcome,
        FileCommit::Replaced {
            node: expected.clone(),
            released: vec![old_object],
        }
    );
    assert_eq!(
        store.node(ada.id, old.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(used(store, ada.id).await, 50);
    assert!(!store.object_referenced(ada.id, old_object).await.unwrap());
    assert!(
        store
            .object_referenced(ada.id, newer.object_id.unwrap())
            .await
            .unwrap()
    );
    assert_eq!(store.children(ada.id, ada.id).await.unwrap().len(), 1);

    // Growing past the quota: refused, unchanged.
    assert_quota(store.commit_file(&replacing(&old, 101), true, MAX, 0).await);
    assert_eq!(
        store.node(ada.id, old.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(used(store, ada.id).await, 50);

    // Growing within the quota even when the new size alone would not fit
    // beside the old one; shrinking releases.
    let grow = replacing(&old, 90);
    assert!(matches!(
        store.commit_file(&grow, true, MAX, 0).await.unwrap(),
        FileCommit::Replaced { .. }
    ));
    assert_eq!(used(store, ada.id).await, 90);
    let shrink = replacing(&old, 10);
    store.commit_file(&shrink, true, MAX, 0).await.unwrap();
    assert_eq!(used(store, ada.id).await, 10);

    // A folder's name cannot be overwritten by a file.
    mkdir(store, ada.id, ada.id, "photos").await;
    assert_conflict(
        store
            .commit_file(&file(ada.id, ada.id, "photos", 1), true, MAX, 0)
            .await,
        Conflict::Name,
    );
    // Overwrite of a name that is free simply creates.
    let fresh = file(ada.id, ada.id, "fresh", 5);
    assert_eq!(
        store.commit_file(&fresh, true, MAX, 0).await.unwrap(),
        FileCommit::Created(fresh.clone())
    );
    assert_eq!(used(store, ada.id).await, 15);
}

async fn bindings_are_set_once(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let unbound = NodeRecord {
        binding: None,
        ..file(ada.id, ada.id, "old", 3)
    };
    store.commit_file(&unbound, false, MAX, 0).await.unwrap();
    let object = unbound.object_id.unwrap();
    let binding = [5u8; 32];

    // Only while the node still points at that object, and only once.
    assert!(
        !store
            .bind_node(ada.id, unbound.id, Some(Uuid::new_v4()), &binding)
            .await
            .unwrap()
    );
    assert!(
        !store
            .bind_node(ada.id, unbound.id, None, &binding)
            .await
            .unwrap()
    );
    let other = user(store, 1000).await;
    assert!(
        !store
            .bind_node(other.id, unbound.id, Some(object), &binding)
            .await
            .unwrap()
    );
    assert_eq!(
        store.node(ada.id, unbound.id).await.unwrap(),
        Some(unbound.clone())
    );
    assert!(
        store
            .bind_node(ada.id, unbound.id, Some(object), &binding)
            .await
            .unwrap()
    );
    assert!(
        !store
            .bind_node(ada.id, unbound.id, Some(object), &[6; 32])
            .await
            .unwrap()
    );
    let bound = store.node(ada.id, unbound.id).await.unwrap().unwrap();
    assert_eq!(bound.binding, Some(binding));

    // The root (a folder: no object) takes the mark, once; a missing node none.
    assert_eq!(
        store.node(ada.id, ada.id).await.unwrap().unwrap().binding,
        None
    );
    assert!(
        !store
            .bind_node(ada.id, ada.id, Some(object), &[7; 32])
            .await
            .unwrap()
    );
    assert!(
        store
            .bind_node(ada.id, ada.id, None, &[7; 32])
            .await
            .unwrap()
    );
    assert!(
        !store
            .bind_node(ada.id, ada.id, None, &[8; 32])
            .await
            .unwrap()
    );
    assert_eq!(
        store.node(ada.id, ada.id).await.unwrap().unwrap().binding,
        Some([7; 32])
    );
    assert!(
        !store
            .bind_node(ada.id, Uuid::new_v4(), None, &[7; 32])
            .await
            .unwrap()
    );
    // Folders list with their bindings; files keep theirs through a move.
    let box_ = mkdir(store, ada.id, ada.id, "box").await;
    let update = NodeUpdate {
        parent_id: box_.id,
        name_ct: b"ct:old".to_vec(),
        name_mac: mac("old"),
        modified_at: now(),
    };
    let moved = store
        .update_node(ada.id, unbound.id, &update)
        .await
        .unwrap();
    assert_eq!(moved.binding, Some(binding));
    assert_eq!(
        store
            .node(ada.id, unbound.id)
            .await
            .unwrap()
            .unwrap()
            .binding,
        Some(binding)
    );
}

async fn tree_queries(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let f = put_file(store, ada.id, b.id, "f", 3).await;
    let g = put_file(store, ada.id, ada.id, "g", 4).await;

    let root = store.node(ada.id, ada.id).await.unwrap().unwrap();
    assert_eq!(
        store.ancestors(ada.id, f.id).await.unwrap(),
        vec![root.clone(), a.clone(), b.clone(), f.clone()]
    );
    assert_eq!(
        store.ancestors(ada.id, a.id).await.unwrap(),
        vec![root, a.clone()]
    );
    assert_eq!(
        store.ancestors(ada.id, Uuid::new_v4()).await.unwrap(),
        vec![]
    );
    let other = user(store, 1000).await;
    assert_eq!(store.ancestors(other.id, f.id).await.unwrap(), vec![]);

    assert_eq!(
        ids(&store.children(ada.id, ada.id).await.unwrap()),
        ids(&[a.clone(), g.clone()])
    );
    assert_eq!(store.children(ada.id, a.id).await.unwrap(), vec![b.clone()]);
    assert_eq!(store.children(ada.id, f.id).await.unwrap(), vec![]);
    assert_eq!(
        ids(&store.all_nodes(ada.id).await.unwrap()),
        ids(&[a, b, f, g])
    );
    assert_eq!(store.all_nodes(other.id).await.unwrap(), vec![]);
}

async fn listing_spans_several_pages(store: &dyn MetaStore) {
    let ada = user(store, 1_000_000).await;
    let box_ = mkdir(store, ada.id, ada.id, "box").await;
    let mut made = Vec::new();
    for i in 0..120 {
        made.push(if i % 2 == 0 {
            mkdir(store, ada.id, box_.id, &format!("folder {i}")).await
        } else {
            put_file(store, ada.id, box_.id, &format!("file {i}"), i).await
        });
    }
    let listed = store.children(ada.id, box_.id).await.unwrap();
    assert_eq!(listed.len(), 120);
    assert_eq!(ids(&listed), ids(&made));
    for node in &made {
        assert!(listed.contains(node), "{node:?} listed as stored");
    }
    assert_eq!(store.all_nodes(ada.id).await.unwrap().len(), 121);
    assert_eq!(store.object_ids(ada.id).await.unwrap().len(), 60);
}

// ---------------------------------------------------------------------------
// Rename and move

async fn rename_and_move(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, ada.id, "b").await;
    let f = put_file(store, ada.id, a.id, "f", 7).await;

    // Rename in place.
    let update = rename(a.id, "g");
    let renamed = store.update_node(ada.id, f.id, &update).await.unwrap();
    let expected = NodeRecord {
        name_ct: update.name_ct.clone(),
        name_mac: mac("g"),
        modified_at: update.modified_at,
        ..f.clone()
    };
    assert_eq!(renamed, expected);
    assert_eq!(
        store.node(ada.id, f.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(
        store.child_by_mac(ada.id, a.id, &mac("g")).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(
        store.child_by_mac(ada.id, a.id, &mac("f")).await.unwrap(),
        None
    );
    // The old name is free again.
    put_file(store, ada.id, a.id, "f", 1).await;

    // Same name, new ciphertext only.
    let same = NodeUpdate {
        name_ct: b"re-encrypted".to_vec(),
        ..rename(a.id, "g")
    };
    let again = store.update_node(ada.id, f.id, &same).await.unwrap();
    assert_eq!(again.name_ct, b"re-encrypted".to_vec());

    // Move a folder with content into another folder.
    let moved = store
        .update_node(ada.id, a.id, &rename(b.id, "a2"))
        .await
        .unwrap();
    assert_eq!(moved.parent_id, Some(b.id));
    assert_eq!(
        ids(&store.children(ada.id, ada.id).await.unwrap()),
        ids(std::slice::from_ref(&b))
    );
    assert_eq!(
        store.children(ada.id, b.id).await.unwrap(),
        vec![moved.clone()]
    );
    let path = store.ancestors(ada.id, f.id).await.unwrap();
    assert_eq!(
        path.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ada.id, b.id, a.id, f.id]
    );
    // Its old name in the root is free again.
    mkdir(store, ada.id, ada.id, "a").await;
}

async fn move_rules(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let c = mkdir(store, ada.id, b.id, "c").await;
    let x = mkdir(store, ada.id, ada.id, "x").await;
    let f = put_file(store, ada.id, ada.id, "f", 1).await;

    // Name clash in the target: refused, nothing moved.
    assert_conflict(
        store.update_node(ada.id, x.id, &rename(ada.id, "a")).await,
        Conflict::Name,
    );
    mkdir(store, ada.id, x.id, "taken").await;
    assert_conflict(
        store
            .update_node(ada.id, f.id, &rename(x.id, "taken"))
            .await,
        Conflict::Name,
    );
    assert_eq!(store.node(ada.id, f.id).await.unwrap(), Some(f.clone()));
    assert_eq!(store.node(ada.id, x.id).await.unwrap(), Some(x.clone()));

    // Into itself or below itself.
    assert_invalid_move(store.update_node(ada.id, a.id, &rename(a.id, "a")).await);
    assert_invalid_move(store.update_node(ada.id, a.id, &rename(b.id, "a")).await);
    assert_invalid_move(store.update_node(ada.id, a.id, &rename(c.id, "a")).await);
    // The root never moves.
    assert_invalid_move(store.update_node(ada.id, ada.id, &rename(x.id, "r")).await);
    // Missing node, missing target, a file as target, someone else's folder.
    assert_not_found(
        store
            .update_node(ada.id, Uuid::new_v4(), &rename(x.id, "n"))
            .await,
    );
    assert_not_found(
        store
            .update_node(ada.id, b.id, &rename(Uuid::new_v4(), "n"))
            .await,
    );
    assert_not_found(store.update_node(ada.id, b.id, &rename(f.id, "n")).await);
    let bob = user(store, 1000).await;
    assert_not_found(store.update_node(ada.id, b.id, &rename(bob.id, "n")).await);
    assert_not_found(store.update_node(bob.id, b.id, &rename(bob.id, "n")).await);
    assert_eq!(store.node(ada.id, b.id).await.unwrap(), Some(b.clone()));

    // A deeper folder moves up fine, and the former ancestor can then move below it.
    store
        .update_node(ada.id, c.id, &rename(ada.id, "c"))
        .await
        .unwrap();
    store
        .update_node(ada.id, a.id, &rename(c.id, "a"))
        .await
        .unwrap();
    assert_eq!(
        store
            .ancestors(ada.id, b.id)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        vec![ada.id, c.id, a.id, b.id]
    );
}

// ---------------------------------------------------------------------------
// Deletion

async fn delete_nested_tree(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let c = mkdir(store, ada.id, b.id, "c").await;
    let f1 = put_file(store, ada.id, a.id, "f1", 10).await;
    let f2 = put_file(store, ada.id, b.id, "f2", 20).await;
    let f3 = put_file(store, ada.id, c.id, "f3", 30).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 5).await;
    assert_eq!(used(store, ada.id).await, 65);

    assert_invalid_move(store.delete_node(ada.id, ada.id).await);
    assert_not_found(store.delete_node(ada.id, Uuid::new_v4()).await);
    let bob = user(store, 1000).await;
    assert_not_found(store.delete_node(bob.id, a.id).await);

    let objects: BTreeSet<Uuid> = store
        .delete_node(ada.id, a.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let expected: BTreeSet<Uuid> = [&f1, &f2, &f3]
        .iter()
        .map(|f| f.object_id.unwrap())
        .collect();
    assert_eq!(objects, expected);
    assert_eq!(used(store, ada.id).await, 5);
    for gone in [&a, &b, &c, &f1, &f2, &f3] {
        assert_eq!(store.node(ada.id, gone.id).await.unwrap(), None);
    }
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![keep.clone()]);
    assert_eq!(
        store.object_ids(ada.id).await.unwrap(),
        vec![keep.object_id.unwrap()]
    );
    // The name is free again; a deleted node cannot be deleted twice.
    mkdir(store, ada.id, ada.id, "a").await;
    assert_not_found(store.delete_node(ada.id, a.id).await);

    // Deleting a single file returns its object.
    assert_eq!(
        store.delete_node(ada.id, keep.id).await.unwrap(),
        vec![keep.object_id.unwrap()]
    );
    assert_eq!(used(store, ada.id).await, 0);
}

/// More records than one DynamoDB transaction holds.
async fn delete_large_subtree(store: &dyn MetaStore) {
    let ada = user(store, 1_000_000).await;
    let top = mkdir(store, ada.id, ada.id, "top").await;
    let inner = mkdir(store, ada.id, top.id, "inner").await;
    let mut objects = BTreeSet::new();
    for i in 0..30 {
        let parent = if i % 3 == 0 { inner.id } else { top.id };
        objects.insert(
            put_file(store, ada.id, parent, &format!("f{i}"), 100)
                .await
                .object_id
                .unwrap(),
        );
    }
    for i in 0..15 {
        mkdir(store, ada.id, inner.id, &format!("d{i}")).await;
    }
    assert_eq!(used(store, ada.id).await, 3000);
    let returned: BTreeSet<Uuid> = store
        .delete_node(ada.id, top.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(returned, objects);
    assert_eq!(used(store, ada.id).await, 0);
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![]);
    assert!(store.object_ids(ada.id).await.unwrap().is_empty());
    assert_eq!(store.children(ada.id, inner.id).await.unwrap(), vec![]);
}

async fn objects(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let f = put_file(store, ada.id, ada.id, "f", 1).await;
    let g = put_file(store, ada.id, a.id, "g", 1).await;
    let h = put_file(store, bob.id, bob.id, "h", 1).await;
    let listed: BTreeSet<Uuid> = store
        .object_ids(ada.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        listed,
        BTreeSet::from([f.object_id.unwrap(), g.object_id.unwrap()])
    );
    assert!(
        store
            .object_referenced(ada.id, g.object_id.unwrap())
            .await
            .unwrap()
    );
    // Scoped to the owner; unknown objects are unreferenced.
    assert!(
        !store
            .object_referenced(bob.id, g.object_id.unwrap())
            .await
            .unwrap()
    );
    assert!(
        !store
            .object_referenced(ada.id, h.object_id.unwrap())
            .await
            .unwrap()
    );
    assert!(
        !store
            .object_referenced(ada.id, Uuid::new_v4())
            .await
            .unwrap()
    );
    assert_eq!(
        store.object_ids(bob.id).await.unwrap(),
        vec![h.object_id.unwrap()]
    );
}

async fn delete_user_removes_everything(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let f = put_file(store, ada.id, a.id, "f", 10).await;
    let s = session(ada.id, 1, Duration::days(1));
    store.create_session(&s).await.unwrap();
    let bobs = session(bob.id, 2, Duration::days(1));
    store.create_session(&bobs).await.unwrap();
    let bobs_file = put_file(store, bob.id, bob.id, "b", 3).await;

    store.delete_user(ada.id).await.unwrap();
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), None);
    assert_eq!(store.user_by_email(&ada.email).await.unwrap(), None);
    assert_eq!(store.node(ada.id, ada.id).await.unwrap(), None);
    assert_eq!(store.node(ada.id, a.id).await.unwrap(), None);
    assert_eq!(store.node(ada.id, f.id).await.unwrap(), None);
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![]);
    assert!(store.object_ids(ada.id).await.unwrap().is_empty());
    assert_eq!(store.session_by_id(s.id).await.unwrap(), None);
    assert!(store.retired_secret_hashes(s.id).await.unwrap().is_empty());
    assert_not_found(store.delete_user(ada.id).await);

    // Others are untouched.
    assert!(store.user_by_id(bob.id).await.unwrap().is_some());
    assert!(store.session_by_id(bobs.id).await.unwrap().is_some());
    assert_eq!(
        store.node(bob.id, bobs_file.id).await.unwrap(),
        Some(bobs_file)
    );

    // The email can be used again, with a fresh root.
    let again = UserRecord {
        id: Uuid::new_v4(),
        ..ada.clone()
    };
    store.create_user(&again, None).await.unwrap();
    assert_eq!(
        store.user_by_email(&ada.email).await.unwrap().unwrap().id,
        again.id
    );
    assert_eq!(store.all_nodes(again.id).await.unwrap(), vec![]);
    assert!(store.node(again.id, again.id).await.unwrap().is_some());
}

// ---------------------------------------------------------------------------
// DynamoDB connection behaviour

#[tokio::test]
async fn dynamodb_missing_table_without_auto_create() {
    let sdk = sdk_config(&endpoint()).await;
    let settings = fresh_table();
    match DynamoMetaStore::connect(&sdk, &settings, false, &profile_keys(1)).await {
        Err(StoreError::Missing(message)) => {
            assert!(message.contains(&settings.table), "{message}");
            assert!(message.contains("storage.auto_create"), "{message}");
        }
        Err(other) => panic!("expected Missing, got {other:?}"),
        Ok(_) => panic!("expected Missing, got a store"),
    }
    // Created once, a second connect finds it without creating.
    DynamoMetaStore::connect(&sdk, &settings, true, &profile_keys(1))
        .await
        .unwrap();
    let store = DynamoMetaStore::connect(&sdk, &settings, false, &profile_keys(1))
        .await
        .unwrap();
    store.ping().await.unwrap();
}

#[tokio::test]
async fn dynamodb_unreachable_endpoint_is_unavailable() {
    let sdk = sdk_config("http://127.0.0.1:9").await;
    match DynamoMetaStore::connect(&sdk, &fresh_table(), true, &profile_keys(1)).await {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("127.0.0.1:9"), "{message}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("expected Unavailable, got a store"),
    }
}
