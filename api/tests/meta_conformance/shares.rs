//! Share links: created only on the owner's nodes, found by id alone, listed
//! newest first, re-sealed and revoked only by their owner, downloads
//! counted atomically, and gone (deleted, not just hidden) with their node
//! and with the owner's account. The entries of folder shares: put (insert
//! or replace), read and deleted per node, in thousands, and gone with
//! their share however it goes.

use std::collections::BTreeSet;

use strongroom_api::store::Conflict;
use strongroom_api::store::meta::{MetaStore, NodeRecord, SharePassword, ShareRecord, UserRecord};
use time::Duration;
use uuid::Uuid;

use super::{RawMeta, assert_conflict, assert_not_found, mkdir, now, put_file, user};

/// A share of `node`, made `age` seconds ago, with no option set.
pub(super) fn share(node: &NodeRecord, age: i64) -> ShareRecord {
    let id = Uuid::new_v4();
    ShareRecord {
        id,
        user_id: node.user_id,
        node_id: node.id,
        kind: node.kind,
        secret_hash: [id.as_bytes()[0]; 32],
        link_wrapped_key: vec![1; 40],
        owner_wrapped_key: vec![2; 40],
        password: None,
        sealed: b"sealed: name, object, size, key".to_vec(),
        expires_at: None,
        max_downloads: None,
        downloads: 0,
        created_at: now() - Duration::seconds(age),
    }
}

/// A share with every option set.
fn full_share(node: &NodeRecord) -> ShareRecord {
    ShareRecord {
        password: Some(SharePassword {
            salt: [9; 16],
            params: "m=19456,t=2,p=1".to_owned(),
        }),
        expires_at: Some(now() + Duration::days(7)),
        max_downloads: Some(10),
        ..share(node, 0)
    }
}

fn share_ids(shares: &[ShareRecord]) -> Vec<Uuid> {
    shares.iter().map(|s| s.id).collect()
}

async fn create(store: &dyn MetaStore, share: &ShareRecord) {
    store.create_share(share).await.unwrap();
}

pub async fn shares_round_trip(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let report = put_file(store, ada.id, docs.id, "report", 10).await;
    let full = full_share(&report);
    let bare = share(&docs, 5);
    create(store, &full).await;
    create(store, &bare).await;
    // Every field comes back as written, by id alone.
    assert_eq!(store.share(full.id).await.unwrap(), Some(full.clone()));
    assert_eq!(store.share(bare.id).await.unwrap(), Some(bare.clone()));
    assert_eq!(store.share(Uuid::new_v4()).await.unwrap(), None);
    assert_eq!(
        store.shares_of(ada.id).await.unwrap(),
        vec![full.clone(), bare.clone()]
    );
    // An id is one share.
    let twin = ShareRecord {
        id: full.id,
        ..share(&docs, 0)
    };
    assert_conflict(store.create_share(&twin).await, Conflict::Id);
    assert_eq!(store.share(full.id).await.unwrap(), Some(full));
}

pub async fn shares_need_a_node_of_the_user(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let bobs = put_file(store, bob.id, bob.id, "bobs", 1).await;
    // Bob's node, named as Ada's.
    let theirs = ShareRecord {
        user_id: ada.id,
        ..share(&bobs, 0)
    };
    assert_not_found(store.create_share(&theirs).await);
    // A node that does not exist.
    let ghost = super::file(ada.id, ada.id, "ghost", 1);
    let missing = share(&ghost, 0);
    assert_not_found(store.create_share(&missing).await);
    // Nothing was written.
    for id in [theirs.id, missing.id] {
        assert_eq!(store.share(id).await.unwrap(), None);
    }
    assert!(store.shares_of(ada.id).await.unwrap().is_empty());
    assert!(store.shares_of(bob.id).await.unwrap().is_empty());
}

