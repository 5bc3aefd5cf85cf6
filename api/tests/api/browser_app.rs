//! The built browser app on the API's port: files with the right types and
//! caching, `index.html` for deep links, problems for unknown API paths, no
//! way out of `web_dir`, and the security headers on every kind of answer.

use std::path::PathBuf;

use reqwest::{Response, StatusCode};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::*;

/// Trunk 0.21's inline loader, as it writes it into `index.html`.
const LOADER: &str = "\nimport init, * as bindings from '/app-abc123.js';\n\
                      const wasm = await init({ module_or_path: '/app-abc123_bg.wasm' });\n\
                      window.wasmBindings = bindings;\n\
                      dispatchEvent(new CustomEvent(\"TrunkApplicationStarted\", {detail: {wasm}}));\n";
const SECRET: &str = "NOT-FOR-BROWSERS-3b9e";
const WASM: &[u8] = b"\0asm\x01\0\0\0";

/// A built app: `<tmp>/dist/{index.html, app-abc123.js, ...}`, and a secret
/// file beside `dist` that must never be served.
struct BuiltApp {
    _root: TempDir,
    dist: PathBuf,
    index: String,
}

fn index_html(loader: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Strongroom</title>\n\
         <link rel=\"stylesheet\" href=\"/style-abc.css\" integrity=\"sha384-x\"/>\n\
         <link rel=\"modulepreload\" href=\"/app-abc123.js\" crossorigin=\"anonymous\">\n\
         <link rel=\"preload\" href=\"/app-abc123_bg.wasm\" crossorigin=\"anonymous\" as=\"fetch\" type=\"application/wasm\">\n\
         <script type=\"module\">{loader}</script>\n</head><body></body></html>\n"
    )
}

fn built_app() -> BuiltApp {
    let root = tempfile::tempdir().unwrap();
    let dist = root.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    let index = index_html(LOADER);
    std::fs::write(dist.join("index.html"), &index).unwrap();
    std::fs::write(
        dist.join("app-abc123.js"),
        "export default function init() {}\n",
    )
    .unwrap();
    std::fs::write(dist.join("app-abc123_bg.wasm"), WASM).unwrap();
    std::fs::write(dist.join("style-abc.css"), "body { margin: 0 }\n").unwrap();
    std::fs::create_dir(dist.join("assets")).unwrap();
    std::fs::write(dist.join("assets/logo-1f2e.svg"), "<svg/>").unwrap();
    std::fs::write(root.path().join("secret.txt"), SECRET).unwrap();
    std::fs::write(dist.join(".hidden"), SECRET).unwrap();
    BuiltApp {
        _root: root,
        dist,
        index,
    }
}

/// The policy with these extra script sources.
fn policy_with(script_sources: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_sources}; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The policy the server must send with an `index.html` holding this loader.
fn expected_policy(loader: &str) -> String {
    let hash = data_encoding::BASE64.encode(&Sha256::digest(loader.as_bytes()));
    policy_with(&format!(" 'sha256-{hash}'"))
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} on {}", response.url()))
}

async fn get(app: &TestApp, path: &str) -> Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

