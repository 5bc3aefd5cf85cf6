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
