//! WebDAV at `/dav/`, read path: PROPFIND, GET (whole and ranged), HEAD,
//! the answers' sandbox headers, and that each caller sees only their tree.
//! These sign in with a bearer token; `dav_writes.rs` uses Basic.

use reqwest::{Method, Response, StatusCode};

use crate::helpers::{TestApp, pattern, spawn_app, spawn_app_with_web, urlencoding};

const UNICODE: &str = "Résumé 日本 ☃.txt";
const BIG_LEN: usize = 700_000;

fn propfind() -> Method {
    Method::from_bytes(b"PROPFIND").unwrap()
}

async fn dav(app: &TestApp, method: Method, path: &str, token: Option<&str>) -> Response {
    dav_with(app, method, path, token, &[]).await
}

async fn dav_with(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

fn assert_sandboxed(response: &Response) {
    let headers = response.headers();
    assert_eq!(headers["content-security-policy"], "sandbox");
    assert_eq!(headers["x-content-type-options"], "nosniff");
}

/// `docs/` holding `UNICODE` (5 bytes) and `inner/big.bin` (several chunks).
async fn tree(app: &TestApp, token: &str) -> Vec<u8> {
    let docs = app.mkdir(token, "root", "docs").await;
    let inner = app.mkdir(token, &docs.id.to_string(), "inner").await;
    app.upload(token, &docs.id.to_string(), UNICODE, b"hello".to_vec())
        .await;
    let big = pattern(BIG_LEN, 7);
    app.upload(token, &inner.id.to_string(), "big.bin", big.clone())
        .await;
    big
}

#[tokio::test]
async fn propfind_lists_a_folder() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    tree(&app, token).await;

    let depth0 = dav_with(
        &app,
        propfind(),
        "/dav/docs/",
        Some(token),
        &[("depth", "0")],
    )
    .await;
    assert_eq!(depth0.status(), StatusCode::MULTI_STATUS);
    assert_sandboxed(&depth0);
    let body = depth0.text().await.unwrap();
    assert!(body.contains("/dav/docs/"), "{body}");
    assert!(!body.contains("inner"), "depth 0 lists no child: {body}");

    let depth1 = dav_with(
        &app,
        propfind(),
        "/dav/docs/",
        Some(token),
        &[("depth", "1")],
    )
    .await;
    assert_eq!(depth1.status(), StatusCode::MULTI_STATUS);
    let body = depth1.text().await.unwrap();
    assert!(body.contains("/dav/docs/inner/"), "{body}");
    // Hrefs are percent-encoded; the name itself appears encoded.
    let encoded = urlencoding(UNICODE);
    assert!(
        body.to_lowercase().contains(&encoded.to_lowercase()),
        "{encoded} in {body}"
    );
    assert!(
        body.contains("<D:getcontentlength>5</D:getcontentlength>"),
        "{body}"
    );

    let inner = dav_with(
        &app,
        propfind(),
        "/dav/docs/inner/",
        Some(token),
        &[("depth", "1")],
    )
    .await;
    let body = inner.text().await.unwrap();
    assert!(body.contains("big.bin"), "{body}");
    assert!(
        body.contains(&format!(
            "<D:getcontentlength>{BIG_LEN}</D:getcontentlength>"
        )),
        "{body}"
    );
}

