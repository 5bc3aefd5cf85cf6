//! Upload and download: round trips, ranges, overwrite, limits, disconnects,
//! tampering, download URLs, and what the stores can see.

use std::io::{Read, Write};
use std::time::Duration;

use reqwest::StatusCode;
use strongroom_shared::{DownloadUrl, Node, NodeKind, UserProfile};

use crate::helpers::*;

#[tokio::test]
async fn round_trips_at_chunk_edges_and_beyond() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    for (i, size) in [0usize, 1, 65_535, 65_536, 65_537, 50 * 1024 * 1024]
        .into_iter()
        .enumerate()
    {
        let data = pattern(size, i as u8);
        let name = format!("file-{size}.bin");
        let node = app.upload(token, "root", &name, data.clone()).await;
        assert_eq!(
            (node.size, node.kind, node.name.as_str()),
            (size as u64, NodeKind::File, name.as_str())
        );
        assert_eq!(
            node.content_type.as_deref(),
            Some("application/octet-stream")
        );
        let back = app.content(token, node.id).await;
        assert!(back == data, "size {size}: bytes differ");
    }
    let me: UserProfile = json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!(
        me.used_bytes,
        (65_535 + 65_536 + 65_537 + 1 + 50 * 1024 * 1024) as u64
    );
}

async fn range(app: &TestApp, token: &str, node: &Node, header: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/api/v1/files/{}/content", node.id)))
        .bearer_auth(token)
        .header("range", header)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn ranges_at_chunk_boundaries_and_across_chunks() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let data = pattern(5 * 65_536 + 123, 9);
    let node = app.upload(token, "root", "ranged.bin", data.clone()).await;
    let len = data.len();
    let cases = [
        (0, 0),
        (65_535, 65_536),
        (65_536, 131_071),
        (100, 3 * 65_536 + 7),
        (len - 1, len - 1),
        (5 * 65_536, len - 1),
        (0, len - 1),
    ];
    for (start, end) in cases {
        let response = range(&app, token, &node, &format!("bytes={start}-{end}")).await;
        assert_eq!(
            response.status(),
            StatusCode::PARTIAL_CONTENT,
            "{start}-{end}"
        );
        assert_eq!(
            response.headers()["content-range"].to_str().unwrap(),
            format!("bytes {start}-{end}/{len}")
        );
        assert_eq!(
            response.headers()["content-length"].to_str().unwrap(),
            (end - start + 1).to_string()
        );
        let body = response.bytes().await.unwrap();
        assert!(body[..] == data[start..=end], "{start}-{end}");
    }
    // Suffix and open-ended ranges.
    let body = range(&app, token, &node, "bytes=-70000")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(body[..] == data[len - 70_000..]);
    let body = range(&app, token, &node, "bytes=131072-")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(body[..] == data[131_072..]);
    // Past the end: 416 with the size.
    let response = range(&app, token, &node, &format!("bytes={len}-")).await;
    assert_eq!(
        response.headers()["content-range"].to_str().unwrap(),
        format!("bytes */{len}")
    );
    problem(
        response,
        StatusCode::RANGE_NOT_SATISFIABLE,
        "range_not_satisfiable",
    )
    .await;
}

