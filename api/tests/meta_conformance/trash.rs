//! The trash: a trashed subtree leaves every read of the live tree at once
//! and frees its name, but stays stored (and counted) until purged;
//! restored to where it was or elsewhere, or purged with its versions. Items
//! trashed from inside each other are independent. The sweeper finds
//! everyone's oldest items; shares end with the trashing; the account takes
//! the trash and the versions with it.

use std::collections::BTreeSet;

use strongroom_api::store::meta::{MetaStore, NodeRecord, TrashedRecord, Usage};
use strongroom_api::store::{Conflict, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::shares::share;
use super::versions::overwrite;
use super::{
    MAX, assert_conflict, assert_invalid_move, assert_not_found, file, folder, ids, mac, mkdir,
    now, put_file, rename, used, user,
};

fn ago(seconds: i64) -> OffsetDateTime {
    now() - Duration::seconds(seconds)
}

fn object(node: &NodeRecord) -> Uuid {
    node.object_id.unwrap()
}

async fn trash(store: &dyn MetaStore, node: &NodeRecord, at: OffsetDateTime) -> TrashedRecord {
    store.trash_node(node.user_id, node.id, at).await.unwrap()
}

/// The node count is `n`: one more folder does not fit under a limit of `n`,
/// and fits under `n + 1` (then goes again).
pub(super) async fn assert_node_count(store: &dyn MetaStore, user: Uuid, n: u64) {
    let probe = folder(user, user, &format!("probe {}", Uuid::new_v4()));
    let refused = store.create_folder(&probe, n).await;
    assert!(
        matches!(refused, Err(StoreError::NodeLimit)),
        "fewer than {n} nodes: {refused:?}"
    );
    store.create_folder(&probe, n + 1).await.unwrap();
    store.delete_node(user, probe.id).await.unwrap();
}

pub async fn trash_hides_a_subtree_and_frees_its_name(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let f1 = put_file(store, ada.id, a.id, "f1", 10).await;
    let f2 = put_file(store, ada.id, b.id, "f2", 20).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 5).await;
    assert_node_count(store, ada.id, 5).await;

    let at = ago(60);
    let item = trash(store, &a, at).await;
    assert_eq!(
        item,
        TrashedRecord {
            node: a.clone(),
            trashed_at: at,
            bytes: 30,
        }
    );
    // Out of every read of the live tree.
    for gone in [&a, &b, &f1, &f2] {
        assert_eq!(store.node(ada.id, gone.id).await.unwrap(), None);
        assert!(store.ancestors(ada.id, gone.id).await.unwrap().is_empty());
    }
    assert_eq!(
        store.child_by_mac(ada.id, ada.id, &mac("a")).await.unwrap(),
        None
    );
    assert_eq!(
        store.child_by_mac(ada.id, a.id, &mac("b")).await.unwrap(),
        None
    );
    assert_eq!(
        store.child_by_mac(ada.id, b.id, &mac("f2")).await.unwrap(),
        None
    );
    assert_eq!(
        store.children(ada.id, ada.id).await.unwrap(),
        vec![keep.clone()]
    );
    assert_eq!(store.all_nodes(ada.id).await.unwrap(), vec![keep.clone()]);
    // Its folders still list what they hold, to walk the item.
    assert_eq!(
        ids(&store.children(ada.id, a.id).await.unwrap()),
        ids(&[b.clone(), f1.clone()])
    );
    assert_eq!(
        store.children(ada.id, b.id).await.unwrap(),
        vec![f2.clone()]
    );
    // Still stored and counted.
    assert_eq!(used(store, ada.id).await, 35);
    assert_node_count(store, ada.id, 5).await;
    assert_eq!(
        store.usage(ada.id).await.unwrap(),
        Usage {
            trash_bytes: 30,
            version_bytes: 0,
        }
    );
    assert!(store.object_referenced(ada.id, object(&f2)).await.unwrap());
    let objects: BTreeSet<Uuid> = store
        .object_ids(ada.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        objects,
        BTreeSet::from([object(&f1), object(&f2), object(&keep)])
    );
    assert_eq!(store.trash(ada.id).await.unwrap(), vec![item.clone()]);
    assert_eq!(
        store.trashed(ada.id, a.id).await.unwrap(),
        Some(item.clone())
    );
    // Only the top is an item of the trash.
    assert_eq!(store.trashed(ada.id, b.id).await.unwrap(), None);
    // The name is free: a new folder of that name, and a file in it.
    let again = mkdir(store, ada.id, ada.id, "a").await;
    put_file(store, ada.id, again.id, "f1", 1).await;
    assert_eq!(store.trashed(ada.id, a.id).await.unwrap(), Some(item));

    // No second time; not the root; not someone else's or nothing.
    assert_not_found(store.trash_node(ada.id, a.id, at).await);
    assert_not_found(store.trash_node(ada.id, b.id, at).await);
    assert_invalid_move(store.trash_node(ada.id, ada.id, at).await);
    let bob = user(store, 1000).await;
    assert_not_found(store.trash_node(bob.id, keep.id, at).await);
    assert_not_found(store.trash_node(ada.id, Uuid::new_v4(), at).await);
    assert!(store.trash(bob.id).await.unwrap().is_empty());
    assert_eq!(store.trashed(bob.id, a.id).await.unwrap(), None);
    assert_eq!(store.node(ada.id, keep.id).await.unwrap(), Some(keep));
}