/// Asserts an `index.html` answer.
async fn is_index(app: &TestApp, built: &BuiltApp, path: &str) {
    let response = get(app, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert!(
        header(&response, "content-type").starts_with("text/html"),
        "{path}"
    );
    assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
    assert_eq!(response.text().await.unwrap(), built.index, "{path}");
}

#[tokio::test]
async fn files_are_served_with_their_types_and_caching() {
    let built = built_app();
    let app = spawn_app_with_web(&built.dist).await;
    is_index(&app, &built, "/").await;
    is_index(&app, &built, "/index.html").await;

    for (path, content_type) in [
        ("/app-abc123.js", "javascript"),
        ("/app-abc123_bg.wasm", "application/wasm"),
        ("/style-abc.css", "text/css"),
        ("/assets/logo-1f2e.svg", "image/svg+xml"),
    ] {
        let response = get(&app, path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let served = header(&response, "content-type");
        assert!(served.contains(content_type), "{path}: {served}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{path}"
        );
        assert!(response.headers().get("content-disposition").is_none());
        let etag = header(&response, "etag").to_owned();
        header(&response, "last-modified");
        let on_disk = std::fs::read(built.dist.join(&path[1..])).unwrap();
        assert_eq!(response.bytes().await.unwrap().as_ref(), on_disk.as_slice());

        // The browser revalidates with the ETag: 304, nothing sent again.
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    }
    assert_eq!(
        header(&get(&app, "/app-abc123_bg.wasm").await, "content-type"),
        "application/wasm"
    );
    let head = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
}

#[tokio::test]
async fn gzip_copies_are_served_to_browsers_that_accept_them() {
    let built = built_app();
    let gzipped = b"\x1f\x8b pretend this is gzip of the wasm";
    std::fs::write(built.dist.join("app-abc123_bg.wasm.gz"), gzipped).unwrap();
    let app = spawn_app_with_web(&built.dist).await;
    let asking = |encoding: &'static str| {
        app.client
            .get(app.url("/app-abc123_bg.wasm"))
            .header("accept-encoding", encoding)
            .send()
    };

    let response = asking("gzip, deflate, br").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(header(&response, "content-type"), "application/wasm");
    assert_eq!(header(&response, "vary"), "accept-encoding");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), gzipped);

    // Without gzip in Accept-Encoding: the plain file, never the gzip bytes.
    for encoding in ["identity", "gzip;q=0", "br"] {
        let response = asking(encoding).await.unwrap();
        assert!(
            response.headers().get("content-encoding").is_none(),
            "{encoding}"
        );
        assert_eq!(header(&response, "content-type"), "application/wasm");
        assert_eq!(response.bytes().await.unwrap().as_ref(), WASM, "{encoding}");
    }
    // A file without a gzip copy is served plain even to gzip browsers.
    let css = app
        .client
        .get(app.url("/style-abc.css"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(css.headers().get("content-encoding").is_none());
    assert_eq!(css.text().await.unwrap(), "body { margin: 0 }\n");
    // The API is never compressed.
    let api = app
        .client
        .get(app.url("/healthz"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(api.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn deep_links_load_the_app_and_api_paths_stay_problems() {
    let built = built_app();
    let app = spawn_app_with_web(&built.dist).await;
    for path in [
        "/files/0190a6f2-4c1e-7cc3-8a43-2d4b6f0e9a11",
        "/account",
        "/shares",
        "/s/some-token",
        "/missing-abc.js",
        "/healthzz",
        "/apis",
    ] {
        is_index(&app, &built, path).await;
    }
    for path in [
        "/api/v1/nope",
        "/api/nope",
        "/api",
        "/api/v2/me",
        "/healthz/x",
    ] {
        problem(get(&app, path).await, StatusCode::NOT_FOUND, "not_found").await;
    }
    problem(
        app.client
            .delete(app.url("/api/v1/auth/signup"))
            .send()
            .await
            .unwrap(),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    for path in ["/account", "/"] {
        let response = app.client.post(app.url(path)).send().await.unwrap();
        assert_eq!(header(&response, "allow"), "GET, HEAD, OPTIONS");
        let options = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(options.status(), StatusCode::NO_CONTENT);
        assert_eq!(header(&options, "allow"), "GET, HEAD, OPTIONS");
        problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
    // The API itself is unchanged.
    let health = get(&app, "/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    assert!(header(&health, "content-type").starts_with("application/json"));
    app.new_user().await;
}

/// Sends a request line exactly as written (clients would normalise the
/// dots away) and returns the status and body.
async fn raw_get(app: &TestApp, target: &str) -> (u16, String) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    (status, answer)
}

#[tokio::test]
async fn paths_cannot_leave_web_dir() {
    let built = built_app();
    let app = spawn_app_with_web(&built.dist).await;
    // The raw client reaches the file that is there...
    let (status, answer) = raw_get(&app, "/style-abc.css").await;
    assert_eq!(status, 200, "{answer}");
    // ...and none of the ways out.
    for target in [
        "/../secret.txt",
        "/../../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/assets/..%2fsecret.txt",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/%2e%2e%5csecret.txt",
        "/.hidden",
        "/%2ehidden",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
    ] {
        let (status, answer) = raw_get(&app, target).await;
        assert!(!answer.contains(SECRET), "{target} leaked: {answer}");
        assert!(!answer.contains("root:"), "{target} leaked: {answer}");
        assert!(
            (400..500).contains(&status) || answer.contains("<title>Strongroom</title>"),
            "{target}: {answer}"
        );
    }
    for target in ["/../secret.txt", "/%2e%2e/secret.txt", "/.hidden"] {
        let (status, _) = raw_get(&app, target).await;
        assert_eq!(status, 404, "{target}");
    }
}

#[tokio::test]
async fn without_a_built_app_the_api_runs_alone_and_root_says_so() {
    let app = spawn_app_with(|config| {
        config.web_dir = PathBuf::from("/nonexistent/strongroom/web/dist");
    })
    .await;
    for path in ["/", "/index.html"] {
        let refused = problem(
            get(&app, path).await,
            StatusCode::NOT_FOUND,
            "app_not_built",
        )
        .await;
        assert!(refused.detail.unwrap().contains("not built"));
    }
    problem(
        get(&app, "/account").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        get(&app, "/api/v1/nope").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(get(&app, "/healthz").await.status(), StatusCode::OK);
    let user = app.new_user().await;
    assert_eq!(
        app.get_auth("/api/v1/me", &user.tokens.access_token)
            .await
            .status(),
        StatusCode::OK
    );
    let response = get(&app, "/").await;
    assert_eq!(assert_security_headers(&response), policy_with(""));
}

/// Asserts the headers every answer must carry; returns its policy.
fn assert_security_headers(response: &Response) -> String {
    assert_eq!(header(response, "x-content-type-options"), "nosniff");
    assert_eq!(header(response, "referrer-policy"), "no-referrer");
    assert_eq!(header(response, "x-frame-options"), "DENY");
    assert_eq!(
        header(response, "cross-origin-opener-policy"),
        "same-origin"
    );
    let policy = header(response, "content-security-policy").to_owned();
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(
        response
            .headers()
            .get_all("content-security-policy")
            .iter()
            .count(),
        1
    );
    policy
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let built = built_app();
    let app = spawn_app_with_web(&built.dist).await;
    let policy = expected_policy(LOADER);
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app
        .upload(token, "root", "notes.html", b"<script>x</script>".to_vec())
        .await;

    let answers = [
        ("API JSON", app.get_auth("/api/v1/me", token).await),
        ("health", get(&app, "/healthz").await),
        ("problem 404", get(&app, "/api/v1/nope").await),
        ("problem 401", get(&app, "/api/v1/me").await),
        (
            "problem 405",
            app.client.post(app.url("/healthz")).send().await.unwrap(),
        ),
        ("static file", get(&app, "/app-abc123.js").await),
        ("wasm", get(&app, "/app-abc123_bg.wasm").await),
        ("index", get(&app, "/").await),
        ("index fallback", get(&app, "/files/abc").await),
        ("openapi", get(&app, "/api/v1/openapi.json").await),
        (
            "refused JSON",
            app.post_raw("/api/v1/auth/login", "application/json", "{")
                .await,
        ),
    ];
    for (what, response) in &answers {
        assert_eq!(assert_security_headers(response), policy, "{what}");
    }
    // The API docs have a policy of their own (see the test below).
    let docs = strongroom_api::middleware::security_headers::docs_policy();
    for path in [
        "/api/docs/",
        "/api/docs/swagger-initializer.js",
        "/api/docs/nope",
    ] {
        let response = get(&app, path).await;
        assert_eq!(
            assert_security_headers(&response),
            docs.to_str().unwrap(),
            "{path}"
        );
    }

    // A download keeps its own, stricter policy.
    let download = app
        .get_auth(&format!("/api/v1/files/{}/content", file.id), token)
        .await;
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(
        assert_security_headers(&download),
        "sandbox; default-src 'none'"
    );
}

#[tokio::test]
async fn the_policy_hashes_exactly_the_inline_loader() {
    let built = built_app();
    let app = spawn_app_with_web(&built.dist).await;
    let response = get(&app, "/").await;
    let policy = assert_security_headers(&response);
    assert_eq!(policy, expected_policy(LOADER));
    // The hash is of the bytes between `>` and `</script>` of the page served.
    let body = response.text().await.unwrap();
    let start = body.find("<script type=\"module\">").unwrap() + "<script type=\"module\">".len();
    let end = body[start..].find("</script>").unwrap() + start;
    let hash = data_encoding::BASE64.encode(&Sha256::digest(&body.as_bytes()[start..end]));
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");

    // Rebuilt while running: the page and its policy change together.
    let loader = "\nimport init from '/app-def456.js';\nawait init();\n";
    std::fs::write(built.dist.join("index.html"), index_html(loader)).unwrap();
    let response = get(&app, "/account").await;
    assert_eq!(assert_security_headers(&response), expected_policy(loader));
    assert!(response.text().await.unwrap().contains("app-def456"));
}

#[tokio::test]
async fn the_api_docs_need_no_inline_script_and_one_hashed_style() {
    let app = spawn_app().await;
    let response = get(&app, "/api/docs/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let policy = assert_security_headers(&response);
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger-initializer.js"), "{page}");
    // Nothing inline in the page itself...
    let inline =
        strongroom_api::middleware::security_headers::InlineHashes::of_html(page.as_bytes());
    assert!(inline.scripts.is_empty(), "{page}");
    assert!(inline.styles.is_empty(), "{page}");
    assert!(!page.contains(" style="), "{page}");
    assert!(!page.contains("onload="), "no inline handlers: {page}");
    // ...and the one style Swagger UI renders is the one the policy allows.
    let logo = strongroom_api::middleware::security_headers::SWAGGER_LOGO_STYLE;
    let hash = data_encoding::BASE64.encode(&Sha256::digest(logo.as_bytes()));
    assert!(
        policy.contains(&format!("style-src 'self' 'sha256-{hash}';")),
        "{policy}"
    );
    let preset = get(&app, "/api/docs/swagger-ui-standalone-preset.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preset.contains(&format!("createElement(\"style\",null,\"{logo}\")")),
        "Swagger UI's inline logo style changed: update SWAGGER_LOGO_STYLE"
    );
}

#[test]
fn the_test_app_is_what_trunk_writes() {
    // Guard for the fixture itself: one inline module script, the rest external.
    let built = built_app();
    let inline =
        strongroom_api::middleware::security_headers::InlineHashes::of_html(built.index.as_bytes());
    assert_eq!(inline.scripts.len(), 1);
    assert!(built.dist.join("app-abc123_bg.wasm").is_file());
}