#[tokio::test]
async fn etags_answer_conditional_requests() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let node = app.upload(token, "root", "a.txt", b"hello".to_vec()).await;
    let response = app
        .get_auth(&format!("/api/v1/files/{}/content", node.id), token)
        .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(
        response.headers()["content-disposition"].to_str().unwrap(),
        "attachment; filename=\"a.txt\"; filename*=UTF-8''a.txt"
    );
    let url = app.url(&format!("/api/v1/files/{}/content", node.id));
    let response = app
        .client
        .get(&url)
        .bearer_auth(token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    // If-Range with the current tag honours the range; a stale tag gets it all.
    let response = app
        .client
        .get(&url)
        .bearer_auth(token)
        .header("range", "bytes=1-2")
        .header("if-range", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(&response.bytes().await.unwrap()[..], b"el");
    let response = app
        .client
        .get(&url)
        .bearer_auth(token)
        .header("range", "bytes=1-2")
        .header("if-range", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&response.bytes().await.unwrap()[..], b"hello");
    // Overwriting changes the tag.
    let replaced: Node = json(
        app.put_file(token, "root", "a.txt", b"bye".to_vec(), true)
            .await,
        StatusCode::OK,
    )
    .await;
    let response = app
        .client
        .get(&url)
        .bearer_auth(token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(replaced.id, node.id);
}

#[tokio::test]
async fn same_name_conflicts_unless_overwrite_is_asked() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let first = app.upload(token, "root", "notes.txt", vec![1; 1000]).await;
    problem(
        app.put_file(token, "root", "notes.txt", vec![2; 10], false)
            .await,
        StatusCode::CONFLICT,
        "name_taken",
    )
    .await;
    assert_eq!(app.content(token, first.id).await, vec![1; 1000]);
    assert_eq!(app.objects().await.len(), 1);

    let replaced: Node = json(
        app.put_file(token, "root", "notes.txt", vec![3; 10], true)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((replaced.id, replaced.size), (first.id, 10));
    assert_eq!(app.content(token, first.id).await, vec![3; 10]);
    // The old content is kept as a version (`versions_kept` is on by
    // default), stored and counted as one.
    assert_eq!(app.objects().await.len(), 2);
    let me: UserProfile = json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!((me.used_bytes, me.version_bytes), (1010, 1000));
    // A folder is never overwritten by a file.
    app.mkdir(token, "root", "docs").await;
    problem(
        app.put_file(token, "root", "docs", vec![1], true).await,
        StatusCode::CONFLICT,
        "name_taken",
    )
    .await;
}

#[tokio::test]
async fn quota_and_upload_limits_store_nothing() {
    let app = spawn_app_with(|c| {
        c.default_quota_bytes = 200_000;
        c.max_upload_bytes = 150_000;
    })
    .await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    problem(
        app.put_file(token, "root", "big.bin", vec![0; 150_001], false)
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
    )
    .await;
    app.upload(token, "root", "first.bin", vec![0; 120_000])
        .await;
    problem(
        app.put_file(token, "root", "second.bin", vec![0; 100_000], false)
            .await,
        StatusCode::INSUFFICIENT_STORAGE,
        "quota_exceeded",
    )
    .await;
    // Without a declared length the limit is enforced while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..10).map(|_| Ok(vec![7u8; 10_000])).collect();
    let response = app
        .client
        .put(app.url("/api/v1/folders/root/files/streamed.bin"))
        .bearer_auth(token)
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    let listing = app.list(token, "root").await;
    assert_eq!(
        listing
            .items
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["first.bin"]
    );
    assert_eq!(app.objects().await.len(), 1);
    let me: UserProfile = json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!((me.used_bytes, me.quota_bytes), (120_000, 200_000));
}

#[tokio::test]
async fn a_dropped_connection_leaves_no_file_and_no_object() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = user.tokens.access_token.clone();
    let address = app.address.trim_start_matches("http://").to_owned();
    let sent = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "PUT /api/v1/folders/root/files/partial.bin HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Length: 10485760\r\n\r\n"
        )
        .unwrap();
        let piece = vec![0xAB; 64 * 1024];
        for _ in 0..16 {
            stream.write_all(&piece).unwrap();
        }
        stream.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        // Hang up a tenth of the way through.
        stream.shutdown(std::net::Shutdown::Both).unwrap();
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    sent.await.unwrap();
    let mut settled = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if app.partial_uploads().await == 0 && app.objects().await.is_empty() {
            settled = true;
            break;
        }
    }
    assert!(settled, "a partial object was left behind");
    assert!(
        app.list(&user.tokens.access_token, "root")
            .await
            .items
            .is_empty()
    );
    let me: UserProfile = json(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me.used_bytes, 0);
}

