//! File versions: an overwrite keeps the old content as the newest version
//! and rotates past `versions_kept`, all charged to the quota in one step;
//! versions are listed newest first, restored (the current content becoming
//! a version) and deleted only by their owner, and go with their file and
//! with the account.

use std::collections::BTreeSet;

use strongroom_api::store::meta::{FileCommit, MetaStore, NodeRecord, Usage, VersionRecord};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{MAX, assert_not_found, assert_quota, file, mkdir, now, put_file, used, user};

// Overwrites here are made after `put_file`'s uploads (`now()`): versions
// are ordered by when their content was uploaded.

/// A new upload over `old`, made `at`: same node, same name, new object.
pub(super) fn new_content(old: &NodeRecord, size: u64, at: OffsetDateTime) -> NodeRecord {
    NodeRecord {
        id: old.id,
        name_ct: old.name_ct.clone(),
        name_mac: old.name_mac,
        created_at: old.created_at,
        modified_at: at,
        ..file(old.user_id, old.parent_id.unwrap(), "unused", size)
    }
}

/// Overwrites `old` keeping `kept` versions; the node and what was released.
pub(super) async fn overwrite(
    store: &dyn MetaStore,
    old: &NodeRecord,
    size: u64,
    at: OffsetDateTime,
    kept: usize,
) -> (NodeRecord, Vec<Uuid>) {
    let new = new_content(old, size, at);
    match store.commit_file(&new, true, MAX, kept).await.unwrap() {
        FileCommit::Replaced { node, released } => {
            assert_eq!(node, new, "the node points at the new content");
            (node, released)
        }
        other => panic!("expected Replaced, got {other:?}"),
    }
}

/// What a version of `content` should read as.
fn version_of(content: &NodeRecord, listed: &VersionRecord) -> VersionRecord {
    VersionRecord {
        id: listed.id,
        node_id: content.id,
        object_id: content.object_id.unwrap(),
        size: content.size,
        created_at: content.modified_at,
        binding: content.binding,
    }
}

/// Checks the listed versions are `contents`, in that order (newest first).
async fn assert_versions(store: &dyn MetaStore, file: &NodeRecord, contents: &[&NodeRecord]) {
    let listed = store.versions(file.user_id, file.id).await.unwrap();
    let expected: Vec<_> = contents
        .iter()
        .zip(&listed)
        .map(|(content, version)| version_of(content, version))
        .collect();
    assert_eq!(listed.len(), contents.len(), "{listed:?}");
    assert_eq!(listed, expected);
    let distinct: BTreeSet<Uuid> = listed.iter().map(|v| v.id).collect();
    assert_eq!(distinct.len(), listed.len(), "version ids are distinct");
}

async fn usage(store: &dyn MetaStore, user: Uuid) -> Usage {
    store.usage(user).await.unwrap()
}

fn object(node: &NodeRecord) -> Uuid {
    node.object_id.unwrap()
}

