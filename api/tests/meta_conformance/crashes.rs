//! DynamoDB only: a crash between the transactions of a trash, a restore or
//! a version rotation, simulated by writing the state it leaves straight
//! into the table. On SQLite each of those is one transaction, so none of
//! these states can exist there. Whatever the crash left, the tree reads
//! consistently (nothing half-trashed, nothing half-restored), keeps taking
//! changes, and trashing, restoring and purging end with exact counts and
//! no node, claim or counter behind.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::AttributeValue;
use strongroom_api::store::StoreError;
use strongroom_api::store::meta::{MetaStore, NodeRecord, TrashedRecord, Usage};
use strongroom_shared::NodeKind;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::trash::assert_node_count;
use super::versions::{new_content, overwrite};
use super::{
    MAX, RawMeta, assert_not_found, file, folder, ids, mkdir, now, put_file, rename, used, user,
};

fn ago(seconds: i64) -> OffsetDateTime {
    now() - Duration::seconds(seconds)
}

fn pk(user: Uuid) -> String {
    format!("USER#{user}")
}

fn node_sk(id: Uuid) -> String {
    format!("NODE#{id}")
}

fn object_sk(object: Uuid) -> String {
    format!("OBJ#{object}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn object(node: &NodeRecord) -> Uuid {
    node.object_id.unwrap()
}

fn text(value: Uuid) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

/// Gives `node` the mark of the trash operation `op` from `top`, as step 2
/// of `trash_node` does.
async fn mark(raw: &RawMeta, user: Uuid, node: Uuid, top: Uuid, op: Uuid) {
    raw.dynamo_update(
        &pk(user),
        &node_sk(node),
        "SET trashed_in = :top, trash_op = :op",
        &[(":top", text(top)), (":op", text(op))],
    )
    .await;
}

/// Sets the lease of a trash operation on its top to end `until`.
async fn lease(raw: &RawMeta, user: Uuid, top: Uuid, until: OffsetDateTime) {
    raw.dynamo_update(
        &pk(user),
        &node_sk(top),
        "SET trashing_until = :until",
        &[(
            ":until",
            AttributeValue::N(until.unix_timestamp().to_string()),
        )],
    )
    .await;
}

/// The trash operation whose mark the node carries.
async fn trash_op(raw: &RawMeta, user: Uuid, node: Uuid) -> Uuid {
    let item = raw.dynamo_item(&pk(user), &node_sk(node)).await.unwrap();
    match item.get("trash_op") {
        Some(AttributeValue::S(op)) => Uuid::parse_str(op).unwrap(),
        other => panic!("trash_op is {other:?}"),
    }
}

async fn trash(store: &dyn MetaStore, node: &NodeRecord, at: OffsetDateTime) -> TrashedRecord {
    store.trash_node(node.user_id, node.id, at).await.unwrap()
}

fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::Unavailable(_))),
        "expected Unavailable, got {result:?}"
    );
}

