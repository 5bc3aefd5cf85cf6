//! One conformance suite for every `BlobStore`: the embedded `FsBlobStore` (in a
//! temporary folder) and `S3BlobStore` (on the S3 server named by
//! `STRONGROOM_TEST_AWS_ENDPOINT`, e.g. moto from `scripts/moto`). Without that
//! variable the S3 tests fail; they never skip silently.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use common::aws::{endpoint, sdk_config, sdk_config_with_secret};

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use strongroom_api::config::S3Settings;
use strongroom_api::store::StoreError;
use strongroom_api::store::blob::fs::FsBlobStore;
use strongroom_api::store::blob::s3::S3BlobStore;
use strongroom_api::store::blob::{BlobStore, ByteStream, ObjectKey};
use time::OffsetDateTime;
use uuid::Uuid;

const MIB: usize = 1024 * 1024;
/// Small enough for moto, big enough for three parts of the test settings.
const BIG: usize = 12 * MIB + 3;

fn settings(bucket: &str, prefix: &str) -> S3Settings {
    S3Settings {
        bucket: bucket.to_owned(),
        prefix: prefix.to_owned(),
        force_path_style: true,
        multipart_threshold_bytes: 5 * MIB as u64,
        part_size_bytes: 5 * MIB as u64,
        upload_concurrency: 2,
    }
}

fn fresh_bucket() -> String {
    format!("strongroom-test-{}", Uuid::new_v4().simple())
}

/// A store under test, with a way to look behind it.
enum Backend {
    Fs {
        store: FsBlobStore,
        dir: tempfile::TempDir,
    },
    S3 {
        store: S3BlobStore,
        client: aws_sdk_s3::Client,
        bucket: String,
        prefix: String,
    },
}

impl Backend {
    async fn fs() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = FsBlobStore::open(dir.path()).unwrap();
        Self::Fs { store, dir }
    }

    async fn s3() -> Self {
        let sdk = sdk_config(&endpoint()).await;
        let bucket = fresh_bucket();
        let prefix = "vault/".to_owned();
        let store = S3BlobStore::connect(&sdk, &settings(&bucket, &prefix), true)
            .await
            .unwrap();
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        Self::S3 {
            store,
            client,
            bucket,
            prefix,
        }
    }

    fn store(&self) -> &dyn BlobStore {
        match self {
            Self::Fs { store, .. } => store,
            Self::S3 { store, .. } => store,
        }
    }

    /// Puts something that is not one of our objects where `list` looks, and
    /// (for S3) one of our key shapes outside the prefix.
    async fn put_foreign(&self) {
        match self {
            Self::Fs { dir, .. } => {
                std::fs::create_dir_all(dir.path().join("junk")).unwrap();
                std::fs::write(dir.path().join("junk/file"), b"junk").unwrap();
                std::fs::write(dir.path().join("stray"), b"junk").unwrap();
            }
            Self::S3 {
                client,
                bucket,
                prefix,
                ..
            } => {
                let outside = ObjectKey::new(Uuid::new_v4(), Uuid::new_v4()).to_string();
                for key in [
                    format!("{prefix}junk/file"),
                    format!("{prefix}stray"),
                    outside,
                ] {
                    client
                        .put_object()
                        .bucket(bucket)
                        .key(key)
                        .body(Bytes::from_static(b"junk").into())
                        .send()
                        .await
                        .unwrap();
                }
            }
        }
    }

    /// Partial writes still around: temp files, or pending multipart uploads.
    async fn pending_writes(&self) -> usize {
        match self {
            Self::Fs { dir, .. } => std::fs::read_dir(dir.path().join(".tmp")).unwrap().count(),
            Self::S3 { client, bucket, .. } => client
                .list_multipart_uploads()
                .bucket(bucket)
                .send()
                .await
                .unwrap()
                .uploads()
                .len(),
        }
    }

    /// Every S3 object in the bucket, or every file under the root.
    async fn raw_object_count(&self) -> usize {
        match self {
            Self::Fs { dir, .. } => {
                let mut count = 0;
                for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
                    if entry.file_name() == ".tmp" {
                        continue;
                    }
                    if entry.file_type().unwrap().is_dir() {
                        count += std::fs::read_dir(entry.path()).unwrap().count();
                    } else {
                        count += 1;
                    }
                }
                count
            }
            Self::S3 { client, bucket, .. } => client
                .list_objects_v2()
                .bucket(bucket)
                .send()
                .await
                .unwrap()
                .contents()
                .len(),
        }
    }
}

