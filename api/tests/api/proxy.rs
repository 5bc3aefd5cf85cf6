//! nginx as a TLS-terminating reverse proxy in front of the real server (the
//! README's recipe, written by `nginx_config`): sign-up, log-in, an upload, a
//! ranged download and WebDAV through it, and the client's address reaching
//! the rate limiter through `X-Forwarded-For` with `trusted_proxies`. A
//! missing nginx fails the test.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use strongroom_shared::{AppPassword, CreateAppPasswordRequest, Problem};

use crate::common::server;
use crate::helpers::{PASSWORD, TestApp, json, pattern, unique_email};
use crate::pki::TestCa;

const NGINX: &str = "/usr/sbin/nginx";

/// The proxy part of the README's nginx recipe, for a server on
/// `upstream` (the README's has the public name and certbot's paths).
pub fn nginx_server_block(listen: SocketAddr, upstream: u16, cert: &Path, key: &Path) -> String {
    format!(
        r#"    server {{
        listen {listen} ssl http2;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        add_header Strict-Transport-Security "max-age=31536000" always;

        # 10 GiB uploads stream through: no size limit here (the server
        # has max_upload_bytes), nothing buffered to disk, long timeouts.
        client_max_body_size 0;
        proxy_request_buffering off;
        proxy_buffering off;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;

        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
"#,
        cert = cert.display(),
        key = key.display(),
    )
}