#[tokio::test]
async fn an_altered_object_never_downloads_as_success() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let data = pattern(10 * 65_536, 3);
    let small = app
        .upload(token, "root", "small.txt", b"short and sweet".to_vec())
        .await;
    let large = app.upload(token, "root", "large.bin", data.clone()).await;
    let mut keys = app.objects().await;
    let mut stored = Vec::new();
    for key in keys.drain(..) {
        let bytes = app.object_bytes(&key).await;
        stored.push((key, bytes));
    }
    let find = |node: &Node| {
        let len = strongroom_api::crypto::srm1::ciphertext_len(node.size).unwrap();
        stored
            .iter()
            .find(|(_, bytes)| bytes.len() as u64 == len)
            .cloned()
            .unwrap()
    };
    // Damage in the header: refused before the first byte, as a problem.
    let (small_key, mut bytes) = find(&small);
    bytes[40] ^= 1;
    app.write_object(&small_key, bytes).await;
    problem(
        app.get_auth(&format!("/api/v1/files/{}/content", small.id), token)
            .await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "integrity_error",
    )
    .await;

    // Damage in chunk 6: the answer started, then the connection is cut.
    let (large_key, mut bytes) = find(&large);
    let offset = 116 + 6 * (65_536 + 16) + 100;
    bytes[offset] ^= 0x80;
    app.write_object(&large_key, bytes).await;
    let response = app
        .get_auth(&format!("/api/v1/files/{}/content", large.id), token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.bytes().await;
    assert!(
        body.is_err(),
        "a damaged object must not complete as a success"
    );
    // A range that avoids the damage still works; one that touches it fails.
    let ok = range(&app, token, &large, "bytes=0-65535")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(ok[..] == data[..65_536]);
    let response = range(
        &app,
        token,
        &large,
        &format!("bytes={}-{}", 6 * 65_536, 6 * 65_536 + 10),
    )
    .await;
    problem(
        response,
        StatusCode::INTERNAL_SERVER_ERROR,
        "integrity_error",
    )
    .await;
}