fn new_key() -> ObjectKey {
    ObjectKey::new(Uuid::new_v4(), Uuid::new_v4())
}

/// Deterministic, position-dependent content so misplaced bytes show.
fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 11)) as u8)
        .collect()
}

/// The data as a stream of uneven pieces.
fn body(data: &[u8]) -> ByteStream {
    let pieces: Vec<Result<Bytes, StoreError>> = data
        .chunks(300_007)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    futures_util::stream::iter(pieces).boxed()
}

/// `data`, then an error instead of the rest.
fn failing_body(data: &[u8]) -> ByteStream {
    body(data)
        .chain(futures_util::stream::once(async {
            Err(StoreError::Corrupt("client went away".to_owned()))
        }))
        .boxed()
}

/// `data`, then nothing ever again.
fn stalling_body(data: &[u8]) -> ByteStream {
    body(data).chain(futures_util::stream::pending()).boxed()
}

async fn read_all(stream: ByteStream) -> Vec<u8> {
    let pieces: Vec<Bytes> = stream.try_collect().await.unwrap();
    pieces.concat()
}

async fn get(store: &dyn BlobStore, key: &ObjectKey, range: Option<(u64, u64)>) -> Vec<u8> {
    read_all(store.get(key, range).await.unwrap()).await
}

async fn assert_absent(backend: &Backend, key: &ObjectKey) {
    let store = backend.store();
    assert!(
        matches!(store.get(key, None).await, Err(StoreError::NotFound)),
        "object must not exist"
    );
    let listed = store.list(OffsetDateTime::UNIX_EPOCH).await.unwrap();
    assert!(listed.iter().all(|info| info.key != *key), "{listed:?}");
    assert_eq!(
        backend.pending_writes().await,
        0,
        "partial write left behind"
    );
}

// ---- the cases ------------------------------------------------------------

async fn round_trip_small(backend: Backend) {
    let store = backend.store();
    for len in [0, 1, 1000] {
        let data = content(len);
        for announced in [Some(len as u64), None] {
            let key = new_key();
            store.put(&key, announced, body(&data)).await.unwrap();
            assert_eq!(get(store, &key, None).await, data, "{len} {announced:?}");
        }
    }
    assert_eq!(backend.pending_writes().await, 0);
}

async fn round_trip_multipart(backend: Backend) {
    let store = backend.store();
    let data = content(BIG);
    for announced in [Some(BIG as u64), None] {
        let key = new_key();
        store.put(&key, announced, body(&data)).await.unwrap();
        assert!(get(store, &key, None).await == data, "{announced:?}");
    }
    // Exactly the threshold, and exactly two parts, without a length.
    for len in [5 * MIB, 10 * MIB] {
        let data = content(len);
        let key = new_key();
        store.put(&key, None, body(&data)).await.unwrap();
        assert!(get(store, &key, None).await == data, "{len}");
    }
    assert_eq!(backend.pending_writes().await, 0);
}

async fn ranged_gets(backend: Backend) {
    let store = backend.store();
    let data = content(BIG);
    let key = new_key();
    store
        .put(&key, Some(BIG as u64), body(&data))
        .await
        .unwrap();
    let part = 5 * MIB as u64;
    let big = BIG as u64;
    for (start, end) in [
        (0, 1),
        (0, 28),
        (7, 1000),
        (part - 10, part + 10),
        (part, part + 1),
        (part - 1, 2 * part + 1),
        (big - 3, big),
        (0, big),
    ] {
        let got = get(store, &key, Some((start, end))).await;
        assert!(
            got == data[start as usize..end as usize],
            "range {start}..{end}"
        );
    }
    for at in [0, part, big] {
        assert!(get(store, &key, Some((at, at))).await.is_empty(), "{at}");
    }
}

