//! TLS on the server's own port (`tls.*`), through the real server: curl and
//! a rustls client trusting the test's CA get through, with HSTS on every
//! answer; plain HTTP to the port is dropped without harm; the session cookie
//! is `Secure`; a renewed certificate is served without a restart, after a
//! file change or a SIGHUP, and a broken renewal keeps the old one; files
//! that cannot be served stop start-up with a message naming the key.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use strongroom_api::app::Application;
use strongroom_api::config::Config;
use strongroom_shared::LoginRequest;
use tempfile::TempDir;

use crate::common::server;
use crate::helpers::{PASSWORD, TestApp, unique_email};
use crate::pki::{ServerCert, TestCa, peer_certificate};

/// A server speaking TLS with `first`'s certificate, its files in `pki`.
struct TlsApp {
    app: TestApp,
    ca: TestCa,
    pki: TempDir,
    port: u16,
}

fn tls_config(pki: &Path, first: &ServerCert, data_dir: &Path) -> Config {
    let (cert, key) = first.write(pki);
    let mut config = server::test_config(data_dir);
    config.tls.cert_file = Some(cert);
    config.tls.key_file = Some(key);
    config
}

/// TLS tests need the embedded pair only: what they test is the listener.
async fn spawn_tls(ca: TestCa, first: &ServerCert, change: impl FnOnce(&mut Config)) -> TlsApp {
    let pki = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let mut config = tls_config(pki.path(), first, data_dir.path());
    change(&mut config);
    let port = server::start_port(config.clone()).await;
    TlsApp {
        app: TestApp {
            address: format!("https://127.0.0.1:{port}"),
            client: ca.client(),
            data_dir,
            config,
        },
        ca,
        pki,
        port,
    }
}

impl TlsApp {
    /// The certificate a new connection is served.
    async fn served_certificate(&self) -> Vec<u8> {
        let response = self
            .ca
            .client()
            .get(self.app.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        peer_certificate(&response)
    }

    /// Waits (up to 20 s) for new connections to be served `cert`.
    async fn wait_for_certificate(&self, cert: &ServerCert) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.served_certificate().await == cert.cert.as_ref() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the renewed certificate was not served within 20 s"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

/// Runs curl off the runtime: the server answers on this test's runtime.
async fn curl<const N: usize>(args: [&str; N]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["--max-time", "30"])
            .args(args)
            .output()
            .expect("curl runs")
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn tls_answers_curl_and_rustls_with_hsts_on_every_answer() {
    let ca = TestCa::new();
    let first = ca.server_cert(1);
    let tls = spawn_tls(ca, &first, |_| {}).await;

    // curl, a real client, trusting the test's CA only.
    let ca_file = tls.ca.write(tls.pki.path());
    let url = tls.app.url("/healthz");
    let out = curl([
        "-sS",
        "--fail",
        "-D",
        "-",
        "--cacert",
        ca_file.to_str().unwrap(),
        &url,
    ])
    .await;
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("strict-transport-security: max-age=31536000"),
        "{text}"
    );
    assert!(text.contains("\"status\":\"ok\""), "{text}");

    // Without the CA, curl refuses the certificate: it is the test's own.
    let untrusted = curl(["-sS", "-o", "/dev/null", &url]).await;
    assert!(!untrusted.status.success());

    // rustls, and every answer carries HSTS: success, 404, 401, the app.
    for (path, status) in [
        ("/healthz", StatusCode::OK),
        ("/api/v1/nothing-here", StatusCode::NOT_FOUND),
        ("/api/v1/me", StatusCode::UNAUTHORIZED),
    ] {
        let response = tls.app.client.get(tls.app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
        assert_eq!(peer_certificate(&response), first.cert.as_ref());
    }

    // TLS 1.2 is still accepted (1.0 and 1.1 rustls does not speak at all).
    let tls12 = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])
    .unwrap()
    .with_root_certificates({
        let mut roots = rustls::RootCertStore::empty();
        roots.add(tls.ca.cert.clone()).unwrap();
        roots
    })
    .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls12)
        .build()
        .unwrap();
    let response = client.get(tls.app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn tls_port_drops_plain_http_and_keeps_serving() {
    let ca = TestCa::new();
    let first = ca.server_cert(1);
    let tls = spawn_tls(ca, &first, |_| {}).await;
    let port = tls.port;

    // A raw plain-HTTP request: the connection is closed (within the
    // handshake timeout at most) and no HTTP answer comes back.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut answer = Vec::new();
        match stream.read_to_end(&mut answer) {
            Ok(_) => answer,
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => answer,
            Err(err) => panic!("the connection was not closed: {err}"),
        }
    })
    .await
    .unwrap();
    assert!(
        !answer.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // An HTTP client sees an error, not a hang and not an answer.
    let plain = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap();
    let err = plain
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .expect_err("plain HTTP to the TLS port fails");
    assert!(!err.is_timeout(), "{err}");

    // The server is still up for TLS.
    assert_eq!(tls.served_certificate().await, first.cert.as_ref());
}