pub async fn trash_lists_newest_first(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let x = mkdir(store, ada.id, ada.id, "x").await;
    let y = put_file(store, ada.id, ada.id, "y", 3).await;
    let z = mkdir(store, ada.id, ada.id, "z").await;
    // One clock reading: the stores keep seconds.
    let (t1, t2, t3) = (ago(300), ago(200), ago(100));
    trash(store, &x, t1).await;
    trash(store, &y, t3).await;
    trash(store, &z, t2).await;
    let listed: Vec<(Uuid, OffsetDateTime, u64)> = store
        .trash(ada.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.node.id, t.trashed_at, t.bytes))
        .collect();
    assert_eq!(listed, vec![(y.id, t3, 3), (z.id, t2, 0), (x.id, t1, 0)]);
}

pub async fn restore_puts_a_subtree_back(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let f = put_file(store, ada.id, b.id, "f", 7).await;
    let elsewhere = mkdir(store, ada.id, ada.id, "elsewhere").await;
    trash(store, &a, ago(60)).await;

    // Back where it was, under its name.
    let update = rename(ada.id, "a");
    let back = store.restore_node(ada.id, a.id, &update).await.unwrap();
    let expected = NodeRecord {
        modified_at: update.modified_at,
        ..a.clone()
    };
    assert_eq!(back, expected);
    assert_eq!(
        store.node(ada.id, a.id).await.unwrap(),
        Some(expected.clone())
    );
    assert_eq!(
        store
            .ancestors(ada.id, f.id)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        vec![ada.id, a.id, b.id, f.id]
    );
    assert_eq!(
        store.child_by_mac(ada.id, b.id, &mac("f")).await.unwrap(),
        Some(f.clone())
    );
    assert_eq!(store.all_nodes(ada.id).await.unwrap().len(), 4);
    assert!(store.trash(ada.id).await.unwrap().is_empty());
    assert_eq!(store.trashed(ada.id, a.id).await.unwrap(), None);
    assert_eq!(store.usage(ada.id).await.unwrap(), Usage::default());
    assert_eq!(used(store, ada.id).await, 7);
    // Live again: things can be made in it.
    mkdir(store, ada.id, b.id, "new").await;

    // Into another folder under another name.
    let item = trash(store, &b, ago(30)).await;
    assert_eq!(item.node.parent_id, Some(a.id));
    let update = rename(elsewhere.id, "renamed");
    let moved = store.restore_node(ada.id, b.id, &update).await.unwrap();
    assert_eq!(moved.parent_id, Some(elsewhere.id));
    assert_eq!(moved.name_ct, update.name_ct);
    assert_eq!(
        store
            .child_by_mac(ada.id, elsewhere.id, &mac("renamed"))
            .await
            .unwrap(),
        Some(moved.clone())
    );
    assert!(store.children(ada.id, a.id).await.unwrap().is_empty());
    assert_eq!(store.children(ada.id, b.id).await.unwrap().len(), 2);
    assert_eq!(
        store
            .ancestors(ada.id, f.id)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        vec![ada.id, elsewhere.id, b.id, f.id]
    );
}

