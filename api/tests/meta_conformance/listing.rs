//! Listing versions: every change of what a folder's listing shows raises
//! the folder's counter in the change's own transaction (the vault keeps
//! decrypted listings under it), and nothing else's.

use strongroom_api::store::meta::MetaStore;
use time::Duration;
use uuid::Uuid;

use super::versions::overwrite;
use super::{Conflict, MAX, assert_conflict, file, mkdir, now, put_file, rename, user};

async fn version(store: &dyn MetaStore, user: Uuid, folder: Uuid) -> u64 {
    store
        .listing_version(user, folder)
        .await
        .unwrap()
        .expect("a version for a node of the user")
}

/// Checks `folder`'s version went up since `before` and returns it.
async fn raised(store: &dyn MetaStore, user: Uuid, folder: Uuid, before: u64, what: &str) -> u64 {
    let after = version(store, user, folder).await;
    assert!(
        after > before,
        "{what}: listing version {before} -> {after}"
    );
    after
}

async fn unchanged(store: &dyn MetaStore, user: Uuid, folder: Uuid, before: u64, what: &str) {
    let after = version(store, user, folder).await;
    assert_eq!(after, before, "{what} must not raise this folder's version");
}

pub async fn every_child_change_raises_the_listing_version(store: &dyn MetaStore) {
    let ada = user(store, 10_000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, ada.id, "b").await;
    let (mut va, mut vb) = (
        version(store, ada.id, a.id).await,
        version(store, ada.id, b.id).await,
    );

    mkdir(store, ada.id, a.id, "sub").await;
    va = raised(store, ada.id, a.id, va, "a folder created").await;
    unchanged(store, ada.id, b.id, vb, "a change in another folder").await;

    let f = put_file(store, ada.id, a.id, "f", 10).await;
    va = raised(store, ada.id, a.id, va, "a new file committed").await;

    // Refused changes change nothing.
    assert_conflict(
        store
            .commit_file(&file(ada.id, a.id, "f", 1), false, MAX, 0)
            .await,
        Conflict::Name,
    );
    assert_conflict(
        store
            .create_folder(&super::folder(ada.id, a.id, "f"), MAX)
            .await,
        Conflict::Name,
    );
    unchanged(store, ada.id, a.id, va, "a refused commit").await;

    let (f, _) = overwrite(store, &f, 20, now() + Duration::seconds(2), 1).await;
    va = raised(store, ada.id, a.id, va, "an overwrite").await;

    let old = store.versions(ada.id, f.id).await.unwrap();
    assert_eq!(old.len(), 1);
    let at = now() + Duration::seconds(4);
    store
        .restore_version(ada.id, f.id, old[0].id, 1, at)
        .await
        .unwrap();
    va = raised(store, ada.id, a.id, va, "a version restored").await;

    store
        .update_node(ada.id, f.id, &rename(a.id, "g"))
        .await
        .unwrap();
    va = raised(store, ada.id, a.id, va, "a rename").await;

    store
        .update_node(ada.id, f.id, &rename(b.id, "g"))
        .await
        .unwrap();
    va = raised(store, ada.id, a.id, va, "a move out").await;
    vb = raised(store, ada.id, b.id, vb, "a move in").await;

    store.trash_node(ada.id, f.id, now()).await.unwrap();
    vb = raised(store, ada.id, b.id, vb, "a trashing").await;

    store
        .restore_node(ada.id, f.id, &rename(a.id, "g"))
        .await
        .unwrap();
    va = raised(store, ada.id, a.id, va, "a restore into it").await;
    unchanged(store, ada.id, b.id, vb, "a restore elsewhere").await;

    store.delete_node(ada.id, f.id).await.unwrap();
    va = raised(store, ada.id, a.id, va, "a delete").await;

    // A whole subtree deleted: its folder's parent sees it go.
    let sub = mkdir(store, ada.id, b.id, "deep").await;
    put_file(store, ada.id, sub.id, "x", 1).await;
    vb = version(store, ada.id, b.id).await;
    store.delete_node(ada.id, sub.id).await.unwrap();
    raised(store, ada.id, b.id, vb, "a subtree deleted").await;
    unchanged(store, ada.id, a.id, va, "changes in another folder").await;
}