#[tokio::test]
async fn download_urls_open_one_file_briefly_without_a_header() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let data = pattern(200_000, 5);
    let node = app
        .upload(token, "root", "Überblick 2026.pdf", data.clone())
        .await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/files/{}/download-url", node.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let link: DownloadUrl = json(response, StatusCode::OK).await;
    assert!(link.url.starts_with("/api/v1/download/"));
    assert!(
        !link.url.contains("berblick"),
        "the URL must not reveal the name"
    );
    let lifetime = link.expires_at - time::OffsetDateTime::now_utc();
    assert!(lifetime <= time::Duration::seconds(61) && lifetime >= time::Duration::seconds(50));

    let response = app.client.get(app.url(&link.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A PDF could run script in the browser's viewer: it goes as inert bytes.
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("filename*=UTF-8''%C3%9Cberblick%202026.pdf")
    );
    assert!(response.bytes().await.unwrap()[..] == data[..]);
    let response = app
        .client
        .get(app.url(&link.url))
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert!(response.bytes().await.unwrap()[..] == data[10..20]);

    // The download token is no access token, and a tampered one opens nothing.
    let download_token = link.url.trim_start_matches("/api/v1/download/");
    problem(
        app.get_auth("/api/v1/me", download_token).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    let mut forged = download_token.to_owned();
    forged.pop();
    forged.push(if download_token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    problem(
        app.client
            .get(app.url(&format!("/api/v1/download/{forged}")))
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    // Replaced, the old content is a version of the file: the link still
    // opens it (and only it); once that version is gone, it opens nothing.
    app.put_file(token, "root", "Überblick 2026.pdf", b"new".to_vec(), true)
        .await;
    let response = app.client.get(app.url(&link.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), data);
    let versions: strongroom_shared::VersionList = json(
        app.get_auth(&format!("/api/v1/files/{}/versions", node.id), token)
            .await,
        StatusCode::OK,
    )
    .await;
    let deleted = app
        .client
        .delete(app.url(&format!(
            "/api/v1/files/{}/versions/{}",
            node.id, versions.items[0].id
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(
        app.client.get(app.url(&link.url)).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn multipart_uploads_several_files() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let one = pattern(70_000, 1);
    let two = pattern(10, 2);
    let boundary = "strongroom-test-boundary";
    let mut body = Vec::new();
    for (name, data) in [("one.bin", &one), ("two words.txt", &two)] {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
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
    let nodes: Vec<Node> = json(response, StatusCode::CREATED).await;
    assert_eq!(
        nodes
            .iter()
            .map(|n| (n.name.as_str(), n.size))
            .collect::<Vec<_>>(),
        [("one.bin", 70_000), ("two words.txt", 10)]
    );
    assert_eq!(app.content(token, nodes[0].id).await, one);
    assert_eq!(app.content(token, nodes[1].id).await, two);
    // Not a form: 415; a form without files: 400.
    let response = app
        .client
        .post(app.url("/api/v1/folders/root/files"))
        .bearer_auth(token)
        .body("plain")
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let form = |parts: &str| {
        app.client
            .post(app.url("/api/v1/folders/root/files"))
            .bearer_auth(token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(format!("{parts}--{boundary}--\r\n"))
            .send()
    };
    problem(form("").await.unwrap(), StatusCode::BAD_REQUEST, "no_files").await;
    // Only `file` parts with a filename: others are refused, not dropped.
    for part in [
        "Content-Disposition: form-data; name=\"note\"\r\n\r\nhi",
        "Content-Disposition: form-data; name=\"file\"\r\n\r\nno filename",
        "Content-Disposition: form-data; name=\"upload\"; filename=\"x.txt\"\r\n\r\nx",
    ] {
        let response = form(&format!("--{boundary}\r\n{part}\r\n")).await.unwrap();
        problem(response, StatusCode::BAD_REQUEST, "invalid_multipart").await;
    }
    assert_eq!(app.list(token, "root").await.items.len(), 2);
}

#[tokio::test]
async fn the_stores_hold_no_names_and_no_plaintext() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let marker = b"PLAINTEXT-MARKER-0123456789".repeat(5000);
    let folder = app.mkdir(token, "root", "Secret Folder Zanzibar").await;
    app.upload(
        token,
        &folder.id.to_string(),
        "quarterly-report-xyzzy.pdf",
        marker.clone(),
    )
    .await;
    app.upload(
        token,
        "root",
        "tiny-plugh.txt",
        b"PLAINTEXT-MARKER-0123456789".to_vec(),
    )
    .await;
    let db = app.meta_dump().await;
    assert!(!db.is_empty());
    let contains =
        |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
    for needle in [
        &b"Zanzibar"[..],
        b"xyzzy",
        b"plugh",
        b"quarterly",
        b"PLAINTEXT-MARKER",
    ] {
        assert!(
            !contains(&db, needle),
            "the database holds {:?}",
            String::from_utf8_lossy(needle)
        );
    }
    let keys = app.objects().await;
    assert_eq!(keys.len(), 2);
    for key in keys {
        let object = app.object_bytes(&key).await;
        assert_eq!(&object[..4], b"SRM1");
        assert!(!contains(&object, b"PLAINTEXT-MARKER"));
        for needle in ["Zanzibar", "xyzzy", "plugh", "report"] {
            assert!(!key.contains(needle));
        }
    }
}

#[tokio::test]
async fn the_sweeper_removes_only_unreferenced_old_objects() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let kept = app.upload(token, "root", "kept.bin", vec![1; 100]).await;
    let kept_key = app.objects().await.remove(0);
    // An object with no record, as a crash between writing and committing leaves.
    let orphan = format!("{}/{}", user.signup.user.id, uuid::Uuid::new_v4());
    app.write_object(&orphan, b"SRM1 left by a crash".to_vec())
        .await;
    let stores = app.stores().await;
    let (meta, blobs) = (stores.meta, stores.blobs);
    let sweep = |grace| strongroom_api::vault::sweeper::sweep(meta.as_ref(), blobs.as_ref(), grace);
    // Young objects are left alone: their upload may be about to commit.
    let report = sweep(time::Duration::hours(1)).await.unwrap();
    assert_eq!((report.examined, report.removed), (2, 0));
    assert_eq!(app.objects().await.len(), 2);
    // Past the grace period only the orphan goes.
    let report = sweep(time::Duration::ZERO).await.unwrap();
    assert_eq!((report.examined, report.removed), (2, 1));
    assert_eq!(app.objects().await, [kept_key]);
    assert_eq!(app.content(token, kept.id).await, vec![1; 100]);
}