pub async fn restore_refusals_change_nothing(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let other = mkdir(store, ada.id, ada.id, "other").await;
    let inner = mkdir(store, ada.id, other.id, "inner").await;
    let f = put_file(store, ada.id, ada.id, "f", 1).await;
    let item = trash(store, &a, ago(60)).await;
    let taken = mkdir(store, ada.id, ada.id, "a").await;

    // The name is taken now.
    assert_conflict(
        store.restore_node(ada.id, a.id, &rename(ada.id, "a")).await,
        Conflict::Name,
    );
    // Targets that are not live folders of the user's: a trashed item, a
    // folder inside one, a file, nothing, someone else's root.
    trash(store, &other, ago(30)).await;
    assert_not_found(
        store
            .restore_node(ada.id, a.id, &rename(other.id, "a"))
            .await,
    );
    assert_not_found(
        store
            .restore_node(ada.id, a.id, &rename(inner.id, "a"))
            .await,
    );
    assert_not_found(store.restore_node(ada.id, a.id, &rename(f.id, "a")).await);
    assert_not_found(
        store
            .restore_node(ada.id, a.id, &rename(Uuid::new_v4(), "a"))
            .await,
    );
    let bob = user(store, 1000).await;
    assert_not_found(store.restore_node(ada.id, a.id, &rename(bob.id, "a")).await);
    // Ids that are not items of the user's trash.
    assert_not_found(store.restore_node(bob.id, a.id, &rename(bob.id, "a")).await);
    assert_not_found(store.restore_node(ada.id, b.id, &rename(ada.id, "b")).await);
    assert_not_found(store.restore_node(ada.id, f.id, &rename(ada.id, "g")).await);
    assert_not_found(
        store
            .restore_node(ada.id, Uuid::new_v4(), &rename(ada.id, "g"))
            .await,
    );

    // Nothing moved.
    assert_eq!(store.trashed(ada.id, a.id).await.unwrap(), Some(item));
    assert_eq!(store.node(ada.id, a.id).await.unwrap(), None);
    assert_eq!(store.node(ada.id, b.id).await.unwrap(), None);
    assert_eq!(
        store.child_by_mac(ada.id, ada.id, &mac("a")).await.unwrap(),
        Some(taken)
    );
    assert_eq!(store.node(ada.id, f.id).await.unwrap(), Some(f));
    // Under a free name it goes.
    store
        .restore_node(ada.id, a.id, &rename(ada.id, "a2"))
        .await
        .unwrap();
    assert_eq!(store.children(ada.id, a.id).await.unwrap(), vec![b]);
}

pub async fn nested_trash_items_are_independent(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let f = put_file(store, ada.id, b.id, "f", 7).await;
    let g = put_file(store, ada.id, a.id, "g", 3).await;
    let first = trash(store, &b, ago(120)).await;
    let second = trash(store, &a, ago(60)).await;
    assert_eq!((first.bytes, second.bytes), (7, 3));
    assert_eq!(
        store.trash(ada.id).await.unwrap(),
        vec![second.clone(), first.clone()]
    );
    // b is its own item, not something inside a.
    assert_eq!(store.children(ada.id, a.id).await.unwrap(), vec![g.clone()]);
    assert_eq!(store.trashed(ada.id, b.id).await.unwrap().unwrap().node, b);
    assert_eq!(store.usage(ada.id).await.unwrap().trash_bytes, 10);

    // Purging a leaves b.
    assert_eq!(
        store.purge_node(ada.id, a.id).await.unwrap(),
        vec![object(&g)]
    );
    assert_eq!(store.trash(ada.id).await.unwrap(), vec![first]);
    assert_eq!(store.children(ada.id, b.id).await.unwrap(), vec![f.clone()]);
    assert_eq!(used(store, ada.id).await, 7);
    assert_node_count(store, ada.id, 2).await;
    assert!(store.object_referenced(ada.id, object(&f)).await.unwrap());

    // Its old folder is gone: it goes back to the root.
    assert_not_found(store.restore_node(ada.id, b.id, &rename(a.id, "b")).await);
    store
        .restore_node(ada.id, b.id, &rename(ada.id, "b"))
        .await
        .unwrap();
    assert_eq!(
        store
            .ancestors(ada.id, f.id)
            .await
            .unwrap()
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        vec![ada.id, b.id, f.id]
    );
    assert_eq!(store.usage(ada.id).await.unwrap(), Usage::default());
}

