//! What the stores keep for a server on the open internet: invites, failed
//! attempts per account, the node count, and the administrator's changes.

use strongroom_api::store::StoreError;
use strongroom_api::store::meta::{
    Attempt, FileCommit, InviteRecord, InviteUse, LockPolicy, MetaStore,
};
use time::Duration;
use uuid::Uuid;

use super::{file, folder, new_user, now, put_file, user};

fn invite(tag: u8, valid_for: Duration) -> InviteRecord {
    InviteRecord {
        code_hash: [tag; 32],
        created_at: now(),
        expires_at: now() + valid_for,
    }
}

fn using(tag: u8) -> InviteUse {
    InviteUse {
        code_hash: [tag; 32],
        now: now(),
    }
}

fn assert_unusable<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::InviteUnusable)),
        "expected InviteUnusable, got {result:?}"
    );
}

fn assert_node_limit<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::NodeLimit)),
        "expected NodeLimit, got {result:?}"
    );
}

pub async fn invites_are_single_use_and_expire(store: &dyn MetaStore) {
    store
        .create_invite(&invite(1, Duration::days(1)))
        .await
        .unwrap();
    store
        .create_invite(&invite(2, Duration::seconds(-1)))
        .await
        .unwrap();
    // Unknown and expired codes write nothing.
    for tag in [9, 2] {
        let refused = new_user(100);
        assert_unusable(store.create_user(&refused, Some(&using(tag))).await);
        assert!(store.user_by_email(&refused.email).await.unwrap().is_none());
        assert!(store.user_by_id(refused.id).await.unwrap().is_none());
    }
    // A taken email keeps the invite for a sign-up that succeeds.
    let existing = user(store, 100).await;
    let mut twin = new_user(100);
    twin.email.clone_from(&existing.email);
    assert!(matches!(
        store.create_user(&twin, Some(&using(1))).await,
        Err(StoreError::Conflict(_))
    ));
    let first = new_user(100);
    store.create_user(&first, Some(&using(1))).await.unwrap();
    assert!(store.user_by_id(first.id).await.unwrap().is_some());
    // Spent.
    assert_unusable(store.create_user(&new_user(100), Some(&using(1))).await);
}

pub async fn attempts_count_lock_and_are_forgotten(store: &dyn MetaStore) {
    let policy = LockPolicy {
        free: 2,
        first: Duration::seconds(10),
        max: Duration::seconds(15),
    };
    let account = [7u8; 32];
    let other = [8u8; 32];
    assert_eq!(store.failures(&account).await.unwrap(), None);
    let at = now();
    let claim = |when: time::OffsetDateTime| {
        store.claim_attempt(&account, when, when - Duration::days(1), policy)
    };
    let counted = |attempt: Attempt| match attempt {
        Attempt::Counted(f) => (f.count, f.locked_until.map(|until| until - f.last_at)),
        Attempt::Locked { .. } => panic!("locked: {attempt:?}"),
    };
    // Two free, the third locks for 10 s.
    assert_eq!(counted(claim(at).await.unwrap()), (1, None));
    assert_eq!(counted(claim(at).await.unwrap()), (2, None));
    assert_eq!(
        counted(claim(at + Duration::seconds(1)).await.unwrap()),
        (3, Some(Duration::seconds(10)))
    );
    // While locked nothing is counted.
    for _ in 0..3 {
        assert_eq!(
            claim(at + Duration::seconds(5)).await.unwrap(),
            Attempt::Locked {
                until: at + Duration::seconds(11)
            }
        );
    }
    assert_eq!(store.failures(&account).await.unwrap().unwrap().count, 3);
    // After the lock, the next attempt locks again, up to the cap.
    assert_eq!(
        counted(claim(at + Duration::seconds(11)).await.unwrap()),
        (4, Some(Duration::seconds(15)))
    );
    assert_eq!(store.failures(&other).await.unwrap(), None, "per account");
    // Attempts sent at once, after the lock: exactly one is counted.
    let later = at + Duration::seconds(30);
    let burst: Vec<_> = (0..6).map(|_| claim(later)).collect();
    let answers = futures_util::future::join_all(burst).await;
    let went = answers
        .iter()
        .filter(|a| matches!(a, Ok(Attempt::Counted(_))))
        .count();
    assert_eq!(went, 1, "{answers:?}");
    // A failure long after the last one counts from one again.
    let much_later = at + Duration::days(2);
    assert_eq!(counted(claim(much_later).await.unwrap()), (1, None));
    // A success clears the count; clearing nothing is fine.
    store.clear_failures(&account).await.unwrap();
    store.clear_failures(&other).await.unwrap();
    assert_eq!(store.failures(&account).await.unwrap(), None);
}