async fn missing_key_is_not_found(backend: Backend) {
    let store = backend.store();
    let key = new_key();
    assert!(matches!(
        store.get(&key, None).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get(&key, Some((0, 10))).await,
        Err(StoreError::NotFound)
    ));
}

async fn delete_is_idempotent(backend: Backend) {
    let store = backend.store();
    let key = new_key();
    store.put(&key, Some(3), body(b"abc")).await.unwrap();
    store.delete(&key).await.unwrap();
    assert!(matches!(
        store.get(&key, None).await,
        Err(StoreError::NotFound)
    ));
    store.delete(&key).await.unwrap();
    store.delete(&new_key()).await.unwrap();
}

async fn failing_body_leaves_nothing(backend: Backend) {
    let store = backend.store();
    for (len, announced) in [
        (1000, Some(2000u64)),
        (1000, None),
        (7 * MIB, Some(BIG as u64)),
        (7 * MIB, None),
    ] {
        let key = new_key();
        let result = store
            .put(&key, announced, failing_body(&content(len)))
            .await;
        assert!(result.is_err(), "{len} {announced:?}");
        assert_absent(&backend, &key).await;
    }
}

async fn wrong_length_is_refused(backend: Backend) {
    let store = backend.store();
    for (actual, announced) in [
        (999, 1000),
        (1001, 1000),
        (0, 1),
        (1, 0),
        (11 * MIB, BIG),
        (BIG + 1, BIG),
        (BIG, 5 * MIB),
    ] {
        let key = new_key();
        let result = store
            .put(&key, Some(announced as u64), body(&content(actual)))
            .await;
        assert!(
            matches!(result, Err(StoreError::Corrupt(_))),
            "{actual} announced as {announced}: {result:?}"
        );
        assert_absent(&backend, &key).await;
    }
}

async fn dropped_put_leaves_nothing(backend: Backend) {
    let store = backend.store();
    for announced in [Some(BIG as u64), None] {
        let key = new_key();
        let mut put = Box::pin(store.put(&key, announced, stalling_body(&content(6 * MIB))));
        // Let the put get going until its partial write exists, then drop it
        // (a client that disconnects).
        let partial_write = async {
            while backend.pending_writes().await == 0 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::select! {
            result = &mut put => panic!("the put must wait for its body: {result:?}"),
            waited = tokio::time::timeout(Duration::from_secs(10), partial_write) => {
                waited.expect("a partial write should have started");
            }
        }
        // The server may register the upload a moment before the client has
        // its id: dropping here also tests that window (the detached create
        // aborts what nobody will receive).
        drop(put);
        // The abort runs in the background.
        let deadline = Instant::now() + Duration::from_secs(10);
        while backend.pending_writes().await > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_absent(&backend, &key).await;
    }
}

async fn list_returns_exactly_ours(backend: Backend) {
    let store = backend.store();
    let before = OffsetDateTime::now_utc() - Duration::from_secs(5);
    let mut expected = Vec::new();
    for len in [0usize, 10, 1000] {
        let key = new_key();
        store
            .put(&key, Some(len as u64), body(&content(len)))
            .await
            .unwrap();
        expected.push((key, len as u64));
    }
    backend.put_foreign().await;
    let gone = new_key();
    store.put(&gone, Some(1), body(b"x")).await.unwrap();
    store.delete(&gone).await.unwrap();

    let listed = store.list(OffsetDateTime::UNIX_EPOCH).await.unwrap();
    let mut got: Vec<(ObjectKey, u64)> = listed.iter().map(|i| (i.key, i.size)).collect();
    got.sort_by_key(|(key, _)| *key.object_id.as_bytes());
    expected.sort_by_key(|(key, _)| *key.object_id.as_bytes());
    assert_eq!(got, expected);
    let after = OffsetDateTime::now_utc() + Duration::from_secs(5);
    for info in &listed {
        assert!(
            before <= info.modified_at && info.modified_at <= after,
            "{info:?}"
        );
    }
    // The foreign entries are still there: list does not touch them.
    assert!(backend.raw_object_count().await > expected.len());
}

async fn list_aborts_stale_partial_writes(backend: Backend) {
    let store = backend.store();
    let key = new_key();
    match &backend {
        Backend::Fs { dir, .. } => {
            std::fs::write(dir.path().join(".tmp/abandoned"), b"half").unwrap();
        }
        Backend::S3 {
            client,
            bucket,
            prefix,
            ..
        } => {
            client
                .create_multipart_upload()
                .bucket(bucket)
                .key(format!("{prefix}{key}"))
                .send()
                .await
                .unwrap();
        }
    }
    assert_eq!(backend.pending_writes().await, 1);
    // Not older than the cut-off. (moto reports a fixed `Initiated` of
    // 2010-11-10 for every multipart upload, so "older than an hour ago" cannot
    // be told apart there; the epoch can.)
    store.list(OffsetDateTime::UNIX_EPOCH).await.unwrap();
    assert_eq!(backend.pending_writes().await, 1);
    let listed = store
        .list(OffsetDateTime::now_utc() + Duration::from_secs(60))
        .await
        .unwrap();
    assert!(listed.is_empty(), "{listed:?}");
    assert_eq!(backend.pending_writes().await, 0);
}

async fn ping_answers(backend: Backend) {
    backend.store().ping().await.unwrap();
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod fs {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::fs().await).await;
                }
            )*
        }
        mod s3 {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    super::$case(super::Backend::s3().await).await;
                }
            )*
        }
    };
}