pub async fn purge_releases_everything(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let sub = mkdir(store, ada.id, a.id, "sub").await;
    let f = put_file(store, ada.id, a.id, "f", 10).await;
    let later = now() + Duration::minutes(1);
    let (f1, _) = overwrite(store, &f, 20, later, 5).await;
    let (f2, _) = overwrite(store, &f1, 30, later + Duration::minutes(1), 5).await;
    let g = put_file(store, ada.id, sub.id, "g", 5).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 1).await;
    assert_eq!(used(store, ada.id).await, 66);
    assert_node_count(store, ada.id, 5).await;

    let item = trash(store, &a, ago(10)).await;
    // The item's bytes are the current contents; versions count as versions.
    assert_eq!(item.bytes, 35);
    assert_eq!(
        store.usage(ada.id).await.unwrap(),
        Usage {
            trash_bytes: 35,
            version_bytes: 30,
        }
    );
    assert_eq!(store.versions(ada.id, f.id).await.unwrap().len(), 2);
    assert!(store.object_referenced(ada.id, object(&f)).await.unwrap());

    let bob = user(store, 1000).await;
    assert_not_found(store.purge_node(bob.id, a.id).await);
    assert_not_found(store.purge_node(ada.id, sub.id).await);
    assert_not_found(store.purge_node(ada.id, keep.id).await);
    let returned: BTreeSet<Uuid> = store
        .purge_node(ada.id, a.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let all = [&f, &f1, &f2, &g];
    assert_eq!(returned, all.iter().map(|n| object(n)).collect());
    assert_eq!(used(store, ada.id).await, 1);
    assert_node_count(store, ada.id, 1).await;
    assert_eq!(store.usage(ada.id).await.unwrap(), Usage::default());
    for gone in all {
        assert!(!store.object_referenced(ada.id, object(gone)).await.unwrap());
    }
    assert_eq!(store.object_ids(ada.id).await.unwrap(), vec![object(&keep)]);
    assert!(store.trash(ada.id).await.unwrap().is_empty());
    assert!(store.versions(ada.id, f.id).await.unwrap().is_empty());
    assert!(store.children(ada.id, a.id).await.unwrap().is_empty());
    assert_not_found(store.purge_node(ada.id, a.id).await);
    assert_not_found(store.restore_node(ada.id, a.id, &rename(ada.id, "a")).await);
}

pub async fn trashed_before_is_oldest_first_across_users(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let x = mkdir(store, ada.id, ada.id, "x").await;
    let y = mkdir(store, ada.id, ada.id, "y").await;
    let z = put_file(store, bob.id, bob.id, "z", 1).await;
    let w = mkdir(store, bob.id, bob.id, "w").await;
    let inner = mkdir(store, ada.id, x.id, "inner").await;
    trash(store, &x, ago(300)).await;
    trash(store, &y, ago(100)).await;
    trash(store, &z, ago(200)).await;
    trash(store, &w, ago(10)).await;

    let cutoff = ago(50);
    assert_eq!(
        store.trashed_before(cutoff, 10).await.unwrap(),
        vec![(ada.id, x.id), (bob.id, z.id), (ada.id, y.id)]
    );
    assert_eq!(
        store.trashed_before(cutoff, 2).await.unwrap(),
        vec![(ada.id, x.id), (bob.id, z.id)]
    );
    assert_eq!(
        store.trashed_before(ago(250), 10).await.unwrap(),
        vec![(ada.id, x.id)]
    );
    assert!(store.trashed_before(ago(400), 10).await.unwrap().is_empty());
    assert!(
        !store
            .trashed_before(now() + Duration::hours(1), 10)
            .await
            .unwrap()
            .contains(&(ada.id, inner.id))
    );

    // Restored and purged items are no longer due.
    store
        .restore_node(ada.id, x.id, &rename(ada.id, "x"))
        .await
        .unwrap();
    store.purge_node(bob.id, z.id).await.unwrap();
    assert_eq!(
        store.trashed_before(cutoff, 10).await.unwrap(),
        vec![(ada.id, y.id)]
    );
}

