//! Dead properties (`PropStore`): one blob per live node of the user,
//! replaced and cleared, kept across renames, moves and the trash, and
//! gone with the node (deleted, purged, or with the account).

use strongroom_api::store::StoreError;
use strongroom_api::store::meta::{MetaStore, NodeRecord};
use time::Duration;
use uuid::Uuid;

use super::common::raw_meta::RawMeta;
use super::{MAX, assert_not_found, mkdir, now, put_file, rename, replacing, user};

async fn props(store: &dyn MetaStore, user: Uuid, node: Uuid) -> Option<Vec<u8>> {
    store.node_props(user, node).await.unwrap()
}

async fn set(store: &dyn MetaStore, user: Uuid, node: Uuid, blob: &[u8]) {
    store.set_node_props(user, node, Some(blob)).await.unwrap();
}

pub async fn props_are_set_replaced_and_cleared(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let report = put_file(store, ada.id, docs.id, "report", 10).await;
    assert_eq!(props(store, ada.id, report.id).await, None);
    // Clearing what was never set is no error.
    store.set_node_props(ada.id, report.id, None).await.unwrap();

    set(store, ada.id, report.id, b"first").await;
    set(store, ada.id, docs.id, b"folder").await;
    set(store, ada.id, ada.id, b"root").await;
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"first"[..])
    );
    assert_eq!(
        props(store, ada.id, docs.id).await.as_deref(),
        Some(&b"folder"[..])
    );
    assert_eq!(
        props(store, ada.id, ada.id).await.as_deref(),
        Some(&b"root"[..])
    );

    set(store, ada.id, report.id, b"second").await;
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"second"[..])
    );
    store.set_node_props(ada.id, report.id, None).await.unwrap();
    assert_eq!(props(store, ada.id, report.id).await, None);
    // The others are untouched.
    assert_eq!(
        props(store, ada.id, docs.id).await.as_deref(),
        Some(&b"folder"[..])
    );

    // As large as the vault allows (64 KiB sealed), any bytes.
    let big: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    set(store, ada.id, report.id, &big).await;
    assert_eq!(props(store, ada.id, report.id).await, Some(big));
}

pub async fn props_belong_to_a_live_node_of_the_user(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let report = put_file(store, ada.id, ada.id, "report", 10).await;
    set(store, ada.id, report.id, b"ada's").await;

    // Bob cannot read or write Ada's node's properties.
    assert_eq!(props(store, bob.id, report.id).await, None);
    assert_not_found(
        store
            .set_node_props(bob.id, report.id, Some(b"bob's"))
            .await,
    );
    assert_not_found(store.set_node_props(bob.id, report.id, None).await);
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"ada's"[..])
    );

    // No such node, no such user.
    let missing = Uuid::new_v4();
    assert_eq!(props(store, ada.id, missing).await, None);
    assert_not_found(store.set_node_props(ada.id, missing, Some(b"x")).await);
    assert_not_found(store.set_node_props(ada.id, missing, None).await);
    assert_not_found(
        store
            .set_node_props(Uuid::new_v4(), report.id, Some(b"x"))
            .await,
    );
}

pub async fn props_follow_renames_and_moves(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, ada.id, "b").await;
    let report = put_file(store, ada.id, a.id, "report", 10).await;
    set(store, ada.id, report.id, b"props").await;
    set(store, ada.id, a.id, b"folder props").await;

    store
        .update_node(ada.id, report.id, &rename(a.id, "renamed"))
        .await
        .unwrap();
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"props"[..])
    );
    store
        .update_node(ada.id, report.id, &rename(b.id, "moved"))
        .await
        .unwrap();
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"props"[..])
    );
    // A folder moved into another keeps its own.
    store
        .update_node(ada.id, a.id, &rename(b.id, "a"))
        .await
        .unwrap();
    assert_eq!(
        props(store, ada.id, a.id).await.as_deref(),
        Some(&b"folder props"[..])
    );
    // An overwrite keeps the node, and so its properties.
    let current = store.node(ada.id, report.id).await.unwrap().unwrap();
    let commit = NodeRecord {
        name_ct: current.name_ct.clone(),
        name_mac: current.name_mac,
        ..replacing(&current, 20)
    };
    store.commit_file(&commit, true, MAX, 2).await.unwrap();
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"props"[..])
    );
}