#[tokio::test]
async fn tls_makes_the_session_cookie_secure() {
    let ca = TestCa::new();
    let first = ca.server_cert(1);
    let tls = spawn_tls(ca, &first, |_| {}).await;
    // Loopback, where without TLS the cookie would not be `Secure`.
    assert!(tls.app.config.bind.ip().is_loopback());
    let email = unique_email();
    assert_eq!(
        tls.app.signup_raw(&email, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let response = tls
        .app
        .post_json(
            "/api/v1/auth/login",
            &LoginRequest {
                email,
                password: PASSWORD.to_owned(),
                session_cookie: true,
            },
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("strongroom_session="))
        .expect("log in sets the session cookie")
        .to_owned();
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).skip(1).collect();
    assert!(
        attributes.iter().any(|a| a.eq_ignore_ascii_case("Secure")),
        "{cookie}"
    );
    assert!(
        attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case("HttpOnly")),
        "{cookie}"
    );
}

#[tokio::test]
async fn tls_renewed_files_are_served_without_a_restart() {
    let ca = TestCa::new();
    let first = ca.server_cert(1);
    let tls = spawn_tls(ca, &first, |config| config.tls.reload_check_secs = 1).await;
    assert_eq!(tls.served_certificate().await, first.cert.as_ref());

    // A renewal gone wrong (a key that does not belong to the certificate,
    // then a truncated certificate): the old certificate stays in use.
    let broken = tls.ca.server_cert(2);
    std::fs::write(tls.pki.path().join("key.pem"), &broken.key_pem).unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(tls.served_certificate().await, first.cert.as_ref());
    std::fs::write(
        tls.pki.path().join("cert.pem"),
        &broken.cert_pem[..broken.cert_pem.len() / 2],
    )
    .unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(tls.served_certificate().await, first.cert.as_ref());

    // A good renewal (new key, new serial) is picked up from the files.
    let second = tls.ca.server_cert(3);
    assert_ne!(second.cert, first.cert);
    second.write(tls.pki.path());
    tls.wait_for_certificate(&second).await;
    // And the server still does its work over the new certificate.
    let user = tls.app.new_user().await;
    let node = tls
        .app
        .upload(
            &user.tokens.access_token,
            "root",
            "after.txt",
            b"renewed".to_vec(),
        )
        .await;
    assert_eq!(
        tls.app.content(&user.tokens.access_token, node.id).await,
        b"renewed"
    );
}

#[tokio::test]
async fn tls_sighup_reloads_the_certificate() {
    let ca = TestCa::new();
    let first = ca.server_cert(1);
    // The files are looked at hourly: only the signal can reload them here.
    let tls = spawn_tls(ca, &first, |config| config.tls.reload_check_secs = 3600).await;
    let second = tls.ca.server_cert(2);
    second.write(tls.pki.path());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(tls.served_certificate().await, first.cert.as_ref());

    // The server runs in this process, so the signal goes to it; its
    // handler is installed before `Application::build` returns (other
    // servers in this process reload too, harmlessly).
    let sent = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    tls.wait_for_certificate(&second).await;
}

#[tokio::test]
async fn tls_files_that_cannot_be_served_stop_start_up_naming_the_key() {
    let ca = TestCa::new();
    let good = ca.server_cert(1);
    let other = ca.server_cert(2);
    let pki = tempfile::tempdir().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    let config = tls_config(pki.path(), &good, data_dir.path());
    let garbage = pki.path().join("garbage.pem");
    std::fs::write(&garbage, "not a PEM file at all\n").unwrap();
    let other_key = pki.path().join("other-key.pem");
    std::fs::write(&other_key, &other.key_pem).unwrap();

    let nope = data_dir.path().join("nope.pem");
    // (case, replaced certificate file, replaced key file, key named)
    let cases = [
        ("missing certificate", Some(&nope), None, "tls.cert_file"),
        ("missing key", None, Some(&nope), "tls.key_file"),
        (
            "certificate file without a certificate",
            Some(&garbage),
            None,
            "tls.cert_file",
        ),
        (
            "key file without a key",
            None,
            Some(&garbage),
            "tls.key_file",
        ),
        (
            "key of another certificate",
            None,
            Some(&other_key),
            "tls.key_file",
        ),
    ];
    for (case, cert_file, key_file, key) in cases {
        let mut config = config.clone();
        if let Some(path) = cert_file {
            config.tls.cert_file = Some(path.clone());
        }
        if let Some(path) = key_file {
            config.tls.key_file = Some(path.clone());
        }
        let err = match Application::build(config).await {
            Ok(_) => panic!("{case}: the server started"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(key), "{case}: {err}");
        // Never a byte of a key in the message.
        assert!(!err.contains("PRIVATE KEY"), "{case}: {err}");
    }
}
