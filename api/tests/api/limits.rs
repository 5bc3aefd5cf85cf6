//! Bounded resources: what one account, one request or one connection can
//! take from the server, and what the server answers past each bound.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use strongroom_shared::{CreateFolderRequest, Node, UpdateNodeRequest, UserProfile};
use tokio::sync::mpsc;

use crate::helpers::*;

async fn mkdir_raw(app: &TestApp, token: &str, parent: &str, name: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/folders"))
        .bearer_auth(token)
        .json(&CreateFolderRequest {
            parent_id: parent.to_owned(),
            name: name.to_owned(),
        })
        .send()
        .await
        .unwrap()
}

async fn move_raw(
    app: &TestApp,
    token: &str,
    id: uuid::Uuid,
    parent: uuid::Uuid,
) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .json(&UpdateNodeRequest {
            name: None,
            parent_id: Some(parent.to_string()),
        })
        .send()
        .await
        .unwrap()
}

/// A chain of `count` folders under the root, each inside the one before.
async fn chain(app: &TestApp, token: &str, label: &str, count: usize) -> Vec<Node> {
    let mut folders: Vec<Node> = Vec::new();
    for level in 0..count {
        let parent = folders
            .last()
            .map_or("root".to_owned(), |f| f.id.to_string());
        folders.push(app.mkdir(token, &parent, &format!("{label} {level}")).await);
    }
    folders
}

#[tokio::test]
async fn folders_nest_no_deeper_than_the_limit_also_by_moving() {
    let app = spawn_app_with(|config| config.limits.folder_depth = 3).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let deep = chain(&app, token, "deep", 3).await;
    let deepest = deep[2].id.to_string();
    problem(
        mkdir_raw(&app, token, &deepest, "one too many").await,
        StatusCode::CONFLICT,
        "too_deep",
    )
    .await;
    // Files may sit in the deepest folder: the limit is on folders.
    app.upload(token, &deepest, "leaf.txt", b"leaf".to_vec())
        .await;
    // Creating parents along a path stops at the same depth.
    let response = app
        .client
        .put(app.url("/api/v1/fs/a/b/c/d/file.txt?parents=true"))
        .bearer_auth(token)
        .body("x")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::CONFLICT, "too_deep").await;
    // A two-level subtree fits under the first level, not under the second:
    // what counts is where its deepest folder would end up.
    let pair = chain(&app, token, "pair", 2).await;
    problem(
        move_raw(&app, token, pair[0].id, deep[1].id).await,
        StatusCode::CONFLICT,
        "too_deep",
    )
    .await;
    let moved = move_raw(&app, token, pair[0].id, deep[0].id).await;
    assert_eq!(moved.status(), StatusCode::OK);
    let listing = app.list(token, &deep[0].id.to_string()).await;
    assert_eq!(listing.items.len(), 2, "level 1 and the moved pair");
}