pub async fn overwrites_keep_the_newest_versions(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t0 = now() + Duration::minutes(1);
    let first = NodeRecord {
        modified_at: t0,
        ..file(ada.id, ada.id, "report", 10)
    };
    store.commit_file(&first, false, MAX, 3).await.unwrap();
    let mut contents = vec![first.clone()];
    for (i, size) in [20u64, 30, 40, 50, 60].into_iter().enumerate() {
        let at = t0 + Duration::minutes(i as i64 + 1);
        let previous = contents.last().unwrap().clone();
        let (node, released) = overwrite(store, &previous, size, at, 3).await;
        // Up to three are kept; from the fourth overwrite on, the oldest goes.
        let expected: Vec<Uuid> = match i {
            0..=2 => vec![],
            _ => vec![object(&contents[i - 3])],
        };
        assert_eq!(released, expected, "overwrite {i}");
        contents.push(node);
    }
    let current = contents.last().unwrap();
    assert_eq!(
        store.node(ada.id, first.id).await.unwrap().as_ref(),
        Some(current)
    );
    assert_versions(store, &first, &[&contents[4], &contents[3], &contents[2]]).await;
    // The quota holds the current content and the versions kept.
    assert_eq!(used(store, ada.id).await, 60 + 50 + 40 + 30);
    assert_eq!(
        usage(store, ada.id).await,
        Usage {
            trash_bytes: 0,
            version_bytes: 120,
        }
    );
    for (i, content) in contents.iter().enumerate() {
        let kept = i >= 2;
        assert_eq!(
            store
                .object_referenced(ada.id, object(content))
                .await
                .unwrap(),
            kept,
            "content {i}"
        );
    }
    let listed: BTreeSet<Uuid> = store
        .object_ids(ada.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(listed, contents[2..].iter().map(object).collect());
    // Only the owner sees them; an unknown file has none.
    let bob = user(store, 1000).await;
    assert!(store.versions(bob.id, first.id).await.unwrap().is_empty());
    assert!(
        !store
            .object_referenced(bob.id, object(&contents[3]))
            .await
            .unwrap()
    );
    assert!(
        store
            .versions(ada.id, Uuid::new_v4())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(usage(store, bob.id).await, Usage::default());
}

pub async fn keeping_no_versions(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t0 = now() + Duration::minutes(1);
    let old = put_file(store, ada.id, ada.id, "report", 30).await;
    let (node, released) = overwrite(store, &old, 50, t0, 0).await;
    assert_eq!(released, vec![object(&old)]);
    assert!(store.versions(ada.id, old.id).await.unwrap().is_empty());
    assert_eq!(used(store, ada.id).await, 50);
    assert_eq!(usage(store, ada.id).await.version_bytes, 0);

    // Versions kept before go too once none are to be kept.
    let (second, _) = overwrite(store, &node, 20, t0 + Duration::minutes(1), 5).await;
    let (third, _) = overwrite(store, &second, 10, t0 + Duration::minutes(2), 5).await;
    assert_versions(store, &old, &[&second, &node]).await;
    assert_eq!(used(store, ada.id).await, 80);
    let (_, released) = overwrite(store, &third, 5, t0 + Duration::minutes(3), 0).await;
    let released: BTreeSet<Uuid> = released.into_iter().collect();
    assert_eq!(
        released,
        BTreeSet::from([object(&node), object(&second), object(&third)])
    );
    assert!(store.versions(ada.id, old.id).await.unwrap().is_empty());
    assert_eq!(used(store, ada.id).await, 5);
}

pub async fn quota_counts_the_content_kept(store: &dyn MetaStore) {
    let ada = user(store, 100).await;
    let t0 = now() + Duration::minutes(1);
    let old = put_file(store, ada.id, ada.id, "report", 40).await;
    let (v1, _) = overwrite(store, &old, 50, t0, 3).await;
    assert_eq!(used(store, ada.id).await, 90);
    // 20 more does not fit beside the 40 and 50 kept: nothing changes.
    let refused = new_content(&v1, 20, t0 + Duration::minutes(1));
    assert_quota(store.commit_file(&refused, true, MAX, 3).await);
    assert_eq!(store.node(ada.id, old.id).await.unwrap(), Some(v1.clone()));
    assert_versions(store, &old, &[&old]).await;
    assert_eq!(used(store, ada.id).await, 90);
    assert!(store.object_referenced(ada.id, object(&old)).await.unwrap());
    // Keeping one, the 40 rotates out in the same step, and it fits.
    let (v2, released) = overwrite(store, &v1, 20, t0 + Duration::minutes(2), 1).await;
    assert_eq!(released, vec![object(&old)]);
    assert_versions(store, &old, &[&v1]).await;
    assert_eq!(used(store, ada.id).await, 70);
    assert_eq!(store.node(ada.id, old.id).await.unwrap(), Some(v2));
}

pub async fn restore_version_swaps_the_contents(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t0 = now() + Duration::minutes(1);
    let v0 = NodeRecord {
        modified_at: t0,
        ..file(ada.id, ada.id, "report", 10)
    };
    store.commit_file(&v0, false, MAX, 3).await.unwrap();
    let (v1, _) = overwrite(store, &v0, 20, t0 + Duration::minutes(1), 3).await;
    let (v2, _) = overwrite(store, &v1, 30, t0 + Duration::minutes(2), 3).await;
    let listed = store.versions(ada.id, v0.id).await.unwrap();
    let oldest = listed.last().unwrap().clone();
    assert_eq!(oldest.object_id, object(&v0));

    // The current content becomes the newest version; the restored one is
    // the file's again, and no longer a version.
    let at = t0 + Duration::minutes(9);
    let (node, released) = store
        .restore_version(ada.id, v0.id, oldest.id, 3, at)
        .await
        .unwrap();
    let expected = NodeRecord {
        modified_at: at,
        ..v0.clone()
    };
    assert_eq!(node, expected);
    assert!(released.is_empty());
    assert_eq!(
        store.node(ada.id, v0.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_versions(store, &v0, &[&v2, &v1]).await;
    assert_eq!(used(store, ada.id).await, 60);
    assert_eq!(usage(store, ada.id).await.version_bytes, 50);

    // Keeping one: the version of 20 comes back, that of 30 goes.
    let of_v1 = store.versions(ada.id, v0.id).await.unwrap()[1].clone();
    let later = at + Duration::minutes(1);
    let (node, released) = store
        .restore_version(ada.id, v0.id, of_v1.id, 1, later)
        .await
        .unwrap();
    assert_eq!(
        node,
        NodeRecord {
            modified_at: later,
            ..v1.clone()
        }
    );
    assert_eq!(released, vec![object(&v2)]);
    assert_versions(store, &v0, &[&expected]).await;
    assert_eq!(used(store, ada.id).await, 30);
    assert!(!store.object_referenced(ada.id, object(&v2)).await.unwrap());

    // Only a version of that live file of the user's.
    let version = store.versions(ada.id, v0.id).await.unwrap()[0].clone();
    let bob = user(store, 1000).await;
    assert_not_found(
        store
            .restore_version(bob.id, v0.id, version.id, 3, later)
            .await,
    );
    assert_not_found(
        store
            .restore_version(ada.id, v0.id, Uuid::new_v4(), 3, later)
            .await,
    );
    let other = put_file(store, ada.id, ada.id, "other", 1).await;
    assert_not_found(
        store
            .restore_version(ada.id, other.id, version.id, 3, later)
            .await,
    );
    let folder = mkdir(store, ada.id, ada.id, "folder").await;
    assert_not_found(
        store
            .restore_version(ada.id, folder.id, version.id, 3, later)
            .await,
    );
    // In the trash, a file keeps its versions but cannot be restored to one.
    store.trash_node(ada.id, v0.id, later).await.unwrap();
    assert_eq!(
        store.versions(ada.id, v0.id).await.unwrap(),
        vec![version.clone()]
    );
    assert_not_found(
        store
            .restore_version(ada.id, v0.id, version.id, 3, later)
            .await,
    );
    assert_eq!(store.versions(ada.id, v0.id).await.unwrap(), vec![version]);
    assert_eq!(used(store, ada.id).await, 31);
}

pub async fn delete_version_releases_its_quota(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t0 = now() + Duration::minutes(1);
    let old = put_file(store, ada.id, ada.id, "report", 10).await;
    let (v1, _) = overwrite(store, &old, 20, t0, 3).await;
    let (_, _) = overwrite(store, &v1, 30, t0 + Duration::minutes(1), 3).await;
    let listed = store.versions(ada.id, old.id).await.unwrap();
    assert_eq!(used(store, ada.id).await, 60);

    let bob = user(store, 1000).await;
    let other = put_file(store, ada.id, ada.id, "other", 1).await;
    assert_not_found(store.delete_version(bob.id, old.id, listed[0].id).await);
    assert_not_found(store.delete_version(ada.id, other.id, listed[0].id).await);
    assert_not_found(store.delete_version(ada.id, old.id, Uuid::new_v4()).await);
    assert_eq!(store.versions(ada.id, old.id).await.unwrap(), listed);

    assert_eq!(
        store
            .delete_version(ada.id, old.id, listed[0].id)
            .await
            .unwrap(),
        object(&v1)
    );
    assert_versions(store, &old, &[&old]).await;
    assert_eq!(used(store, ada.id).await, 41);
    assert!(!store.object_referenced(ada.id, object(&v1)).await.unwrap());
    assert_not_found(store.delete_version(ada.id, old.id, listed[0].id).await);
    assert_eq!(used(store, ada.id).await, 41);
}

pub async fn delete_node_takes_the_versions(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t0 = now() + Duration::minutes(1);
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let old = put_file(store, ada.id, docs.id, "report", 10).await;
    let (v1, _) = overwrite(store, &old, 20, t0, 3).await;
    let (v2, _) = overwrite(store, &v1, 30, t0 + Duration::minutes(1), 3).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 4).await;
    assert_eq!(used(store, ada.id).await, 64);

    let returned: BTreeSet<Uuid> = store
        .delete_node(ada.id, docs.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        returned,
        BTreeSet::from([object(&old), object(&v1), object(&v2)])
    );
    assert_eq!(used(store, ada.id).await, 4);
    assert_eq!(usage(store, ada.id).await, Usage::default());
    assert!(store.versions(ada.id, old.id).await.unwrap().is_empty());
    assert_eq!(store.object_ids(ada.id).await.unwrap(), vec![object(&keep)]);
    for gone in [&old, &v1, &v2] {
        assert!(!store.object_referenced(ada.id, object(gone)).await.unwrap());
    }
}