/// The user's live tree is exactly `nodes` (the root aside), each read as
/// it is by every read of the live tree; the trash is empty; the quota
/// counts `bytes`, the node limit `count` nodes, and `usage` is `usage`.
async fn assert_live_tree(
    store: &dyn MetaStore,
    user: Uuid,
    nodes: &[&NodeRecord],
    bytes: u64,
    count: u64,
    usage: Usage,
) {
    for &n in nodes {
        let parent = n.parent_id.unwrap();
        assert_eq!(store.node(user, n.id).await.unwrap().as_ref(), Some(n));
        assert_eq!(
            store
                .child_by_mac(user, parent, &n.name_mac)
                .await
                .unwrap()
                .as_ref(),
            Some(n)
        );
        let path = store.ancestors(user, n.id).await.unwrap();
        assert_eq!(path.first().map(|p| p.id), Some(user), "path to {}", n.id);
        assert_eq!(path.last(), Some(n));
        // Every node on the way is one of the live tree, in place.
        for pair in path.windows(2) {
            assert_eq!(pair[1].parent_id, Some(pair[0].id));
        }
    }
    let all: Vec<NodeRecord> = nodes.iter().map(|&n| n.clone()).collect();
    assert_eq!(ids(&store.all_nodes(user).await.unwrap()), ids(&all));
    let folders = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Folder)
        .map(|n| n.id);
    for parent in std::iter::once(user).chain(folders) {
        let inside: Vec<NodeRecord> = all
            .iter()
            .filter(|n| n.parent_id == Some(parent))
            .cloned()
            .collect();
        assert_eq!(
            ids(&store.children(user, parent).await.unwrap()),
            ids(&inside),
            "children of {parent}"
        );
    }
    assert!(store.trash(user).await.unwrap().is_empty());
    assert!(
        store
            .trashed_before(now() + Duration::hours(1), 100)
            .await
            .unwrap()
            .iter()
            .all(|(u, _)| *u != user)
    );
    assert_eq!(used(store, user).await, bytes);
    assert_node_count(store, user, count).await;
    assert_eq!(store.usage(user).await.unwrap(), usage);
}

/// `trash_node` crashed after marking the subtree (steps 1 and 2) and
/// before its commit (step 3): the top carries its mark and a lease, every
/// node below the mark. DynamoDB only: on SQLite a trash is one transaction.
///
/// Nothing is in the trash: every node stays live where it was, and the
/// counters are unchanged. While the lease runs, the subtree refuses every
/// change with `Unavailable` (never a wrong success nor `NotFound`); once it
/// has run out, the marks of the crashed operation hide and refuse nothing:
/// the subtree takes changes, and trashing and restoring it work, with
/// exact counts.
pub async fn a_crash_after_marking_hides_nothing(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let f1 = put_file(store, ada.id, a.id, "f1", 10).await;
    let f2 = put_file(store, ada.id, b.id, "f2", 20).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 5).await;

    let op = Uuid::new_v4();
    for n in [&a, &b, &f1, &f2] {
        mark(raw, ada.id, n.id, a.id, op).await;
    }
    lease(raw, ada.id, a.id, now() + Duration::seconds(60)).await;
    let tree = [&a, &b, &f1, &f2, &keep];
    assert_live_tree(store, ada.id, &tree, 35, 5, Usage::default()).await;
    assert_eq!(store.trashed(ada.id, a.id).await.unwrap(), None);

    // While the lease runs: nothing changes inside, and nothing pretends to.
    assert_unavailable(store.create_folder(&folder(ada.id, b.id, "c"), MAX).await);
    let f3 = file(ada.id, a.id, "f3", 1);
    assert_unavailable(store.commit_file(&f3, false, MAX, 0).await);
    let newer = new_content(&f1, 11, now() + Duration::seconds(1));
    assert_unavailable(store.commit_file(&newer, true, MAX, 2).await);
    assert_unavailable(
        store
            .update_node(ada.id, f2.id, &rename(ada.id, "f2"))
            .await,
    );
    assert_unavailable(
        store
            .update_node(ada.id, keep.id, &rename(b.id, "keep"))
            .await,
    );
    assert_unavailable(store.delete_node(ada.id, f1.id).await);
    assert_unavailable(store.trash_node(ada.id, b.id, now()).await);
    assert_unavailable(store.trash_node(ada.id, a.id, now()).await);
    assert_not_found(
        store
            .restore_node(ada.id, a.id, &rename(ada.id, "a2"))
            .await,
    );
    assert_live_tree(store, ada.id, &tree, 35, 5, Usage::default()).await;
    // Outside the subtree, changes go on.
    let out = mkdir(store, ada.id, ada.id, "out").await;
    store.delete_node(ada.id, out.id).await.unwrap();

    // The lease has run out: the crashed operation holds nothing any more.
    lease(raw, ada.id, a.id, now() - Duration::seconds(1)).await;
    let c = mkdir(store, ada.id, b.id, "c").await;
    let f3 = put_file(store, ada.id, b.id, "f3", 7).await;
    let tree = [&a, &b, &f1, &f2, &keep, &c, &f3];
    assert_live_tree(store, ada.id, &tree, 42, 7, Usage::default()).await;

    // Trashed again, from inside first: two items of the exact sizes.
    let b_item = trash(store, &b, ago(20)).await;
    assert_eq!(b_item.bytes, 27);
    let a_item = trash(store, &a, ago(10)).await;
    assert_eq!(a_item.bytes, 10);
    assert_eq!(store.trash(ada.id).await.unwrap(), vec![a_item, b_item]);
    assert_eq!(
        ids(&store.all_nodes(ada.id).await.unwrap()),
        ids(std::slice::from_ref(&keep))
    );
    for gone in [&a, &b, &f1, &f2, &c, &f3] {
        assert_eq!(store.node(ada.id, gone.id).await.unwrap(), None);
    }
    assert_eq!(used(store, ada.id).await, 42);
    assert_node_count(store, ada.id, 7).await;
    assert_eq!(
        store.usage(ada.id).await.unwrap(),
        Usage {
            trash_bytes: 37,
            version_bytes: 0,
        }
    );

    // And restored, both, to where they were.
    let a = store
        .restore_node(ada.id, a.id, &rename(ada.id, "a"))
        .await
        .unwrap();
    let b = store
        .restore_node(ada.id, b.id, &rename(a.id, "b"))
        .await
        .unwrap();
    let tree = [&a, &b, &f1, &f2, &keep, &c, &f3];
    assert_live_tree(store, ada.id, &tree, 42, 7, Usage::default()).await;
}