conformance!(
    round_trip_small,
    round_trip_multipart,
    ranged_gets,
    missing_key_is_not_found,
    delete_is_idempotent,
    failing_body_leaves_nothing,
    wrong_length_is_refused,
    dropped_put_leaves_nothing,
    list_returns_exactly_ours,
    list_aborts_stale_partial_writes,
    ping_answers,
);

// ---- S3 only: connecting --------------------------------------------------

#[tokio::test]
async fn s3_connect_without_auto_create_names_the_missing_bucket() {
    let sdk = sdk_config(&endpoint()).await;
    let bucket = fresh_bucket();
    let err = S3BlobStore::connect(&sdk, &settings(&bucket, ""), false)
        .await
        .err()
        .expect("the bucket does not exist");
    match err {
        StoreError::Missing(message) => {
            assert!(message.contains(&bucket), "{message}");
            assert!(message.contains("auto_create"), "{message}");
        }
        other => panic!("expected Missing, got {other:?}"),
    }
}

#[tokio::test]
async fn s3_connect_twice_with_auto_create_reuses_the_bucket() {
    let sdk = sdk_config(&endpoint()).await;
    let bucket = fresh_bucket();
    let key = new_key();
    let first = S3BlobStore::connect(&sdk, &settings(&bucket, "p/"), true)
        .await
        .unwrap();
    first.put(&key, Some(2), body(b"hi")).await.unwrap();
    let second = S3BlobStore::connect(&sdk, &settings(&bucket, "p/"), false)
        .await
        .unwrap();
    assert_eq!(get(&second, &key, None).await, b"hi");
    // Another prefix in the same bucket sees nothing of it.
    let other = S3BlobStore::connect(&sdk, &settings(&bucket, "q/"), false)
        .await
        .unwrap();
    assert!(
        other
            .list(OffsetDateTime::UNIX_EPOCH)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        other.get(&key, None).await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn s3_connect_to_a_closed_port_is_unavailable_quickly() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let secret = "s3cr3t-must-not-show";
    let sdk = sdk_config_with_secret(&format!("http://127.0.0.1:{port}"), secret).await;
    let started = Instant::now();
    let result = S3BlobStore::connect(&sdk, &settings(&fresh_bucket(), ""), true).await;
    let elapsed = started.elapsed();
    match result {
        Err(StoreError::Unavailable(message)) => {
            assert!(message.contains("unreachable"), "{message}");
            assert!(!message.contains(secret), "no credentials: {message}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("nothing listens there"),
    }
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}
