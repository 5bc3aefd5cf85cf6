//! Session hygiene, checked against what the store really holds: the record
//! of a long-lived session stays small, expired sessions are deleted (not
//! just hidden), and account deletion removes sessions before anything else.

use std::time::Instant;

use strongroom_api::store::StoreError;
use strongroom_api::store::meta::{MetaStore, RETIRED_HASHES_KEPT, SessionRotation};
use time::Duration;

use super::{RawMeta, mkdir, now, session, user};

/// A year of 15-minute refreshes is about 35,000; on DynamoDB the unbounded
/// list passed the 400 KB item limit after about 12,000.
const ROTATIONS: u32 = 10_000;

/// A distinct stand-in for the hash of the `i`th secret.
fn hash(i: u32) -> [u8; 32] {
    let mut hash = [0xa5; 32];
    hash[..4].copy_from_slice(&i.to_be_bytes());
    hash
}

/// Rotates a session `ROTATIONS` times through the store, as refresh does.
pub async fn many_rotations_keep_the_session_small(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let s = super::SessionRecord {
        secret_hash: hash(0),
        ..session(ada.id, 0, Duration::hours(1))
    };
    store.create_session(&s).await.unwrap();
    let started = Instant::now();
    for i in 0..ROTATIONS {
        let next = SessionRotation {
            secret_hash: hash(i + 1),
            wrapped_umk: vec![7; 48],
            expires_at: now() + Duration::hours(1),
        };
        assert!(
            store.rotate_session(s.id, &hash(i), &next).await.unwrap(),
            "rotation {i}"
        );
    }
    eprintln!("{ROTATIONS} rotations in {:?}", started.elapsed());

    let read = store.session_by_id(s.id).await.unwrap().unwrap();
    assert_eq!(read.secret_hash, hash(ROTATIONS));
    // The newest retired hashes, newest first: the secret of one and of two
    // rotations ago are still recognised, the oldest are forgotten.
    let retired = store.retired_secret_hashes(s.id).await.unwrap();
    let expected: Vec<[u8; 32]> = (0..RETIRED_HASHES_KEPT)
        .map(|back| hash(ROTATIONS - 1 - u32::try_from(back).unwrap()))
        .collect();
    assert_eq!(retired, expected);
    assert!(retired.contains(&hash(ROTATIONS - 2)));
    assert!(!retired.contains(&hash(0)));
    assert_eq!(raw.retired_count(s.id).await, RETIRED_HASHES_KEPT);

    let bytes = raw.session_bytes(s.id).await;
    eprintln!("the session's record: {bytes} bytes");
    assert!(bytes < 1024, "{bytes} bytes");
    // And it still rotates.
    let next = SessionRotation {
        secret_hash: hash(ROTATIONS + 1),
        wrapped_umk: vec![7; 48],
        expires_at: now() + Duration::hours(1),
    };
    assert!(
        store
            .rotate_session(s.id, &hash(ROTATIONS), &next)
            .await
            .unwrap()
    );
}

/// A session item rotated many times before the bound holds a big unordered
/// set (here 5,000 hashes, 160 KB); its next rotation trims it to the bound,
/// keeping the secret it retires.
#[tokio::test]
async fn dynamodb_sessions_from_before_the_bound_are_trimmed() {
    let harness = super::dynamo_store().await;
    let (store, raw) = (harness.store.as_ref(), &harness.raw);
    let ada = user(store, 1000).await;
    let s = session(ada.id, 1, Duration::hours(1));
    store.create_session(&s).await.unwrap();
    raw.add_legacy_retired(s.id, 5000).await;
    assert_eq!(store.retired_secret_hashes(s.id).await.unwrap().len(), 5000);
    assert!(raw.session_bytes(s.id).await > 160_000);

    let next = SessionRotation {
        secret_hash: [2; 32],
        wrapped_umk: vec![2; 48],
        expires_at: now() + Duration::hours(1),
    };
    assert!(store.rotate_session(s.id, &[1; 32], &next).await.unwrap());
    let retired = store.retired_secret_hashes(s.id).await.unwrap();
    assert_eq!(retired.len(), RETIRED_HASHES_KEPT);
    assert_eq!(retired[0], [1; 32]);
    assert!(raw.session_bytes(s.id).await < 1024);
}