/// `restore_node` crashed after its transaction and before clearing the
/// marks below the restored top: they still name the trash operation,
/// which no longer committed. DynamoDB only: on SQLite a restore is one
/// transaction and there are no marks.
///
/// Everything restored is live; it takes changes; trashing and purging it
/// again (an inner folder, then the top) leave no node, claim, trash item
/// or count behind.
pub async fn a_crash_after_a_restore_leaves_it_live(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let a = mkdir(store, ada.id, ada.id, "a").await;
    let b = mkdir(store, ada.id, a.id, "b").await;
    let first = put_file(store, ada.id, a.id, "f1", 10).await;
    let f2 = put_file(store, ada.id, b.id, "f2", 20).await;
    let keep = put_file(store, ada.id, ada.id, "keep", 5).await;
    let (f1, _) = overwrite(store, &first, 12, now() + Duration::seconds(1), 2).await;

    trash(store, &a, ago(60)).await;
    let op = trash_op(raw, ada.id, a.id).await;
    let a = store
        .restore_node(ada.id, a.id, &rename(ada.id, "a"))
        .await
        .unwrap();
    for n in [&b, &f1, &f2] {
        mark(raw, ada.id, n.id, a.id, op).await;
    }
    let versions = Usage {
        trash_bytes: 0,
        version_bytes: 10,
    };
    assert_live_tree(store, ada.id, &[&a, &b, &f1, &f2, &keep], 47, 5, versions).await;

    // It takes changes.
    let f3 = put_file(store, ada.id, b.id, "f3", 3).await;
    assert_live_tree(
        store,
        ada.id,
        &[&a, &b, &f1, &f2, &f3, &keep],
        50,
        6,
        versions,
    )
    .await;

    // The inner folder trashed and purged.
    assert_eq!(trash(store, &b, ago(30)).await.bytes, 23);
    let purged: BTreeSet<Uuid> = store
        .purge_node(ada.id, b.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(purged, BTreeSet::from([object(&f2), object(&f3)]));
    assert_live_tree(store, ada.id, &[&a, &f1, &keep], 27, 3, versions).await;

    // The top trashed and purged, with the version of its file.
    assert_eq!(trash(store, &a, ago(20)).await.bytes, 12);
    let purged: BTreeSet<Uuid> = store
        .purge_node(ada.id, a.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(purged, BTreeSet::from([object(&first), object(&f1)]));
    assert_live_tree(store, ada.id, &[&keep], 5, 1, Usage::default()).await;
    assert_eq!(store.object_ids(ada.id).await.unwrap(), vec![object(&keep)]);
    for gone in [&first, &f1, &f2, &f3] {
        assert!(!store.object_referenced(ada.id, object(gone)).await.unwrap());
    }
    // Nothing of the subtree is stored any more.
    let mut expected = vec![
        format!("NAME#{}#{}", ada.id, hex(&keep.name_mac)),
        node_sk(ada.id),
        node_sk(keep.id),
        object_sk(object(&keep)),
        "PROFILE".to_owned(),
    ];
    expected.sort();
    assert_eq!(raw.dynamo_sort_keys(&pk(ada.id)).await, expected);
}

/// A version rotation that drops more versions than fit in its transaction
/// (more than about 95 at once: `versions_kept` lowered) deletes the object
/// claims of the rest right after it; this is a crash in between. DynamoDB
/// only: on SQLite the rotation is one transaction, and versions are rows
/// (no claims).
///
/// The file and the versions it keeps are right, and so are the counters
/// (the dropped versions are released by the transaction). What is left is
/// an object claim (`OBJ#`) per dropped version still naming the file,
/// which holds none of them any more, so `object_referenced` still answers
/// yes for those objects: the sweeper keeps them, and account deletion
/// (`object_ids`) removes them. The module documentation says as much
/// (dynamodb/mod.rs, commit_file).
pub async fn a_crash_in_a_version_rotation_leaves_claims(store: &dyn MetaStore, raw: &RawMeta) {
    let ada = user(store, 1000).await;
    let v0 = put_file(store, ada.id, ada.id, "f", 10).await;
    let (v1, _) = overwrite(store, &v0, 11, now() + Duration::seconds(1), 2).await;
    let (v2, _) = overwrite(store, &v1, 12, now() + Duration::seconds(2), 2).await;
    // The claims of the two versions the next rotation drops, as they are.
    let mut claims = Vec::new();
    for v in [&v0, &v1] {
        claims.push(
            raw.dynamo_item(&pk(ada.id), &object_sk(object(v)))
                .await
                .unwrap(),
        );
    }
    let (v3, released) = overwrite(store, &v2, 13, now() + Duration::seconds(3), 1).await;
    let dropped = BTreeSet::from([object(&v0), object(&v1)]);
    assert_eq!(released.into_iter().collect::<BTreeSet<_>>(), dropped);
    // The crash: the claims' deletes never ran.
    for claim in claims {
        raw.dynamo_put(claim).await;
    }

    let kept = Usage {
        trash_bytes: 0,
        version_bytes: 12,
    };
    assert_live_tree(store, ada.id, &[&v3], 25, 1, kept).await;
    let versions = store.versions(ada.id, v3.id).await.unwrap();
    assert_eq!(
        versions
            .iter()
            .map(|v| (v.object_id, v.size))
            .collect::<Vec<_>>(),
        vec![(object(&v2), 12)]
    );
    // What is left: the dropped versions' claims, still naming the file.
    for object_id in &dropped {
        assert!(store.object_referenced(ada.id, *object_id).await.unwrap());
    }
    let all: BTreeSet<Uuid> = store
        .object_ids(ada.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(
        all,
        BTreeSet::from([object(&v0), object(&v1), object(&v2), object(&v3)])
    );

    // The file goes with what it holds; the leftover claims stay, for
    // account deletion.
    let deleted: BTreeSet<Uuid> = store
        .delete_node(ada.id, v3.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(deleted, BTreeSet::from([object(&v2), object(&v3)]));
    assert_live_tree(store, ada.id, &[], 0, 0, Usage::default()).await;
    let all: BTreeSet<Uuid> = store
        .object_ids(ada.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(all, dropped);
}