pub async fn props_are_hidden_in_the_trash(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let report = put_file(store, ada.id, docs.id, "report", 10).await;
    set(store, ada.id, docs.id, b"docs").await;
    set(store, ada.id, report.id, b"report").await;

    store.trash_node(ada.id, docs.id, now()).await.unwrap();
    // Neither the trash item's top nor what is below it is live.
    assert_eq!(props(store, ada.id, docs.id).await, None);
    assert_eq!(props(store, ada.id, report.id).await, None);
    assert_not_found(store.set_node_props(ada.id, docs.id, Some(b"x")).await);
    assert_not_found(store.set_node_props(ada.id, report.id, None).await);

    // Restored, they are back as they were, under any name.
    store
        .restore_node(ada.id, docs.id, &rename(ada.id, "docs again"))
        .await
        .unwrap();
    assert_eq!(
        props(store, ada.id, docs.id).await.as_deref(),
        Some(&b"docs"[..])
    );
    assert_eq!(
        props(store, ada.id, report.id).await.as_deref(),
        Some(&b"report"[..])
    );
}

pub async fn props_go_with_their_node(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    // Deleted for good, with the subtree.
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let inner = mkdir(store, ada.id, docs.id, "inner").await;
    let report = put_file(store, ada.id, inner.id, "report", 10).await;
    let plain = put_file(store, ada.id, inner.id, "plain", 10).await;
    for node in [docs.id, inner.id, report.id] {
        set(store, ada.id, node, b"props").await;
    }
    assert_eq!(raw.props_stored(ada.id).await, 3);
    store.delete_node(ada.id, docs.id).await.unwrap();
    for node in [docs.id, inner.id, report.id, plain.id] {
        assert_eq!(props(store, ada.id, node).await, None);
        assert_not_found(store.set_node_props(ada.id, node, Some(b"late")).await);
    }
    assert_eq!(raw.props_stored(ada.id).await, 0);

    // Trashed, then purged.
    let old = mkdir(store, ada.id, ada.id, "old").await;
    let kept = put_file(store, ada.id, old.id, "kept", 10).await;
    set(store, ada.id, old.id, b"old").await;
    set(store, ada.id, kept.id, b"kept").await;
    store
        .trash_node(ada.id, old.id, now() - Duration::days(1))
        .await
        .unwrap();
    assert_eq!(raw.props_stored(ada.id).await, 2, "the trash keeps them");
    store.purge_node(ada.id, old.id).await.unwrap();
    assert_eq!(raw.props_stored(ada.id).await, 0);

    // With the account: live and trashed alike.
    let live = put_file(store, ada.id, ada.id, "live", 10).await;
    let binned = put_file(store, ada.id, ada.id, "binned", 10).await;
    set(store, ada.id, live.id, b"live").await;
    set(store, ada.id, binned.id, b"binned").await;
    set(store, ada.id, ada.id, b"root").await;
    store.trash_node(ada.id, binned.id, now()).await.unwrap();
    assert_eq!(raw.props_stored(ada.id).await, 3);
    store.delete_user(ada.id).await.unwrap();
    assert_eq!(raw.props_stored(ada.id).await, 0);
    assert!(matches!(
        store.set_node_props(ada.id, live.id, Some(b"x")).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn props_of_many_nodes_come_in_one_call(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    // More than one DynamoDB batch (100 keys).
    let mut files = Vec::new();
    for i in 0..130 {
        files.push(put_file(store, ada.id, docs.id, &format!("f{i}"), 1).await);
    }
    for (i, file) in files.iter().enumerate().filter(|(i, _)| i % 40 == 3) {
        set(store, ada.id, file.id, format!("blob {i}").as_bytes()).await;
    }
    let bobs = put_file(store, bob.id, bob.id, "b", 1).await;
    set(store, bob.id, bobs.id, b"bob's").await;

    let mut ids: Vec<Uuid> = files.iter().map(|file| file.id).collect();
    // Another user's node, and one that does not exist, give nothing.
    ids.push(bobs.id);
    ids.push(Uuid::new_v4());
    let mut found = store.props_of(ada.id, &ids).await.unwrap();
    found.sort();
    let mut expected: Vec<(Uuid, Vec<u8>)> = [3, 43, 83, 123]
        .iter()
        .map(|&i| (files[i].id, format!("blob {i}").into_bytes()))
        .collect();
    expected.sort();
    assert_eq!(found, expected);
    assert!(store.props_of(ada.id, &[]).await.unwrap().is_empty());
    assert_eq!(
        store.props_of(bob.id, &[bobs.id]).await.unwrap(),
        vec![(bobs.id, b"bob's".to_vec())]
    );
}