/// SQLite: the sweeper's `delete_expired_sessions`. DynamoDB: TTL is on (it
/// is lazy, and moto never runs it), and a read that meets an expired
/// session deletes it.
pub async fn expired_sessions_are_deleted(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    // Created last: SQLite also drops a user's expired sessions when they
    // start a new one.
    let live = session(ada.id, 1, Duration::days(1));
    let expired = session(ada.id, 2, Duration::seconds(-10));
    let bobs = session(bob.id, 3, Duration::seconds(-10));
    for s in [&live, &expired, &bobs] {
        store.create_session(s).await.unwrap();
    }
    assert!(raw.session_stored(ada.id, expired.id).await);
    assert!(raw.session_stored(bob.id, bobs.id).await);

    let swept = store.delete_expired_sessions(now()).await.unwrap();
    // Both lookups hide and delete what they meet.
    assert_eq!(store.session_by_id(expired.id).await.unwrap(), None);
    assert_eq!(store.session(bob.id, bobs.id).await.unwrap(), None);
    assert!(!raw.session_stored(ada.id, expired.id).await);
    assert!(!raw.session_stored(bob.id, bobs.id).await);
    match raw {
        RawMeta::Sqlite { .. } => assert_eq!(swept, 2),
        RawMeta::Dynamo { .. } => {
            assert_eq!(swept, 0, "left to TTL");
            assert_eq!(raw.ttl_attribute().await.as_deref(), Some("expires_at_ttl"));
        }
    }
    // The live one is untouched.
    assert!(raw.session_stored(ada.id, live.id).await);
    assert!(store.session_by_id(live.id).await.unwrap().is_some());
    assert_eq!(store.delete_expired_sessions(now()).await.unwrap(), 0);
}

/// A deletion that fails part-way leaves no session behind: on DynamoDB the
/// sessions are gone before the step that fails; on SQLite it is one
/// transaction, so nothing at all has changed. Run again, it finishes.
pub async fn interrupted_account_deletion_leaves_no_session(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    mkdir(store, ada.id, ada.id, "a").await;
    let sessions = [
        session(ada.id, 1, Duration::days(1)),
        session(ada.id, 2, Duration::days(1)),
    ];
    for s in &sessions {
        store.create_session(s).await.unwrap();
    }
    raw.break_user_deletion(ada.id).await;
    assert!(store.delete_user(ada.id).await.is_err());
    for s in &sessions {
        match raw {
            RawMeta::Dynamo { .. } => {
                assert!(!raw.session_stored(ada.id, s.id).await);
                assert_eq!(store.session_by_id(s.id).await.unwrap(), None);
            }
            RawMeta::Sqlite { .. } => {
                assert!(store.session_by_id(s.id).await.unwrap().is_some());
                assert!(store.user_by_id(ada.id).await.unwrap().is_some());
            }
        }
    }
    raw.repair_user_deletion(ada.id).await;
    store.delete_user(ada.id).await.unwrap();
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), None);
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![]);
    for s in &sessions {
        assert!(!raw.session_stored(ada.id, s.id).await);
    }
}

/// The state a crash could leave before sessions went first: the profile
/// gone, the sessions still stored. The store still hands the session out
/// (refresh checks the account: see the HTTP suite); deleting the account
/// again removes it.
pub async fn account_deletion_finishes_after_a_crash(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let s = session(ada.id, 1, Duration::days(1));
    let bobs = session(bob.id, 2, Duration::days(1));
    store.create_session(&s).await.unwrap();
    store.create_session(&bobs).await.unwrap();
    raw.delete_profile_only(ada.id).await;
    assert_eq!(store.user_by_id(ada.id).await.unwrap(), None);
    assert!(store.session_by_id(s.id).await.unwrap().is_some());

    match store.delete_user(ada.id).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(other) => panic!("deleting again: {other:?}"),
    }
    assert!(!raw.session_stored(ada.id, s.id).await);
    assert_eq!(store.session_by_id(s.id).await.unwrap(), None);
    assert!(store.session_by_id(bobs.id).await.unwrap().is_some());
}
