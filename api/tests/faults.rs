//! Fault tests for the AWS backends: the storage server down at start, down in
//! the middle of operations, and back up. A TCP proxy between Strongroom and the
//! local S3 + DynamoDB server plays the outage (restarting the server itself
//! would lose its in-memory state). Needs `STRONGROOM_TEST_AWS_ENDPOINT`; fails
//! without it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use common::{aws, server};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use strongroom_api::app::Application;
use strongroom_api::config::Config;
use strongroom_shared::{Node, Problem, TokenResponse};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards TCP to the storage server until told to play dead.
struct Outage {
    port: u16,
    down: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Outage {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let (cut, _) = watch::channel(0u64);
        let (flag, cuts) = (down.clone(), cut.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { port, down, cut }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Refuses new connections and cuts the open ones.
    fn fail(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn recover(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

fn upstream() -> String {
    aws::endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

fn aws_config(endpoint: String, data_dir: &std::path::Path) -> Config {
    let mut config = server::test_config(data_dir);
    aws::use_aws_pair(&mut config, endpoint, "f");
    config
}

#[tokio::test]
async fn storage_down_at_start_is_reported_clearly() {
    let outage = Outage::start(upstream()).await;
    outage.fail();
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = match Application::build(aws_config(outage.url(), dir.path())).await {
        Ok(_) => panic!("started without its storage"),
        Err(err) => err.to_string(),
    };
    assert!(
        err.to_lowercase().contains("unavailable") || err.to_lowercase().contains("unreachable"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "gave up too slowly"
    );
}

async fn problem_code(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Problem = response.json().await.unwrap();
    (status, body.code)
}

#[tokio::test]
async fn storage_down_mid_operation_answers_503_and_recovers_without_restart() {
    let outage = Outage::start(upstream()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = aws_config(outage.url(), dir.path());
    let url = server::start(config.clone()).await;
    let client = reqwest::Client::new();
    let credentials =
        serde_json::json!({ "email": "fault@example.com", "password": "through thick and thin" });
    let response = client
        .post(format!("{url}/api/v1/auth/signup"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let tokens: TokenResponse = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = format!("Bearer {}", tokens.access_token);
    let put = |name: &str, body: Vec<u8>| {
        client
            .put(format!("{url}/api/v1/folders/root/files/{name}"))
            .header("authorization", &bearer)
            .body(body)
            .send()
    };
    let before: Node = put("before.txt", b"before".to_vec())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    outage.fail();
    let ready = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(
        problem_code(ready).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable".to_owned()
        )
    );
    assert_eq!(
        client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let during = [
        client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&credentials)
            .send()
            .await
            .unwrap(),
        client
            .get(format!("{url}/api/v1/folders/root/children"))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap(),
        put("during.txt", b"during".to_vec()).await.unwrap(),
    ];
    for response in during {
        assert_eq!(
            problem_code(response).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable".to_owned()
            )
        );
    }

    outage.recover();
    let ready = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let after: Node = put("after.txt", b"after".to_vec())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listing: strongroom_shared::FolderListing = client
        .get(format!("{url}/api/v1/folders/root/children"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = listing.items.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        ["after.txt", "before.txt"],
        "nothing half-committed is visible"
    );
    for node in [&before, &after] {
        let body = client
            .get(format!("{url}/api/v1/files/{}/content", node.id))
            .header("authorization", &bearer)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.len() as u64, node.size);
    }
    // After the sweeper, every object left has a record.
    let stores = open_stores(&config).await;
    let blobs = stores.blobs.clone();
    strongroom_api::vault::sweeper::sweep(
        stores.meta.as_ref(),
        blobs.as_ref(),
        time::Duration::ZERO,
    )
    .await
    .unwrap();
    let objects = blobs.list(time::OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(objects.len(), 2);
}

#[tokio::test]
async fn an_outage_during_an_upload_leaves_no_visible_file_and_the_sweeper_tidies_up() {
    let outage = Outage::start(upstream()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = aws_config(outage.url(), dir.path());
    config.storage.s3.multipart_threshold_bytes = 5 * 1024 * 1024;
    config.storage.s3.part_size_bytes = 5 * 1024 * 1024;
    let url = server::start(config.clone()).await;
    let client = reqwest::Client::new();
    let credentials =
        serde_json::json!({ "email": "midway@example.com", "password": "through thick and thin" });
    client
        .post(format!("{url}/api/v1/auth/signup"))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    let tokens: TokenResponse = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&credentials)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // A streamed body: 6 MiB, then the outage begins, then the rest.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    let upload = tokio::spawn(
        client
            .put(format!("{url}/api/v1/folders/root/files/midway.bin"))
            .bearer_auth(&tokens.access_token)
            .body(body)
            .send(),
    );
    for _ in 0..6 {
        tx.send(Ok(vec![5u8; 1024 * 1024])).await.unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    outage.fail();
    for _ in 0..6 {
        if tx.send(Ok(vec![5u8; 1024 * 1024])).await.is_err() {
            break;
        }
    }
    drop(tx);
    let response = upload.await.unwrap();
    if let Ok(response) = response {
        assert!(response.status().is_server_error(), "{}", response.status());
    }

    outage.recover();
    let listing: strongroom_shared::FolderListing = client
        .get(format!("{url}/api/v1/folders/root/children"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        listing.items.is_empty(),
        "no visible file without its object"
    );
    let stores = open_stores(&config).await;
    let blobs = stores.blobs.clone();
    strongroom_api::vault::sweeper::sweep(
        stores.meta.as_ref(),
        blobs.as_ref(),
        time::Duration::ZERO,
    )
    .await
    .unwrap();
    assert!(
        blobs
            .list(time::OffsetDateTime::now_utc())
            .await
            .unwrap()
            .is_empty(),
        "no object without a record"
    );
}

/// The server's stores, opened again with its token secret.
async fn open_stores(config: &Config) -> strongroom_api::store::Stores {
    let secret =
        strongroom_api::auth::TokenSecret::load_or_create(&config.token_secret_path()).unwrap();
    strongroom_api::store::open(config, &secret.profile_keys())
        .await
        .unwrap()
}

/// A signed-up user's requests to one server.
struct Session {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Session {
    async fn sign_up(url: String, email: &str) -> Self {
        let client = reqwest::Client::new();
        let credentials =
            serde_json::json!({ "email": email, "password": "through thick and thin" });
        let response = client
            .post(format!("{url}/api/v1/auth/signup"))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let tokens: TokenResponse = client
            .post(format!("{url}/api/v1/auth/login"))
            .json(&credentials)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            client,
            url,
            token: tokens.access_token,
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str) -> reqwest::Response {
        self.client
            .request(method, format!("{}/api/v1{path}", self.url))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(if path.ends_with("/restore") { "{}" } else { "" })
            .send()
            .await
            .unwrap()
    }

    async fn put(&self, path: &str, body: &'static [u8]) -> reqwest::Response {
        self.client
            .put(format!("{}/api/v1{path}", self.url))
            .bearer_auth(&self.token)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.send(reqwest::Method::GET, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn an_outage_during_delete_restore_and_overwrite_changes_nothing_and_passes() {
    use reqwest::Method;
    use strongroom_shared::{FolderListing, TrashListing, UserProfile, VersionList};

    let outage = Outage::start(upstream()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = aws_config(outage.url(), dir.path());
    let user = Session::sign_up(server::start(config.clone()).await, "trash@example.com").await;
    let put = |path| user.put(path, b"first");
    assert_eq!(
        put("/fs/Keep/inner/a.txt?parents=true").await.status(),
        StatusCode::CREATED
    );
    let doc: Node = put("/fs/doc.txt").await.json().await.unwrap();
    let old: Node = put("/fs/old.txt").await.json().await.unwrap();
    assert_eq!(
        user.send(Method::DELETE, &format!("/nodes/{}", old.id))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let listing: FolderListing = user.json("/folders/root/children").await;
    let keep = listing.items.iter().find(|n| n.name == "Keep").unwrap().id;

    // Storage down: each operation answers 503 and changes nothing.
    outage.fail();
    let delete = user.send(Method::DELETE, &format!("/nodes/{keep}")).await;
    let restore = user
        .send(Method::POST, &format!("/trash/{}/restore", old.id))
        .await;
    let overwrite = user
        .put("/fs/doc.txt?overwrite=true", b"second, longer")
        .await;
    for response in [delete, restore, overwrite] {
        assert_eq!(
            problem_code(response).await,
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable".to_owned()
            )
        );
    }
    outage.recover();
    let names = |listing: FolderListing| -> Vec<String> {
        listing.items.into_iter().map(|n| n.name).collect()
    };
    assert_eq!(
        names(user.json("/folders/root/children").await),
        ["Keep", "doc.txt"]
    );
    let trash: TrashListing = user.json("/trash").await;
    assert_eq!(trash.items.len(), 1);
    let versions: VersionList = user.json(&format!("/files/{}/versions", doc.id)).await;
    assert!(versions.items.is_empty());
    let me: UserProfile = user.json("/me").await;
    assert_eq!(
        (me.used_bytes, me.trash_bytes, me.version_bytes),
        (15, 5, 0)
    );

    // Back up, without a restart, each works.
    assert_eq!(
        user.send(Method::DELETE, &format!("/nodes/{keep}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        user.send(Method::POST, &format!("/trash/{}/restore", old.id))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        user.put("/fs/doc.txt?overwrite=true", b"second, longer")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        names(user.json("/folders/root/children").await),
        ["doc.txt", "old.txt"]
    );
    let versions: VersionList = user.json(&format!("/files/{}/versions", doc.id)).await;
    assert_eq!(versions.items.len(), 1);
    let me: UserProfile = user.json("/me").await;
    assert_eq!(
        (me.used_bytes, me.trash_bytes, me.version_bytes),
        (29, 5, 5)
    );

    // After the sweeper, every object left has a record, and each record its object.
    let stores = open_stores(&config).await;
    strongroom_api::vault::sweeper::sweep(
        stores.meta.as_ref(),
        stores.blobs.as_ref(),
        time::Duration::ZERO,
    )
    .await
    .unwrap();
    let objects = stores
        .blobs
        .list(time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    assert_eq!(objects.len(), 4, "a.txt, doc.txt and its version, old.txt");
}