pub async fn the_node_limit_counts_files_and_folders(store: &dyn MetaStore) {
    let owner = user(store, 1_000).await;
    let root = owner.id;
    let limit = 3;
    let docs = folder(root, root, "docs");
    store.create_folder(&docs, limit).await.unwrap();
    let a = file(root, docs.id, "a", 10);
    store.commit_file(&a, false, limit, 0).await.unwrap();
    let b = file(root, root, "b", 10);
    store.commit_file(&b, false, limit, 0).await.unwrap();
    // Full: neither a folder nor a new file, and nothing is charged.
    assert_node_limit(
        store
            .create_folder(&folder(root, root, "more"), limit)
            .await,
    );
    assert_node_limit(
        store
            .commit_file(&file(root, root, "c", 10), false, limit, 0)
            .await,
    );
    assert_eq!(
        store.user_by_id(root).await.unwrap().unwrap().used_bytes,
        20
    );
    assert_eq!(store.children(root, root).await.unwrap().len(), 2);
    // Overwriting makes no new node.
    let again = super::NodeRecord {
        id: b.id,
        ..file(root, root, "b", 5)
    };
    assert!(matches!(
        store.commit_file(&again, true, limit, 0).await.unwrap(),
        FileCommit::Replaced { .. }
    ));
    // Deleting a folder frees it and what is inside.
    store.delete_node(root, docs.id).await.unwrap();
    store
        .create_folder(&folder(root, root, "one"), limit)
        .await
        .unwrap();
    store
        .commit_file(&file(root, root, "two", 1), false, limit, 0)
        .await
        .unwrap();
    assert_node_limit(
        store
            .create_folder(&folder(root, root, "three"), limit)
            .await,
    );
    // Each account has its own count.
    let other = user(store, 1_000).await;
    put_file(store, other.id, other.id, "theirs", 1).await;
}

pub async fn administrator_changes(store: &dyn MetaStore) {
    let first = user(store, 100).await;
    let mut second = new_user(100);
    second.created_at = first.created_at + Duration::seconds(1);
    store.create_user(&second, None).await.unwrap();
    let listed: Vec<Uuid> = store
        .all_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(listed, [first.id, second.id], "every account, oldest first");
    store.set_disabled(first.id, true).await.unwrap();
    assert!(store.user_by_id(first.id).await.unwrap().unwrap().disabled);
    assert!(!store.user_by_id(second.id).await.unwrap().unwrap().disabled);
    store.set_disabled(first.id, false).await.unwrap();
    assert!(
        !store
            .user_by_email(&first.email)
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    put_file(store, second.id, second.id, "kept", 80).await;
    // A quota below what is stored keeps it all and refuses more.
    store.set_quota(second.id, 50).await.unwrap();
    let lowered = store.user_by_id(second.id).await.unwrap().unwrap();
    assert_eq!((lowered.quota_bytes, lowered.used_bytes), (50, 80));
    assert!(matches!(
        store
            .commit_file(&file(second.id, second.id, "more", 1), false, super::MAX, 0)
            .await,
        Err(StoreError::QuotaExceeded)
    ));
    store.set_quota(second.id, 200).await.unwrap();
    put_file(store, second.id, second.id, "fits", 100).await;
    for missing in [
        store.set_disabled(Uuid::new_v4(), true).await,
        store.set_quota(Uuid::new_v4(), 1).await,
    ] {
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    }
}
