//! Records bound to their content: someone who can write the metadata store
//! (and holds no key) swaps, edits or copies file records, and every path
//! that serves content refuses with `integrity_error`, never a byte of the
//! other file. Records older than binding are bound on first use.

use reqwest::{Method, StatusCode};
use strongroom_shared::{DownloadUrl, Node};
use uuid::Uuid;

use crate::common::probe::{self, ContentFields};
use crate::helpers::{TestApp, TestUser, json, pattern, problem, spawn_app};

async fn fields(app: &TestApp, user: Uuid, node: Uuid) -> ContentFields {
    let record = app
        .stores()
        .await
        .meta
        .node(user, node)
        .await
        .unwrap()
        .unwrap();
    ContentFields {
        object_id: record.object_id.unwrap(),
        size: record.size,
        binding: record.binding,
    }
}

async fn root_mark(app: &TestApp, user: Uuid) -> Option<[u8; 32]> {
    let root = app
        .stores()
        .await
        .meta
        .node(user, user)
        .await
        .unwrap()
        .unwrap();
    root.binding
}

async fn download_url(app: &TestApp, token: &str, node: Uuid) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/files/{node}/download-url")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// Every way to get a file's bytes, each answer's status and body.
async fn every_content_path(
    app: &TestApp,
    user: &TestUser,
    node: &Node,
    name: &str,
) -> Vec<(String, StatusCode, Vec<u8>)> {
    let token = &user.tokens.access_token;
    let content = app.url(&format!("/api/v1/files/{}/content", node.id));
    let requests = [
        ("GET content", Method::GET, content.clone(), None),
        ("HEAD content", Method::HEAD, content.clone(), None),
        (
            "GET a range",
            Method::GET,
            content.clone(),
            Some("bytes=0-9"),
        ),
        ("GET a late range", Method::GET, content, Some("bytes=5-")),
        (
            "GET by path",
            Method::GET,
            app.url(&format!("/api/v1/fs/{name}")),
            None,
        ),
    ];
    let mut answers = Vec::new();
    for (what, method, url, range) in requests {
        let mut request = app.client.request(method, url).bearer_auth(token);
        if let Some(range) = range {
            request = request.header("range", range);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        answers.push((what.to_owned(), status, body));
    }
    let response = download_url(app, token, node.id).await;
    let status = response.status();
    answers.push((
        "POST download-url".to_owned(),
        status,
        response.bytes().await.unwrap().to_vec(),
    ));
    answers
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn assert_refused(app: &TestApp, user: &TestUser, node: &Node, name: &str, other: &[u8]) {
    for (what, status, body) in every_content_path(app, user, node, name).await {
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        assert!(
            !contains(&body, &other[..32]),
            "{what} served the other file"
        );
        if !body.is_empty() {
            let text = String::from_utf8_lossy(&body);
            assert!(text.contains("integrity_error"), "{what}: {text}");
        }
    }
}

#[tokio::test]
async fn altered_records_serve_no_byte_of_another_file() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let id = user.signup.user.id;
    let token = &user.tokens.access_token;
    let a_bytes = pattern(70_000, 1);
    let b_bytes = pattern(150_000, 2);
    let a = app.upload(token, "root", "a.txt", a_bytes.clone()).await;
    let b = app.upload(token, "root", "b.txt", b_bytes.clone()).await;
    let a_fields = fields(&app, id, a.id).await;
    let b_fields = fields(&app, id, b.id).await;
    assert!(a_fields.binding.is_some() && b_fields.binding.is_some());
    // Made before the tampering, checked when followed.
    let url: DownloadUrl = json(download_url(&app, token, a.id).await, StatusCode::OK).await;

    let tampered = [
        // Object and size swapped, each record keeping its own binding.
        ContentFields {
            object_id: b_fields.object_id,
            size: b_fields.size,
            ..a_fields
        },
        // Another node's fields copied whole, binding and all.
        b_fields,
        // The size edited, shorter and longer.
        ContentFields {
            size: a_fields.size - 1,
            ..a_fields
        },
        ContentFields {
            size: a_fields.size + 65_536,
            ..a_fields
        },
        // The binding of another record.
        ContentFields {
            binding: b_fields.binding,
            ..a_fields
        },
    ];
    for fields in tampered {
        // b's object may only appear on a (a unique index keeps one per object).
        probe::write_content_fields(
            &app.config,
            id,
            b.id,
            ContentFields {
                object_id: Uuid::new_v4(),
                ..b_fields
            },
        )
        .await;
        probe::write_content_fields(&app.config, id, a.id, fields).await;
        assert_refused(&app, &user, &a, "a.txt", &b_bytes).await;
        let followed = app.client.get(app.url(&url.url)).send().await.unwrap();
        let status = followed.status();
        let body = followed.bytes().await.unwrap();
        assert!(!contains(&body, &b_bytes[..32]), "{fields:?}");
        // The URL holds the object and size its record was verified with
        // when it was made. Same object, another size: altered. Another
        // object: the URL's file is gone (an honest re-upload looks the same
        // without the owner's key). Both the same: exactly what was verified.
        let expected = match (
            fields.object_id == a_fields.object_id,
            fields.size == a_fields.size,
        ) {
            (true, false) => StatusCode::INTERNAL_SERVER_ERROR,
            (false, _) => StatusCode::NOT_FOUND,
            (true, true) => StatusCode::OK,
        };
        assert_eq!(status, expected, "{fields:?}");
        if status == StatusCode::OK {
            assert_eq!(body[..], a_bytes[..]);
        }
        // Put back, the file downloads again: the tampering was the cause.
        probe::write_content_fields(&app.config, id, a.id, a_fields).await;
        probe::write_content_fields(&app.config, id, b.id, b_fields).await;
        assert_eq!(app.content(token, a.id).await, a_bytes);
        assert_eq!(app.content(token, b.id).await, b_bytes);
    }
    // A binding removed from a record of an account whose records are all
    // bound is an altered record too, not an old one.
    probe::write_content_fields(
        &app.config,
        id,
        a.id,
        ContentFields {
            binding: None,
            ..a_fields
        },
    )
    .await;
    assert_refused(&app, &user, &a, "a.txt", &b_bytes).await;
    assert_eq!(fields(&app, id, a.id).await.binding, None);
}

#[tokio::test]
async fn old_records_are_bound_on_first_use() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let id = user.signup.user.id;
    let token = &user.tokens.access_token;
    // Sign-up marked the root: a new account has no old records.
    assert!(root_mark(&app, id).await.is_some());
    let folder = app.mkdir(token, "root", "docs").await;
    let a = app.upload(token, "root", "a.txt", b"alpha".to_vec()).await;
    let b = app
        .upload(token, &folder.id.to_string(), "b.txt", b"bravo".to_vec())
        .await;
    let (a_fields, b_fields) = (fields(&app, id, a.id).await, fields(&app, id, b.id).await);
    // As records made before binding existed look.
    for (node, f) in [(a.id, a_fields), (b.id, b_fields)] {
        let old = ContentFields { binding: None, ..f };
        probe::write_content_fields(&app.config, id, node, old).await;
    }
    probe::clear_binding(&app.config, id, id).await;

    // The first download binds every record of the account, and marks the root.
    assert_eq!(app.content(token, a.id).await, b"alpha");
    assert_eq!(fields(&app, id, a.id).await, a_fields);
    assert_eq!(fields(&app, id, b.id).await, b_fields);
    assert!(root_mark(&app, id).await.is_some());
    assert_eq!(app.content(token, b.id).await, b"bravo");

    // From then on a record without a binding is refused.
    let old = ContentFields {
        binding: None,
        ..b_fields
    };
    probe::write_content_fields(&app.config, id, b.id, old).await;
    problem(
        app.get_auth(&format!("/api/v1/files/{}/content", b.id), token)
            .await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "integrity_error",
    )
    .await;
}

#[tokio::test]
async fn replacing_a_file_keeps_it_bound() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let first = app.upload(token, "root", "r.txt", b"one".to_vec()).await;
    let response = app
        .put_file(token, "root", "r.txt", b"second version".to_vec(), true)
        .await;
    let second: Node = json(response, StatusCode::OK).await;
    assert_eq!(second.id, first.id);
    assert_eq!(app.content(token, first.id).await, b"second version");
    let record = fields(&app, user.signup.user.id, first.id).await;
    assert_eq!(record.size, 14);
    assert!(record.binding.is_some());
}