pub async fn listing_versions_belong_to_their_user(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    assert!(store.listing_version(ada.id, a.id).await.unwrap().is_some());
    assert!(store.listing_version(bob.id, a.id).await.unwrap().is_none());
    assert!(
        store
            .listing_version(ada.id, Uuid::new_v4())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn folder_versions_are_those_of_the_live_folders(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let c = mkdir(store, ada.id, ada.id, "c").await;
    let below = mkdir(store, ada.id, c.id, "below").await;
    put_file(store, ada.id, b.id, "not a folder", 1).await;
    mkdir(store, bob.id, bob.id, "bob's").await;
    store.trash_node(ada.id, c.id, now()).await.unwrap();

    let mut listed = store.folder_versions(ada.id).await.unwrap();
    listed.sort();
    let mut expected = Vec::new();
    for id in [ada.id, a.id, b.id] {
        expected.push((id, version(store, ada.id, id).await));
    }
    expected.sort();
    assert_eq!(
        listed, expected,
        "the root and the live folders, not {below:?}'s subtree"
    );
}

/// Ids of what `children_since` says changed and left, sorted.
async fn delta(
    store: &dyn MetaStore,
    user: Uuid,
    folder: Uuid,
    since: u64,
) -> Option<(Vec<Uuid>, Vec<Uuid>)> {
    let delta = store.children_since(user, folder, since).await.unwrap()?;
    let mut changed: Vec<Uuid> = delta.changed.iter().map(|n| n.id).collect();
    let mut left = delta.left;
    changed.sort();
    left.sort();
    left.dedup();
    Some((changed, left))
}

/// A store may keep no such record (`None` always); one that answers tells
/// exactly which children changed and which left, and only for the owner.
pub async fn children_since_tells_what_changed(store: &dyn MetaStore) {
    let ada = user(store, 10_000).await;
    let bob = user(store, 10_000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, ada.id, "b").await;
    let f = put_file(store, ada.id, a.id, "f", 10).await;
    let g = put_file(store, ada.id, a.id, "g", 10).await;
    let v0 = version(store, ada.id, a.id).await;
    let Some(nothing) = delta(store, ada.id, a.id, v0).await else {
        // Keeps none: then never.
        put_file(store, ada.id, a.id, "h", 1).await;
        assert!(delta(store, ada.id, a.id, v0).await.is_none());
        return;
    };
    assert_eq!(nothing, (vec![], vec![]), "nothing changed since now");
    // From the start: both children are changes.
    let mut both = vec![f.id, g.id];
    both.sort();
    assert_eq!(delta(store, ada.id, a.id, 0).await.unwrap(), (both, vec![]));
    // Another user's folder says nothing of it.
    let theirs = delta(store, bob.id, a.id, 0).await;
    assert!(theirs.is_none_or(|(c, l)| c.is_empty() && l.is_empty()));

    let h = put_file(store, ada.id, a.id, "h", 1).await;
    assert_eq!(
        delta(store, ada.id, a.id, v0).await.unwrap(),
        (vec![h.id], vec![])
    );

    let v1 = version(store, ada.id, a.id).await;
    store
        .update_node(ada.id, f.id, &rename(a.id, "f2"))
        .await
        .unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v1).await.unwrap(),
        (vec![f.id], vec![])
    );

    let v2 = version(store, ada.id, a.id).await;
    let vb = version(store, ada.id, b.id).await;
    store
        .update_node(ada.id, g.id, &rename(b.id, "g"))
        .await
        .unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v2).await.unwrap(),
        (vec![], vec![g.id])
    );
    assert_eq!(
        delta(store, ada.id, b.id, vb).await.unwrap(),
        (vec![g.id], vec![])
    );

    let v3 = version(store, ada.id, a.id).await;
    store.trash_node(ada.id, h.id, now()).await.unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v3).await.unwrap(),
        (vec![], vec![h.id])
    );

    let v4 = version(store, ada.id, a.id).await;
    store
        .restore_node(ada.id, h.id, &rename(a.id, "h"))
        .await
        .unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v4).await.unwrap(),
        (vec![h.id], vec![])
    );

    let v5 = version(store, ada.id, a.id).await;
    store.delete_node(ada.id, h.id).await.unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v5).await.unwrap(),
        (vec![], vec![h.id])
    );

    // Moved out and back: a change (it is there), and a departure.
    let v6 = version(store, ada.id, a.id).await;
    store
        .update_node(ada.id, f.id, &rename(b.id, "f2"))
        .await
        .unwrap();
    store
        .update_node(ada.id, f.id, &rename(a.id, "f3"))
        .await
        .unwrap();
    assert_eq!(
        delta(store, ada.id, a.id, v6).await.unwrap(),
        (vec![f.id], vec![f.id])
    );
}