/// nginx running in the foreground as this test's child, with every path
/// under `dir`; killed when dropped.
pub struct Nginx {
    child: Child,
    pub port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Nginx {
    pub fn start(dir: &Path, upstream: u16, cert: &Path, key: &Path) -> Self {
        assert!(
            Path::new(NGINX).is_file(),
            "{NGINX} is missing: `apt-get install nginx-light` (scripts/test does)"
        );
        // A free port, given back for nginx to take (a race with other
        // listeners that a retry of the test would lose only by bad luck).
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = SocketAddr::from(([127, 0, 0, 1], port));
        // Every temporary path this nginx was built with, under `dir`, so
        // it needs nothing outside it (and no root).
        let built = Command::new(NGINX).arg("-V").output().unwrap();
        let built = String::from_utf8_lossy(&built.stderr).into_owned();
        let temp_paths: String = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
            .iter()
            .filter(|kind| {
                let flag = match **kind {
                    "client_body" => "--http-client-body-temp-path".to_owned(),
                    other => format!("--http-{other}-temp-path"),
                };
                built.contains(&flag)
            })
            .map(|kind| format!("    {kind}_temp_path {};\n", dir.join(kind).display()))
            .collect();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {pid};\n\
             error_log {log} warn;\nevents {{ worker_connections 256; }}\n\
             http {{\n    access_log off;\n{temp_paths}{server}}}\n",
            pid = dir.join("nginx.pid").display(),
            log = dir.join("error.log").display(),
            server = nginx_server_block(listen, upstream, cert, key),
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Self { child, port };
        nginx.wait_until_listening(dir);
        nginx
    }

    fn wait_until_listening(&mut self, dir: &Path) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "nginx exited ({status}): {}",
                    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "nginx did not listen within 15 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

struct Proxied {
    app: TestApp,
    ca: TestCa,
    _nginx: Nginx,
    _dir: tempfile::TempDir,
}

/// The server on plain HTTP behind nginx, which alone it trusts for
/// `X-Forwarded-For`; log-ins limited to `login_per_minute` per address.
async fn spawn_behind_nginx(login_per_minute: u32) -> Proxied {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new();
    let (cert, key) = ca.server_cert(1).write(dir.path());
    let mut config = server::test_config(data_dir.path());
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    config.limits.login_per_minute = login_per_minute;
    let upstream = server::start_port(config.clone()).await;
    let nginx = Nginx::start(dir.path(), upstream, &cert, &key);
    Proxied {
        app: TestApp {
            address: format!("https://127.0.0.1:{}", nginx.port),
            client: ca.client(),
            data_dir,
            config,
        },
        ca,
        _nginx: nginx,
        _dir: dir,
    }
}

impl Proxied {
    /// A client whose connections to nginx come from `source` (any
    /// 127.0.0.0/8 address is this machine's on Linux).
    fn client_from(&self, source: &str) -> reqwest::Client {
        self.ca
            .client_builder()
            .local_address(source.parse::<IpAddr>().unwrap())
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn proxy_nginx_carries_log_in_upload_ranges_and_webdav() {
    let proxied = spawn_behind_nginx(1_000).await;
    let app = &proxied.app;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;

    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );

    // An upload streamed through (several of the server's chunks), and a
    // ranged download of bytes across a chunk boundary.
    let data = pattern(3 * 65_536 + 4321, 5);
    let node = app.upload(token, "root", "through.bin", data.clone()).await;
    let response = app
        .client
        .get(app.url(&format!("/api/v1/files/{}/content", node.id)))
        .bearer_auth(token)
        .header("range", "bytes=65530-131080")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 65530-131080/{}", data.len()).as_str()
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        &data[65_530..=131_080]
    );
    assert_eq!(app.content(token, node.id).await, data);

    // WebDAV methods pass through nginx as they are, Basic sign-in (with an
    // app password) included.
    let created: AppPassword = json(
        app.client
            .post(app.url("/api/v1/me/app-passwords"))
            .bearer_auth(token)
            .json(&CreateAppPasswordRequest {
                name: "webdav".to_owned(),
                read_only: false,
            })
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let dav_password = created.password.unwrap();
    let response = app
        .client
        .request(Method::from_bytes(b"PROPFIND").unwrap(), app.url("/dav/"))
        .basic_auth(&user.email, Some(&dav_password))
        .header("depth", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::MULTI_STATUS);
    let body = response.text().await.unwrap();
    assert!(body.contains("through.bin"), "{body}");
    let response = app
        .client
        .request(Method::from_bytes(b"MKCOL").unwrap(), app.url("/dav/made"))
        .basic_auth(&user.email, Some(&dav_password))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Wrong-password log-ins (an email no one has: no account lock-out in the
/// way) from `client`, with an optional forged `X-Forwarded-For`.
async fn wrong_login(app: &TestApp, client: &reqwest::Client, forged: Option<&str>) -> StatusCode {
    let mut request = client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({
            "email": unique_email(),
            "password": "wrong wrong wrong wrong",
        }));
    if let Some(forged) = forged {
        request = request.header("x-forwarded-for", forged);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let problem: Problem = json(response, status).await;
        assert_eq!(problem.code, "rate_limited");
    }
    status
}

#[tokio::test]
async fn proxy_nginx_passes_the_client_address_to_the_rate_limiter() {
    const BUDGET: u32 = 4;
    let proxied = spawn_behind_nginx(BUDGET).await;
    let app = &proxied.app;
    let two = proxied.client_from("127.0.0.2");
    let three = proxied.client_from("127.0.0.3");

    // 127.0.0.2 spends its budget: 401s, then 429.
    for attempt in 0..BUDGET {
        assert_eq!(
            wrong_login(app, &two, None).await,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    assert_eq!(
        wrong_login(app, &two, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged X-Forwarded-For does not buy 127.0.0.2 a fresh budget:
    // nginx appends the address it saw, and the server takes the right-most
    // one that is not a trusted proxy. Trusted-looking forgeries neither.
    for forged in [
        "203.0.113.9",
        "127.0.0.3",
        "127.0.0.1",
        "203.0.113.9, 127.0.0.1",
    ] {
        assert_eq!(
            wrong_login(app, &two, Some(forged)).await,
            StatusCode::TOO_MANY_REQUESTS,
            "forged {forged}"
        );
    }

    // 127.0.0.3 is another client: its own budget, untouched.
    assert_eq!(
        wrong_login(app, &three, None).await,
        StatusCode::UNAUTHORIZED
    );
    let email = unique_email();
    let response = three
        .post(app.url("/api/v1/auth/signup"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = three
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

/// The recipe as the README prints it, so the two cannot drift: the
/// README's block is this function's output for its example values.
#[test]
fn proxy_readme_recipe_is_the_tested_one() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let block = nginx_server_block(
        "0.0.0.0:443".parse().unwrap(),
        8080,
        Path::new("/etc/letsencrypt/live/vault.example.com/fullchain.pem"),
        Path::new("/etc/letsencrypt/live/vault.example.com/privkey.pem"),
    )
    .replace("localhost", "vault.example.com");
    assert!(
        readme.contains(&block),
        "README's nginx recipe differs from the tested one; it should read:\n{block}"
    );
}