#[tokio::test]
async fn an_account_holds_no_more_nodes_than_the_limit() {
    let app = spawn_app_with(|config| config.limits.nodes_per_account = 3).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let folder = app.mkdir(token, "root", "folder").await;
    let folder_id = folder.id.to_string();
    app.upload(token, &folder_id, "one.txt", b"1".to_vec())
        .await;
    app.upload(token, "root", "two.txt", b"2".to_vec()).await;
    problem(
        mkdir_raw(&app, token, "root", "fourth").await,
        StatusCode::INSUFFICIENT_STORAGE,
        "node_limit",
    )
    .await;
    problem(
        app.put_file(token, "root", "fourth.txt", b"4".to_vec(), false)
            .await,
        StatusCode::INSUFFICIENT_STORAGE,
        "node_limit",
    )
    .await;
    assert!(
        app.objects().await.len() == 2,
        "a refused upload leaves no object"
    );
    // Replacing a file's content makes no new node.
    let replaced = app
        .put_file(token, "root", "two.txt", b"22".to_vec(), true)
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    // Other accounts have their own count.
    let other = app.new_user().await;
    app.mkdir(&other.tokens.access_token, "root", "theirs")
        .await;
    // Deleting the folder (into the trash, where it still counts) and
    // emptying the trash frees it and the file inside: two new nodes fit.
    for path in [
        format!("/api/v1/nodes/{}", folder.id),
        "/api/v1/trash".to_owned(),
    ] {
        problem(
            mkdir_raw(&app, token, "root", "again").await,
            StatusCode::INSUFFICIENT_STORAGE,
            "node_limit",
        )
        .await;
        let deleted = app
            .client
            .delete(app.url(&path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    }
    app.mkdir(token, "root", "again").await;
    app.upload(token, "root", "again.txt", b"a".to_vec()).await;
    problem(
        mkdir_raw(&app, token, "root", "full again").await,
        StatusCode::INSUFFICIENT_STORAGE,
        "node_limit",
    )
    .await;
}

#[tokio::test]
async fn a_form_with_too_many_parts_stops_at_the_limit() {
    let app = spawn_app_with(|config| config.limits.form_parts = 2).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let boundary = "limit-boundary";
    let mut body = String::new();
    for n in 0..5 {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f{n}.txt\"\r\n\r\n{n}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let response = app
        .client
        .post(app.url("/api/v1/folders/root/files"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "too_many_parts").await;
    // As documented: the files before the first part too many are stored.
    let mut names: Vec<String> = app
        .list(token, "root")
        .await
        .items
        .into_iter()
        .map(|n| n.name)
        .collect();
    names.sort();
    assert_eq!(names, ["f0.txt", "f1.txt"]);
}

/// An upload whose body the test feeds piece by piece: it runs on the server
/// until `finish` sends the rest.
struct HeldUpload {
    more: mpsc::Sender<Vec<u8>>,
    answer: tokio::task::JoinHandle<reqwest::Response>,
}

impl HeldUpload {
    async fn start(app: &TestApp, token: &str, name: &str, declared: Option<u64>) -> Self {
        let (more, pieces) = mpsc::channel::<Vec<u8>>(4);
        let body = futures_util::stream::unfold(pieces, |mut pieces| async move {
            pieces
                .recv()
                .await
                .map(|piece| (Ok::<_, std::io::Error>(piece), pieces))
        });
        let mut request = app
            .client
            .put(app.url(&format!("/api/v1/folders/root/files/{name}")))
            .bearer_auth(token)
            .body(reqwest::Body::wrap_stream(body));
        if let Some(length) = declared {
            request = request.header("content-length", length);
        }
        let answer = tokio::spawn(async move { request.send().await.unwrap() });
        more.send(vec![1; 100]).await.unwrap();
        // Let the server start the upload and take its first bytes.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Self { more, answer }
    }

    async fn finish(self, rest: usize) -> reqwest::Response {
        if rest > 0 {
            self.more.send(vec![2; rest]).await.unwrap();
        }
        drop(self.more);
        self.answer.await.unwrap()
    }
}

#[tokio::test]
async fn an_account_runs_a_bounded_number_of_uploads_at_once() {
    let app = spawn_app_with(|config| config.limits.uploads_per_account = 1).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let running = HeldUpload::start(&app, token, "slow.bin", None).await;
    let refused = app
        .put_file(token, "root", "second.bin", b"2".to_vec(), false)
        .await;
    assert!(
        refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            >= 1
    );
    problem(refused, StatusCode::TOO_MANY_REQUESTS, "too_many_uploads").await;
    // Another account is not held up.
    let other = app.new_user().await;
    app.upload(
        &other.tokens.access_token,
        "root",
        "mine.bin",
        b"o".to_vec(),
    )
    .await;
    let done = running.finish(50).await;
    let node: Node = json(done, StatusCode::CREATED).await;
    assert_eq!(node.size, 150);
    // The slot is free again.
    app.upload(token, "root", "third.bin", b"3".to_vec()).await;
}

#[tokio::test]
async fn parallel_uploads_cannot_together_pass_the_quota() {
    let app = spawn_app_with(|config| config.default_quota_bytes = 1_000).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    // The first upload declares 600 bytes and holds them while it streams.
    let running = HeldUpload::start(&app, token, "first.bin", Some(600)).await;
    problem(
        app.put_file(token, "root", "declared.bin", vec![3; 600], false)
            .await,
        StatusCode::INSUFFICIENT_STORAGE,
        "quota_exceeded",
    )
    .await;
    // Without a declared length the bound holds while the bytes come.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..6).map(|_| Ok(vec![4u8; 100])).collect();
    let streamed = app
        .client
        .put(app.url("/api/v1/folders/root/files/streamed.bin"))
        .bearer_auth(token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    problem(streamed, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    // What is left next to the running upload still fits.
    app.upload(token, "root", "small.bin", vec![5; 400]).await;
    let done = running.finish(500).await;
    assert_eq!(done.status(), StatusCode::CREATED);
    let me: UserProfile = json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!(me.used_bytes, 1_000);
    assert_eq!(app.objects().await.len(), 2);
}

/// Sends `head` and then the body bytes one by one, `gap` apart, until the
/// server answers or `give_up` passes; returns the answer and how long it took.
fn trickle(address: &str, head: &str, body: &[u8], gap: Duration) -> (String, Duration) {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(10)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    let mut sent = 0;
    while started.elapsed() < Duration::from_secs(20) {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                answer.extend_from_slice(&buffer[..n]);
                if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                    // Give the body a moment to follow the head.
                    std::thread::sleep(Duration::from_millis(100));
                    if let Ok(n) = stream.read(&mut buffer) {
                        answer.extend_from_slice(&buffer[..n]);
                    }
                    break;
                }
            }
            Err(_) => {}
        }
        if sent < body.len() {
            if stream.write_all(&body[sent..=sent]).is_err() {
                continue;
            }
            sent += 1;
        }
        std::thread::sleep(gap);
    }
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_stores_nothing() {
    let app = spawn_app_with(|config| config.limits.body_idle_secs = 1).await;
    let user = app.new_user().await;
    let token = user.tokens.access_token.clone();
    let address = host(&app);
    let (answer, took) = tokio::task::spawn_blocking(move || {
        let head = format!(
            "PUT /api/v1/folders/root/files/stalled.bin HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n0123456789"
        );
        // Ten bytes, then nothing.
        trickle(&address, &head, b"", Duration::from_millis(50))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
    assert!(
        app.list(&user.tokens.access_token, "root")
            .await
            .items
            .is_empty()
    );
    let mut settled = false;
    for _ in 0..50 {
        if app.objects().await.is_empty() && app.partial_uploads().await == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled, "the stalled upload left bytes behind");
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_once_slower_than_the_minimum_rate() {
    let app = spawn_app_with(|config| {
        config.limits.body_idle_secs = 1;
        config.limits.body_min_rate = 1_000;
    })
    .await;
    let address = host(&app);
    let (answer, took) = tokio::task::spawn_blocking(move || {
        let head = format!(
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
        );
        // Never idle for a second, but about 5 bytes a second.
        trickle(&address, &head, &[b' '; 200], Duration::from_millis(200))
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(took < Duration::from_secs(5), "answered after {took:?}");
}

#[tokio::test]
async fn headers_that_never_finish_are_cut_off() {
    let app = spawn_app_with(|config| config.limits.request_header_secs = 1).await;
    let address = host(&app);
    let (answer, took) = tokio::task::spawn_blocking(move || {
        let head = format!("GET /api/v1/me HTTP/1.1\r\nHost: {address}\r\n");
        trickle(&address, &head, b"", Duration::from_millis(50))
    })
    .await
    .unwrap();
    // actix answers 408 and closes; either way the connection is not held.
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(took < Duration::from_secs(5), "held for {took:?}");
}