#[tokio::test]
async fn get_head_and_ranges() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let big = tree(&app, token).await;

    let path = format!("/dav/docs/{}", urlencoding(UNICODE));
    let small = dav(&app, Method::GET, &path, Some(token)).await;
    assert_eq!(small.status(), StatusCode::OK);
    assert_sandboxed(&small);
    assert_eq!(&small.bytes().await.unwrap()[..], b"hello");

    let whole = dav(&app, Method::GET, "/dav/docs/inner/big.bin", Some(token)).await;
    assert_eq!(whole.status(), StatusCode::OK);
    let etag = whole.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(
        whole.headers()["content-length"].to_str().unwrap(),
        BIG_LEN.to_string()
    );
    assert!(whole.bytes().await.unwrap() == big, "whole file byte-exact");

    // The same ETag as the API's download.
    let api = app.get_auth("/api/v1/fs/docs/inner/big.bin", token).await;
    assert_eq!(api.headers()["etag"].to_str().unwrap(), etag);

    // A range across chunk boundaries, and one at the very end.
    for (start, end) in [
        (65_000usize, 200_000usize),
        (BIG_LEN - 10, BIG_LEN - 1),
        (0, 0),
    ] {
        let range = format!("bytes={start}-{end}");
        let part = dav_with(
            &app,
            Method::GET,
            "/dav/docs/inner/big.bin",
            Some(token),
            &[("range", &range)],
        )
        .await;
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            part.headers()["content-range"].to_str().unwrap(),
            format!("bytes {start}-{end}/{BIG_LEN}")
        );
        assert!(part.bytes().await.unwrap() == big[start..=end], "{range}");
    }

    let head = dav(&app, Method::HEAD, "/dav/docs/inner/big.bin", Some(token)).await;
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["content-length"].to_str().unwrap(),
        BIG_LEN.to_string()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn missing_unauthenticated_and_other_users() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    tree(&app, token).await;

    for path in [
        "/dav/nope",
        "/dav/docs/nope.txt",
        "/dav/docs/inner/big.bin/x",
    ] {
        let missing = dav(&app, Method::GET, path, Some(token)).await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
        assert_sandboxed(&missing);
    }
    let missing = dav_with(
        &app,
        propfind(),
        "/dav/nope/",
        Some(token),
        &[("depth", "0")],
    )
    .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    for method in [Method::GET, propfind()] {
        let anonymous = dav(&app, method, "/dav/docs/", None).await;
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        assert_sandboxed(&anonymous);
    }
    // A browser at /dav/ gets WebDAV's answer, never the app's page.
    for path in ["/dav", "/dav/", "/dav/docs"] {
        let browser = dav(&app, Method::GET, path, Some(token)).await;
        assert_sandboxed(&browser);
        // dav-server answers GET on a folder 405 (no HTML index is enabled).
        assert_eq!(browser.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert!(!browser.text().await.unwrap().contains("<html"), "{path}");
    }
    let bad = dav(&app, propfind(), "/dav/", Some("not-a-token")).await;
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);

    // An anonymous write is refused before anything happens.
    let put = app
        .client
        .put(app.url("/dav/docs/new.txt"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::UNAUTHORIZED);
    let bearer_put = dav(&app, propfind(), "/dav/docs/new.txt", Some(token)).await;
    assert_eq!(bearer_put.status(), StatusCode::NOT_FOUND);

    // Another user: an empty root, and none of the owner's paths.
    let other = app.new_user().await;
    let other_token = &other.tokens.access_token;
    let root = dav_with(
        &app,
        propfind(),
        "/dav/",
        Some(other_token),
        &[("depth", "1")],
    )
    .await;
    assert_eq!(root.status(), StatusCode::MULTI_STATUS);
    let body = root.text().await.unwrap();
    assert!(!body.contains("docs"), "{body}");
    for path in ["/dav/docs/", "/dav/docs/inner/big.bin"] {
        let theirs = dav(&app, Method::GET, path, Some(other_token)).await;
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn a_browser_at_dav_gets_webdav_not_the_app() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!DOCTYPE html><html><body>THE-APP</body></html>",
    )
    .unwrap();
    let app = spawn_app_with_web(web.path()).await;
    for path in ["/dav", "/dav/", "/dav/docs/file.txt"] {
        let response = app
            .client
            .get(app.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_sandboxed(&response);
        assert!(
            !response.text().await.unwrap().contains("THE-APP"),
            "{path}"
        );
    }
    // Only the `/dav` segment: a deep link like `/davinci` is still the app's.
    let deep_link = app.client.get(app.url("/davinci")).send().await.unwrap();
    assert!(deep_link.text().await.unwrap().contains("THE-APP"));
}

/// A damaged object never completes as a success over WebDAV either. Damage
/// where the answer starts is found before dav-server sends its headers (a
/// clean 500, as in the API); damage further on cuts the connection.
#[tokio::test]
async fn a_damaged_object_never_reads_as_success() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let data = pattern(10 * 65_536, 3);
    app.upload(token, "root", "large.bin", data.clone()).await;
    let key = app.objects().await.remove(0);
    let mut bytes = app.object_bytes(&key).await;
    bytes[116 + 6 * (65_536 + 16) + 100] ^= 0x80;
    app.write_object(&key, bytes.clone()).await;

    let whole = dav(&app, Method::GET, "/dav/large.bin", Some(token)).await;
    assert_eq!(whole.status(), StatusCode::OK);
    assert!(whole.bytes().await.is_err(), "cut, never complete");
    let touching = [("range", "bytes=393216-393300")];
    let ranged = dav_with(&app, Method::GET, "/dav/large.bin", Some(token), &touching).await;
    assert_eq!(ranged.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // A range before the damage still reads.
    let before = [("range", "bytes=0-65535")];
    let ok = dav_with(&app, Method::GET, "/dav/large.bin", Some(token), &before).await;
    assert_eq!(ok.status(), StatusCode::PARTIAL_CONTENT);
    assert!(ok.bytes().await.unwrap() == data[..65_536]);

    // Damage in the header: refused before any byte.
    bytes[40] ^= 1;
    app.write_object(&key, bytes).await;
    let whole = dav(&app, Method::GET, "/dav/large.bin", Some(token)).await;
    assert_eq!(whole.status(), StatusCode::INTERNAL_SERVER_ERROR);
    // HEAD reads no content, so it still answers from the record.
    let head = dav(&app, Method::HEAD, "/dav/large.bin", Some(token)).await;
    assert_eq!(head.status(), StatusCode::OK);
}

/// Several ranges: dav-server seeks once per range, each a ranged download.
#[tokio::test]
async fn several_ranges_answer_multipart() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let big = tree(&app, token).await;
    let ranges = [("range", "bytes=10-19,300000-300009")];
    let response = dav_with(
        &app,
        Method::GET,
        "/dav/docs/inner/big.bin",
        Some(token),
        &ranges,
    )
    .await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("multipart/byteranges"),
        "{content_type}"
    );
    let body = response.bytes().await.unwrap();
    let contains = |part: &[u8]| body.windows(part.len()).any(|w| w == part);
    assert!(contains(&big[10..20]));
    assert!(contains(&big[300_000..300_010]));
}
