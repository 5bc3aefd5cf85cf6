//! App passwords: created, found by id alone, listed per user newest first,
//! touched, revoked only by their owner, and gone with the account.

use strongroom_api::store::meta::{AppPasswordRecord, MetaStore};
use strongroom_api::store::{Conflict, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{now, user};

fn app(user_id: Uuid, tag: u8, created_at: OffsetDateTime) -> AppPasswordRecord {
    AppPasswordRecord {
        id: Uuid::new_v4(),
        user_id,
        name_ct: vec![tag; 40],
        secret_hash: [tag; 32],
        wrapped_umk: vec![tag; 60],
        read_only: tag % 2 == 1,
        created_at,
        last_used_at: None,
    }
}

pub async fn app_passwords_round_trip(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = app(ada.id, 1, now());
    store.create_app_password(&a).await.unwrap();
    assert_eq!(
        store.app_password_by_id(a.id).await.unwrap(),
        Some(a.clone())
    );
    assert_eq!(store.app_passwords(ada.id).await.unwrap(), vec![a.clone()]);
    assert_eq!(
        store.app_password_by_id(Uuid::new_v4()).await.unwrap(),
        None
    );
    // The same id twice is a conflict; nothing is replaced.
    let again = AppPasswordRecord {
        secret_hash: [9; 32],
        ..a.clone()
    };
    assert!(matches!(
        store.create_app_password(&again).await,
        Err(StoreError::Conflict(Conflict::Id))
    ));
    assert_eq!(
        store.app_password_by_id(a.id).await.unwrap(),
        Some(a.clone())
    );
    // No such user.
    assert!(matches!(
        store
            .create_app_password(&app(Uuid::new_v4(), 2, now()))
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn app_passwords_are_listed_newest_first_per_user(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let old = app(ada.id, 1, now() - Duration::hours(2));
    let new = app(ada.id, 2, now());
    let mid = app(ada.id, 3, now() - Duration::hours(1));
    let bobs = app(bob.id, 4, now());
    for a in [&old, &new, &mid, &bobs] {
        store.create_app_password(a).await.unwrap();
    }
    let listed: Vec<Uuid> = store
        .app_passwords(ada.id)
        .await
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(listed, vec![new.id, mid.id, old.id]);
    assert_eq!(store.app_passwords(bob.id).await.unwrap(), vec![bobs]);
    assert!(
        store
            .app_passwords(Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn app_passwords_are_touched_and_revoked_by_their_owner(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = app(ada.id, 1, now() - Duration::hours(1));
    store.create_app_password(&a).await.unwrap();

    let used = now();
    store.touch_app_password(ada.id, a.id, used).await.unwrap();
    let read = store.app_password_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(read.last_used_at, Some(used));
    // Someone else's touch changes nothing; one of a revoked password is no error.
    store
        .touch_app_password(bob.id, a.id, used + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        store
            .app_password_by_id(a.id)
            .await
            .unwrap()
            .unwrap()
            .last_used_at,
        Some(used)
    );

    assert!(!store.delete_app_password(bob.id, a.id).await.unwrap());
    assert!(store.app_password_by_id(a.id).await.unwrap().is_some());
    assert!(store.delete_app_password(ada.id, a.id).await.unwrap());
    assert!(!store.delete_app_password(ada.id, a.id).await.unwrap());
    assert_eq!(store.app_password_by_id(a.id).await.unwrap(), None);
    assert!(store.app_passwords(ada.id).await.unwrap().is_empty());
    store.touch_app_password(ada.id, a.id, used).await.unwrap();
    assert_eq!(store.app_password_by_id(a.id).await.unwrap(), None);
}

pub async fn app_passwords_go_all_at_once_and_with_the_account(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let adas: Vec<_> = (1..=3).map(|tag| app(ada.id, tag, now())).collect();
    for a in &adas {
        store.create_app_password(a).await.unwrap();
    }
    let bobs = app(bob.id, 4, now());
    store.create_app_password(&bobs).await.unwrap();

    // Recovery: all of one user's go, nobody else's.
    store.delete_app_passwords(ada.id).await.unwrap();
    assert!(store.app_passwords(ada.id).await.unwrap().is_empty());
    for a in &adas {
        assert_eq!(store.app_password_by_id(a.id).await.unwrap(), None);
    }
    assert_eq!(
        store.app_passwords(bob.id).await.unwrap(),
        vec![bobs.clone()]
    );

    // Account deletion.
    store.delete_user(bob.id).await.unwrap();
    assert_eq!(store.app_password_by_id(bobs.id).await.unwrap(), None);
    assert!(store.app_passwords(bob.id).await.unwrap().is_empty());
}