pub async fn nothing_enters_the_trash(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let t = mkdir(store, ada.id, ada.id, "t").await;
    let inner = mkdir(store, ada.id, t.id, "inner").await;
    let x = mkdir(store, ada.id, ada.id, "x").await;
    let f = put_file(store, ada.id, ada.id, "f", 2).await;
    trash(store, &t, ago(10)).await;

    for target in [t.id, inner.id] {
        assert_not_found(store.create_folder(&folder(ada.id, target, "n"), MAX).await);
        assert_not_found(
            store
                .commit_file(&file(ada.id, target, "n", 1), false, MAX, 3)
                .await,
        );
        assert_not_found(
            store
                .commit_file(&file(ada.id, target, "n", 1), true, MAX, 3)
                .await,
        );
        assert_not_found(store.update_node(ada.id, x.id, &rename(target, "x")).await);
        assert_not_found(store.update_node(ada.id, f.id, &rename(target, "f")).await);
    }
    // What is in the trash cannot be renamed or moved either.
    assert_not_found(
        store
            .update_node(ada.id, inner.id, &rename(ada.id, "inner"))
            .await,
    );
    assert_not_found(store.update_node(ada.id, t.id, &rename(ada.id, "t2")).await);
    // Nor deleted past the trash, nor shared.
    assert_not_found(store.delete_node(ada.id, inner.id).await);
    assert_not_found(store.create_share(&share(&inner, 0)).await);

    assert_eq!(
        store.children(ada.id, t.id).await.unwrap(),
        vec![inner.clone()]
    );
    assert!(store.children(ada.id, inner.id).await.unwrap().is_empty());
    assert_eq!(used(store, ada.id).await, 2);
    assert_node_count(store, ada.id, 4).await;
    assert_eq!(store.node(ada.id, x.id).await.unwrap(), Some(x));
    assert_eq!(store.node(ada.id, f.id).await.unwrap(), Some(f));
}

pub async fn trash_ends_the_shares_of_the_subtree(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let shared = mkdir(store, ada.id, ada.id, "shared").await;
    let a = mkdir(store, ada.id, shared.id, "a").await;
    let f = put_file(store, ada.id, a.id, "f", 1).await;
    let g = put_file(store, ada.id, shared.id, "g", 1).await;
    let of_shared = share(&shared, 30);
    let of_a = share(&a, 20);
    let of_f = share(&f, 10);
    let of_g = share(&g, 0);
    for s in [&of_shared, &of_a, &of_f, &of_g] {
        store.create_share(s).await.unwrap();
    }
    let entry = |n: &NodeRecord| (n.id, n.id.as_bytes().to_vec());
    store
        .put_share_entries(of_shared.id, &[entry(&a), entry(&f), entry(&g)])
        .await
        .unwrap();

    trash(store, &a, ago(5)).await;
    assert_eq!(store.share(of_a.id).await.unwrap(), None);
    assert_eq!(store.share(of_f.id).await.unwrap(), None);
    assert!(store.shares_of_node(ada.id, f.id).await.unwrap().is_empty());
    let left: Vec<Uuid> = store
        .shares_of(ada.id)
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, vec![of_g.id, of_shared.id]);
    // The folder above keeps its share, with no entry for what is trashed.
    assert_eq!(
        store.share(of_shared.id).await.unwrap(),
        Some(of_shared.clone())
    );
    assert_eq!(
        store
            .share_entries(of_shared.id, &[a.id, f.id, g.id])
            .await
            .unwrap(),
        vec![entry(&g)]
    );
    // Restoring does not bring them back.
    store
        .restore_node(ada.id, a.id, &rename(shared.id, "a"))
        .await
        .unwrap();
    assert_eq!(store.share(of_a.id).await.unwrap(), None);
    assert_eq!(store.share(of_f.id).await.unwrap(), None);
    assert_eq!(
        store
            .share_entries(of_shared.id, &[a.id, f.id])
            .await
            .unwrap(),
        vec![]
    );
}

pub async fn delete_user_takes_the_trash_and_versions(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let f = put_file(store, ada.id, a.id, "f", 10).await;
    let (f1, _) = overwrite(store, &f, 20, now() + Duration::minutes(1), 3).await;
    let live = put_file(store, ada.id, ada.id, "live", 4).await;
    let (live1, _) = overwrite(store, &live, 5, now() + Duration::minutes(1), 3).await;
    trash(store, &a, ago(100)).await;
    let bobs = mkdir(store, bob.id, bob.id, "bobs").await;
    trash(store, &bobs, ago(90)).await;

    store.delete_user(ada.id).await.unwrap();
    assert!(store.object_ids(ada.id).await.unwrap().is_empty());
    for gone in [&f, &f1, &live, &live1] {
        assert!(!store.object_referenced(ada.id, object(gone)).await.unwrap());
    }
    assert!(store.trash(ada.id).await.unwrap().is_empty());
    assert_eq!(store.trashed(ada.id, a.id).await.unwrap(), None);
    assert!(store.versions(ada.id, f.id).await.unwrap().is_empty());
    assert!(store.versions(ada.id, live.id).await.unwrap().is_empty());
    assert_eq!(store.usage(ada.id).await.unwrap(), Usage::default());
    // The sweeper finds only Bob's item.
    assert_eq!(
        store.trashed_before(now(), 10).await.unwrap(),
        vec![(bob.id, bobs.id)]
    );
}