pub async fn shares_are_listed_newest_first_per_user_and_node(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = put_file(store, ada.id, ada.id, "a", 1).await;
    let b = mkdir(store, ada.id, ada.id, "b").await;
    let old = share(&a, 30);
    let middle = share(&b, 20);
    let new = share(&a, 10);
    // Written out of order: the order comes from `created_at`.
    for s in [&middle, &new, &old] {
        create(store, s).await;
    }
    let bobs = share(&put_file(store, bob.id, bob.id, "c", 1).await, 0);
    create(store, &bobs).await;

    assert_eq!(
        share_ids(&store.shares_of(ada.id).await.unwrap()),
        [new.id, middle.id, old.id]
    );
    assert_eq!(
        share_ids(&store.shares_of(bob.id).await.unwrap()),
        [bobs.id]
    );
    assert_eq!(
        share_ids(&store.shares_of_node(ada.id, a.id).await.unwrap()),
        [new.id, old.id]
    );
    assert_eq!(
        store.shares_of_node(ada.id, b.id).await.unwrap(),
        vec![middle]
    );
    // Another user's node, or a node without shares: none.
    assert!(store.shares_of_node(bob.id, a.id).await.unwrap().is_empty());
    assert!(
        store
            .shares_of_node(ada.id, ada.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.shares_of(Uuid::new_v4()).await.unwrap().is_empty());
}

pub async fn shares_are_resealed_and_revoked_by_their_owner(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let f = put_file(store, ada.id, ada.id, "f", 1).await;
    let s = share(&f, 0);
    let kept = share(&f, 0);
    create(store, &s).await;
    create(store, &kept).await;

    assert!(store.reseal_share(ada.id, s.id, b"renamed").await.unwrap());
    let resealed = ShareRecord {
        sealed: b"renamed".to_vec(),
        ..s.clone()
    };
    assert_eq!(store.share(s.id).await.unwrap(), Some(resealed.clone()));
    // Not Bob's to change or revoke, and an unknown id is nothing.
    assert!(!store.reseal_share(bob.id, s.id, b"bob's").await.unwrap());
    assert!(!store.delete_share(bob.id, s.id).await.unwrap());
    assert!(
        !store
            .reseal_share(ada.id, Uuid::new_v4(), b"x")
            .await
            .unwrap()
    );
    assert!(!store.delete_share(ada.id, Uuid::new_v4()).await.unwrap());
    assert_eq!(store.share(s.id).await.unwrap(), Some(resealed));

    assert!(store.delete_share(ada.id, s.id).await.unwrap());
    assert!(!store.delete_share(ada.id, s.id).await.unwrap());
    assert_eq!(store.share(s.id).await.unwrap(), None);
    assert!(!store.reseal_share(ada.id, s.id, b"late").await.unwrap());
    assert!(!store.count_download(s.id).await.unwrap());
    assert_eq!(store.shares_of(ada.id).await.unwrap(), vec![kept.clone()]);
    assert_eq!(
        store.shares_of_node(ada.id, f.id).await.unwrap(),
        vec![kept]
    );
}

pub async fn downloads_are_counted_atomically(store: &dyn MetaStore) {
    let ada = user(store, 1000).await;
    let f = put_file(store, ada.id, ada.id, "f", 1).await;
    let limited = ShareRecord {
        max_downloads: Some(3),
        ..share(&f, 0)
    };
    create(store, &limited).await;
    // Eight holders at once for three downloads: exactly three get one.
    let burst: Vec<_> = (0..8).map(|_| store.count_download(limited.id)).collect();
    let answers = futures_util::future::join_all(burst).await;
    let counted = answers.iter().filter(|a| matches!(a, Ok(true))).count();
    assert_eq!(counted, 3, "{answers:?}");
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert!(!store.count_download(limited.id).await.unwrap());
    assert_eq!(store.share(limited.id).await.unwrap().unwrap().downloads, 3);

    // One download, taken one at a time.
    let once = ShareRecord {
        max_downloads: Some(1),
        ..share(&f, 0)
    };
    create(store, &once).await;
    assert!(store.count_download(once.id).await.unwrap());
    assert!(!store.count_download(once.id).await.unwrap());
    assert_eq!(store.share(once.id).await.unwrap().unwrap().downloads, 1);

    // Unlimited: every download counts, sequential or not.
    let open = share(&f, 0);
    create(store, &open).await;
    for _ in 0..3 {
        assert!(store.count_download(open.id).await.unwrap());
    }
    let burst: Vec<_> = (0..5).map(|_| store.count_download(open.id)).collect();
    let answers = futures_util::future::join_all(burst).await;
    assert!(answers.iter().all(|a| matches!(a, Ok(true))), "{answers:?}");
    assert_eq!(store.share(open.id).await.unwrap().unwrap().downloads, 8);

    // No share, no download.
    assert!(!store.count_download(Uuid::new_v4()).await.unwrap());
}

/// Whether anything of the share is stored, and whether `share` still
/// answers. In this order: a read may delete what it hides.
async fn stored_and_visible(store: &dyn MetaStore, raw: &RawMeta, s: &ShareRecord) -> (bool, bool) {
    let stored = raw.share_stored(s.user_id, s.id).await;
    (stored, store.share(s.id).await.unwrap().is_some())
}

pub async fn shares_go_with_their_node(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let deep = put_file(store, ada.id, b.id, "deep", 1).await;
    let alone = put_file(store, ada.id, ada.id, "alone", 1).await;
    let kept = put_file(store, ada.id, ada.id, "kept", 1).await;
    let of_a = share(&a, 4);
    let of_b = share(&b, 3);
    let of_deep = share(&deep, 2);
    let of_alone = share(&alone, 1);
    let of_kept = share(&kept, 0);
    for s in [&of_a, &of_b, &of_deep, &of_alone, &of_kept] {
        create(store, s).await;
    }
    let bobs = share(&put_file(store, bob.id, bob.id, "bobs", 1).await, 0);
    create(store, &bobs).await;

    // The node itself.
    store.delete_node(ada.id, alone.id).await.unwrap();
    assert_eq!(
        stored_and_visible(store, raw, &of_alone).await,
        (false, false)
    );
    assert!(!store.count_download(of_alone.id).await.unwrap());
    assert!(!store.reseal_share(ada.id, of_alone.id, b"x").await.unwrap());
    // A folder above: the shares of everything below it go too.
    store.delete_node(ada.id, a.id).await.unwrap();
    for s in [&of_a, &of_b, &of_deep] {
        assert_eq!(stored_and_visible(store, raw, s).await, (false, false));
        assert!(
            store
                .shares_of_node(ada.id, s.node_id)
                .await
                .unwrap()
                .is_empty()
        );
    }
    // The rest stays.
    assert_eq!(
        store.shares_of(ada.id).await.unwrap(),
        vec![of_kept.clone()]
    );
    assert_eq!(store.share(bobs.id).await.unwrap(), Some(bobs));
    assert!(store.count_download(of_kept.id).await.unwrap());
}

/// A share whose node went some other way than the store's `delete_node`
/// (on DynamoDB: one made while its node was being deleted) is never
/// answered, and ends up deleted.
pub async fn a_share_of_a_lost_node_is_hidden(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let lost = put_file(store, ada.id, ada.id, "lost", 1).await;
    let listed = put_file(store, ada.id, ada.id, "listed", 1).await;
    let kept = put_file(store, ada.id, ada.id, "kept", 1).await;
    let by_id = share(&lost, 2);
    let by_list = share(&listed, 1);
    let of_kept = share(&kept, 0);
    for s in [&by_id, &by_list, &of_kept] {
        create(store, s).await;
    }
    raw.lose_node(ada.id, lost.id).await;
    raw.lose_node(ada.id, listed.id).await;
    assert_eq!(store.share(by_id.id).await.unwrap(), None);
    assert_eq!(
        store.shares_of(ada.id).await.unwrap(),
        vec![of_kept.clone()]
    );
    assert!(
        store
            .shares_of_node(ada.id, listed.id)
            .await
            .unwrap()
            .is_empty()
    );
    for s in [&by_id, &by_list] {
        assert!(!raw.share_stored(ada.id, s.id).await, "{s:?}");
    }
    assert_eq!(store.share(of_kept.id).await.unwrap(), Some(of_kept));
}

pub async fn shares_go_with_the_account(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let bob = user(store, 1000).await;
    let docs = mkdir(store, ada.id, ada.id, "docs").await;
    let f = put_file(store, ada.id, docs.id, "f", 1).await;
    let root = store.node(ada.id, ada.id).await.unwrap().unwrap();
    let adas = [share(&root, 2), share(&docs, 1), full_share(&f)];
    for s in &adas {
        create(store, s).await;
    }
    let bobs = share(&put_file(store, bob.id, bob.id, "bobs", 1).await, 0);
    create(store, &bobs).await;

    store.delete_user(ada.id).await.unwrap();
    for s in &adas {
        assert_eq!(stored_and_visible(store, raw, s).await, (false, false));
        assert!(!store.count_download(s.id).await.unwrap());
    }
    assert!(store.shares_of(ada.id).await.unwrap().is_empty());
    let left: BTreeSet<Uuid> = share_ids(&store.shares_of(bob.id).await.unwrap())
        .into_iter()
        .collect();
    assert_eq!(left, BTreeSet::from([bobs.id]));
    assert_eq!(store.share(bobs.id).await.unwrap(), Some(bobs));
}

// ---------------------------------------------------------------------------
// The entries of folder shares

type Entries = Vec<(Uuid, Vec<u8>)>;

/// What a link may know of a node, as a store keeps it: opaque bytes.
fn sealed_entry(node: Uuid, version: u8) -> Vec<u8> {
    let mut bytes = node.as_bytes().to_vec();
    bytes.extend([version; 24]);
    bytes
}

fn entries_of(nodes: &[&NodeRecord], version: u8) -> Entries {
    nodes
        .iter()
        .map(|n| (n.id, sealed_entry(n.id, version)))
        .collect()
}

/// The entries of `nodes`, in a fixed order (stores answer in none).
async fn entries(store: &dyn MetaStore, share: Uuid, nodes: &[Uuid]) -> Entries {
    let mut found = store.share_entries(share, nodes).await.unwrap();
    found.sort();
    found
}

fn sorted(mut entries: Entries) -> Entries {
    entries.sort();
    entries
}

/// A shared folder of Ada's holding `n` folders, with the share.
async fn shared_folder(
    store: &dyn MetaStore,
    n: usize,
) -> (UserRecord, NodeRecord, Vec<NodeRecord>, ShareRecord) {
    let ada = user(store, 1000).await;
    let top = mkdir(store, ada.id, ada.id, "shared").await;
    let mut inside = Vec::with_capacity(n);
    for i in 0..n {
        inside.push(mkdir(store, ada.id, top.id, &format!("n{i}")).await);
    }
    let s = share(&top, 0);
    create(store, &s).await;
    (ada, top, inside, s)
}

pub async fn share_entries_round_trip(store: &dyn MetaStore) {
    let (_, top, inside, s) = shared_folder(store, 4).await;
    let [a, b, c, d] = [&inside[0], &inside[1], &inside[2], &inside[3]];
    let all = [a.id, b.id, c.id, d.id];
    assert!(entries(store, s.id, &all).await.is_empty());

    store
        .put_share_entries(s.id, &entries_of(&[a, b], 1))
        .await
        .unwrap();
    assert_eq!(
        entries(store, s.id, &all).await,
        sorted(entries_of(&[a, b], 1))
    );
    // Insert or replace: b is replaced, c added, a left as it was.
    store
        .put_share_entries(s.id, &entries_of(&[b, c], 2))
        .await
        .unwrap();
    let mut expected = entries_of(&[a], 1);
    expected.extend(entries_of(&[b, c], 2));
    assert_eq!(entries(store, s.id, &all).await, sorted(expected.clone()));
    // A node given twice in one call: the last wins.
    let twice = vec![(d.id, sealed_entry(d.id, 3)), (d.id, sealed_entry(d.id, 4))];
    store.put_share_entries(s.id, &twice).await.unwrap();
    expected.extend(entries_of(&[d], 4));
    assert_eq!(entries(store, s.id, &all).await, sorted(expected.clone()));

    // A subset, a node asked for twice, missing nodes, nothing at all.
    assert_eq!(
        entries(store, s.id, &[c.id, a.id, c.id]).await,
        sorted(vec![
            (a.id, sealed_entry(a.id, 1)),
            (c.id, sealed_entry(c.id, 2))
        ])
    );
    assert!(entries(store, s.id, &[Uuid::new_v4()]).await.is_empty());
    assert_eq!(
        entries(store, s.id, &[Uuid::new_v4(), b.id]).await,
        entries_of(&[b], 2)
    );
    assert!(entries(store, s.id, &[]).await.is_empty());
    store.put_share_entries(s.id, &[]).await.unwrap();
    assert_eq!(entries(store, s.id, &all).await, sorted(expected));

    // Entries are per share: another share of the same folder has its own.
    let other = share(&top, 0);
    create(store, &other).await;
    assert!(entries(store, other.id, &all).await.is_empty());
    store
        .put_share_entries(other.id, &entries_of(&[a], 9))
        .await
        .unwrap();
    assert_eq!(entries(store, other.id, &all).await, entries_of(&[a], 9));
    assert_eq!(entries(store, s.id, &[a.id]).await, entries_of(&[a], 1));

    // No share, no entries.
    let ghost = Uuid::new_v4();
    assert_not_found(store.put_share_entries(ghost, &entries_of(&[a], 1)).await);
    assert_not_found(store.put_share_entries(ghost, &[]).await);
    assert!(entries(store, ghost, &all).await.is_empty());
}

pub async fn share_entries_are_deleted_per_node(store: &dyn MetaStore) {
    let (_, _, inside, s) = shared_folder(store, 4).await;
    let nodes: Vec<&NodeRecord> = inside.iter().collect();
    let all: Vec<Uuid> = inside.iter().map(|n| n.id).collect();
    store
        .put_share_entries(s.id, &entries_of(&nodes, 1))
        .await
        .unwrap();
    // Some of them, with a node that has none and one that does not exist.
    let gone = [inside[0].id, inside[2].id, Uuid::new_v4()];
    store.delete_share_entries(s.id, &gone).await.unwrap();
    assert_eq!(
        entries(store, s.id, &all).await,
        sorted(entries_of(&[nodes[1], nodes[3]], 1))
    );
    // Again, nothing, or of a share that does not exist: nothing changes.
    store.delete_share_entries(s.id, &gone).await.unwrap();
    store.delete_share_entries(s.id, &[]).await.unwrap();
    store
        .delete_share_entries(Uuid::new_v4(), &all)
        .await
        .unwrap();
    assert_eq!(entries(store, s.id, &all).await.len(), 2);
    // A deleted entry can be put again.
    store
        .put_share_entries(s.id, &entries_of(&[nodes[0]], 2))
        .await
        .unwrap();
    assert_eq!(
        entries(store, s.id, &all).await,
        sorted(
            [
                entries_of(&[nodes[0]], 2),
                entries_of(&[nodes[1], nodes[3]], 1)
            ]
            .concat()
        )
    );
}

/// More entries than one batch holds (DynamoDB: 25 per write, 100 per read,
/// 25 per page of a purge's query), in one call each way.
pub async fn many_share_entries(store: &dyn MetaStore, raw: &RawMeta) {
    let (ada, top, _, s) = shared_folder(store, 0).await;
    let all = raw.bulk_nodes(ada.id, top.id, 1000).await;
    let version = |node: &Uuid, v: u8| (*node, sealed_entry(*node, v));
    let first: Entries = all.iter().map(|n| version(n, 1)).collect();
    store.put_share_entries(s.id, &first).await.unwrap();
    assert_eq!(entries(store, s.id, &all).await, sorted(first));
    assert_eq!(raw.share_entries_stored(s.id).await, 1000);

    // Replace the first 300 at once; read back 250 of them.
    let replaced: Entries = all[..300].iter().map(|n| version(n, 2)).collect();
    store.put_share_entries(s.id, &replaced).await.unwrap();
    assert_eq!(
        entries(store, s.id, &all[50..300]).await,
        sorted(replaced[50..].to_vec())
    );
    // Delete every third: 334 of them.
    let gone: Vec<Uuid> = all.iter().step_by(3).copied().collect();
    store.delete_share_entries(s.id, &gone).await.unwrap();
    let expected: Entries = (0..all.len())
        .filter(|i| i % 3 != 0)
        .map(|i| version(&all[i], if i < 300 { 2 } else { 1 }))
        .collect();
    assert_eq!(entries(store, s.id, &all).await, sorted(expected));
    assert_eq!(raw.share_entries_stored(s.id).await, 666);

    // Revoked, the share takes all of them along.
    assert!(store.delete_share(ada.id, s.id).await.unwrap());
    assert_eq!(raw.share_entries_stored(s.id).await, 0);
}

/// Puts an entry of each node in each share.
async fn fill(store: &dyn MetaStore, shares: &[&ShareRecord], nodes: &[&NodeRecord]) {
    for s in shares {
        store
            .put_share_entries(s.id, &entries_of(nodes, 1))
            .await
            .unwrap();
    }
}

pub async fn share_entries_go_with_their_share(store: &dyn MetaStore, raw: &RawMeta) {
    let (ada, top, inside, revoked) = shared_folder(store, 2).await;
    let nodes: Vec<&NodeRecord> = inside.iter().collect();
    let all: Vec<Uuid> = inside.iter().map(|n| n.id).collect();
    let kept = share(&top, 0);
    let inner = share(nodes[0], 0);
    create(store, &kept).await;
    create(store, &inner).await;
    fill(store, &[&revoked, &kept, &inner], &nodes).await;

    // Revoked: its entries are deleted, not just hidden; a late write to it
    // is refused and leaves nothing.
    assert!(store.delete_share(ada.id, revoked.id).await.unwrap());
    assert_eq!(raw.share_entries_stored(revoked.id).await, 0);
    assert!(entries(store, revoked.id, &all).await.is_empty());
    assert_not_found(
        store
            .put_share_entries(revoked.id, &entries_of(&nodes, 2))
            .await,
    );
    assert_eq!(raw.share_entries_stored(revoked.id).await, 0);
    assert_eq!(raw.share_entries_stored(kept.id).await, 2);

    // The shared node deleted (with the store's `delete_node`): the share
    // goes, and its entries with it.
    store.delete_node(ada.id, nodes[0].id).await.unwrap();
    assert_eq!(raw.share_entries_stored(inner.id).await, 0);

    // The shared node lost some other way: the share is hidden when read,
    // and deleted with its entries.
    raw.lose_node(ada.id, top.id).await;
    assert_eq!(store.share(kept.id).await.unwrap(), None);
    assert!(!raw.share_stored(ada.id, kept.id).await);
    assert_eq!(raw.share_entries_stored(kept.id).await, 0);
}

pub async fn share_entries_go_with_the_account(store: &dyn MetaStore, raw: &RawMeta) {
    let (ada, top, inside, of_top) = shared_folder(store, 3).await;
    let nodes: Vec<&NodeRecord> = inside.iter().collect();
    let root = store.node(ada.id, ada.id).await.unwrap().unwrap();
    let of_root = share(&root, 0);
    let of_inner = share(nodes[1], 0);
    create(store, &of_root).await;
    create(store, &of_inner).await;
    fill(store, &[&of_top, &of_root, &of_inner], &nodes).await;
    let (bob, _, bobs_inside, bobs) = shared_folder(store, 2).await;
    let bobs_nodes: Vec<&NodeRecord> = bobs_inside.iter().collect();
    fill(store, &[&bobs], &bobs_nodes).await;

    store.delete_user(ada.id).await.unwrap();
    for s in [&of_top, &of_root, &of_inner] {
        assert_eq!(raw.share_entries_stored(s.id).await, 0, "{s:?}");
    }
    assert!(store.node(ada.id, top.id).await.unwrap().is_none());
    // Bob's are untouched.
    assert_eq!(raw.share_entries_stored(bobs.id).await, 2);
    let bobs_ids: Vec<Uuid> = bobs_inside.iter().map(|n| n.id).collect();
    assert_eq!(
        entries(store, bobs.id, &bobs_ids).await,
        sorted(entries_of(&bobs_nodes, 1))
    );
    assert!(store.delete_user(bob.id).await.is_ok());
    assert_eq!(raw.share_entries_stored(bobs.id).await, 0);
}

/// A node inside a shared folder deleted. On SQLite its entry goes with it
/// (the cascade), and an entry for a node that is gone is not even written.
/// On DynamoDB the entry stays until its share goes: nothing asks for it
/// (the vault only asks for the nodes it found in the live tree), and it
/// opens nothing without the share. The store's contract allows both.
pub async fn share_entries_of_a_deleted_node(store: &dyn MetaStore, raw: &RawMeta) {
    let (ada, _, inside, s) = shared_folder(store, 2).await;
    let sub = &inside[1];
    let below = put_file(store, ada.id, sub.id, "below", 1).await;
    let kept = &inside[0];
    let all = [kept.id, sub.id, below.id];
    store
        .put_share_entries(s.id, &entries_of(&[kept, sub, &below], 1))
        .await
        .unwrap();

    store.delete_node(ada.id, sub.id).await.unwrap();
    let late = entries_of(&[&below], 2);
    let cascades = matches!(raw, RawMeta::Sqlite { .. });
    let put_late = store.put_share_entries(s.id, &late).await;
    assert!(put_late.is_ok(), "{put_late:?}");
    if cascades {
        assert_eq!(entries(store, s.id, &all).await, entries_of(&[kept], 1));
        assert_eq!(raw.share_entries_stored(s.id).await, 1);
    } else {
        let mut lingering = entries_of(&[kept, sub], 1);
        lingering.extend(late);
        assert_eq!(entries(store, s.id, &all).await, sorted(lingering));
        assert_eq!(raw.share_entries_stored(s.id).await, 3);
    }
    // Either way they go with the share.
    assert!(store.delete_share(ada.id, s.id).await.unwrap());
    assert_eq!(raw.share_entries_stored(s.id).await, 0);
}
