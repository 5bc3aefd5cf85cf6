//! `strongroom config check` end to end: the real binary, given a
//! strongroom.toml through STRONGROOM_CONFIG (as the systemd unit does) and
//! nothing else of this process's environment. A good configuration passes
//! with its stores opened; each broken one fails with exit 1 and names its
//! key; warnings pass, and fail with `--strict`. Nothing is created.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use strongroom_api::auth::TokenSecret;
use tempfile::TempDir;

/// A folder holding strongroom.toml and the data folder it names.
struct Setup {
    dir: TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// strongroom.toml: loopback on a free port, the data folder here, a
    /// browser app folder with an index.html, then `extra`.
    fn toml(&self, extra: &str) -> &Self {
        let web = self.dir.path().join("web");
        std::fs::create_dir_all(&web).unwrap();
        std::fs::write(web.join("index.html"), "<!doctype html>").unwrap();
        let text = format!(
            "bind = \"127.0.0.1:{}\"\ndata_dir = {:?}\nweb_dir = {:?}\n{extra}\n",
            free_port(),
            self.data().display().to_string(),
            web.display().to_string(),
        );
        std::fs::write(self.dir.path().join("strongroom.toml"), text).unwrap();
        self
    }

    /// The stores and token secret as the server leaves them after its first start.
    async fn first_start(&self) {
        let config = common::server::test_config(&self.data());
        std::fs::create_dir_all(&config.data_dir).unwrap();
        std::fs::set_permissions(&config.data_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let secret = TokenSecret::load_or_create(&config.token_secret_path()).unwrap();
        let stores = strongroom_api::store::open(&config, &secret.profile_keys())
            .await
            .unwrap();
        stores.ping().await.unwrap();
    }

    fn check(&self, args: &[&str]) -> Output {
        self.check_with(args, &[])
    }

    fn check_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_strongroom"))
            .args(["config", "check"])
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("STRONGROOM_CONFIG", self.dir.path().join("strongroom.toml"))
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs with `--json`, asserts the exit code, returns the report.
    fn report(&self, code: i32) -> Value {
        let output = self.check(&["--json"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(code), "{stderr}");
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Asserts that the check fails naming `key`, on stderr and in the JSON.
    fn fails_naming(&self, key: &str) -> String {
        let output = self.check(&[]);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(1), "{key}: {stderr}");
        assert!(stderr.contains(&format!("`{key}`")), "{key}: {stderr}");
        let report = self.report(1);
        assert_eq!(report["ok"], false);
        let message = report["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("`{key}`")), "{key}: {message}");
        stderr
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn keys(findings: &Value) -> Vec<&str> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect()
}

fn files_under(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        }
        found.push(path);
    }
    found
}

#[tokio::test]
async fn a_good_configuration_passes_with_its_stores_opened() {
    let setup = Setup::new();
    setup
        .toml("signup = \"invite\"\ntrash_retention_days = 7\nversions_kept = 3")
        .first_start()
        .await;
    let output = setup.check(&[]);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for text in [
        "http://127.0.0.1:",
        "tls ",
        "fs at ",
        "sqlite at ",
        "strongroom.db",
        "invite (",
        "7 days",
        "OK: no errors, no warnings.",
    ] {
        assert!(stdout.contains(text), "{text}: {stdout}");
    }
    let report = setup.report(0);
    assert_eq!(report["ok"], true);
    assert_eq!(report["error"], Value::Null);
    assert_eq!(report["warnings"], serde_json::json!([]));
    // Everything is there: nothing left for the first start.
    assert_eq!(report["notes"], serde_json::json!([]));
    assert_eq!(report["serves"]["versions_kept"], "3");
    assert_eq!(report["serves"]["tls"], "off");
}

#[tokio::test]
async fn a_fresh_configuration_passes_and_creates_nothing() {
    let setup = Setup::new();
    setup.toml("signup = \"closed\"");
    let before = files_under(setup.dir.path());
    let report = setup.report(0);
    assert_eq!(files_under(setup.dir.path()), before);
    assert!(!setup.data().exists());
    // The data folder and token secret are made at first start: notes, not warnings.
    assert_eq!(keys(&report["notes"]), ["data_dir", "token_secret_file"]);
    assert_eq!(report["warnings"], serde_json::json!([]));
}

#[tokio::test]
async fn warnings_pass_unless_strict() {
    let setup = Setup::new();
    // Plain HTTP beyond loopback, open sign-up, a cookie without Secure, an
    // open data folder, and no browser app.
    setup.toml("secure_cookies = false");
    setup.first_start().await;
    std::fs::set_permissions(setup.data(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let public = format!("0.0.0.0:{}", free_port());
    let env = [
        ("STRONGROOM_BIND", public.as_str()),
        ("STRONGROOM_WEB_DIR", "no-app-here"),
    ];

    let output = setup.check_with(&["--json"], &env);
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        keys(&report["warnings"]),
        ["bind", "secure_cookies", "signup", "web_dir", "data_dir"]
    );
    let bind = report["warnings"][0]["message"].as_str().unwrap();
    assert!(
        bind.contains("plain HTTP") && bind.contains(&public),
        "{bind}"
    );
    assert!(
        report["warnings"][4]["message"]
            .as_str()
            .unwrap()
            .contains("chmod 700")
    );

    let strict = setup.check_with(&["--strict"], &env);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("5 warning(s)"), "{stderr}");

    // Behind a trusted proxy, plain HTTP is a note.
    let proxied = [
        ("STRONGROOM_BIND", public.as_str()),
        ("STRONGROOM_TRUSTED_PROXIES", "[\"10.0.0.1/32\"]"),
        ("STRONGROOM_SIGNUP", "invite"),
        ("STRONGROOM_WEB_DIR", "no-app-here"),
    ];
    let output = setup.check_with(&["--json"], &proxied);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!keys(&report["warnings"]).contains(&"bind"), "{report}");
    assert!(keys(&report["notes"]).contains(&"bind"), "{report}");
}

#[tokio::test]
async fn broken_configurations_name_their_key() {
    for (toml, key) in [
        ("bind = \"not an address\"", "bind"),
        ("[kdf]\nmemory_kib = 1024", "kdf.memory_kib"),
        ("[storage]\nblob = \"gcs\"", "storage.blob"),
        (
            "[storage]\nblob = \"s3\"\n[storage.s3]\nbucket = \"\"",
            "storage.s3.bucket",
        ),
        ("colour = \"blue\"", "colour"),
    ] {
        let setup = Setup::new();
        // Appended after `bind`: a second `bind` is the error itself.
        let path = setup.dir.path().join("strongroom.toml");
        setup.toml("");
        let mut text = std::fs::read_to_string(&path).unwrap();
        if key == "bind" {
            text = text
                .lines()
                .filter(|line| !line.starts_with("bind"))
                .collect::<Vec<_>>()
                .join("\n");
        }
        std::fs::write(&path, format!("{text}\n{toml}\n")).unwrap();
        setup.fails_naming(key);
    }
}

/// TLS files are loaded as the server loads them: a good pair is served as
/// https (and plain HTTP beyond loopback is no longer a warning); a missing,
/// broken or mismatched file fails naming its key.
#[tokio::test]
async fn tls_files_are_loaded_as_the_server_would() {
    let pair = |dir: &Path, name: &str| {
        let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = dir.join(format!("{name}.crt"));
        let key = dir.join(format!("{name}.key"));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
        (cert, key)
    };
    let tls = |cert: &Path, key: &Path| {
        format!(
            "[tls]\ncert_file = {:?}\nkey_file = {:?}",
            cert.display().to_string(),
            key.display().to_string()
        )
    };

    let setup = Setup::new();
    let (cert, key) = pair(setup.dir.path(), "a");
    setup.toml(&format!("signup = \"invite\"\n{}", tls(&cert, &key)));
    setup.first_start().await;
    let public = format!("0.0.0.0:{}", free_port());
    let output = setup.check_with(&["--json"], &[("STRONGROOM_BIND", public.as_str())]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        report["serves"]["tls"]
            .as_str()
            .unwrap()
            .starts_with("on ("),
        "{report}"
    );
    assert!(
        report["serves"]["bind"]
            .as_str()
            .unwrap()
            .contains("https://"),
        "{report}"
    );
    assert!(!keys(&report["warnings"]).contains(&"bind"), "{report}");

    // The key of another certificate.
    let (_, other_key) = pair(setup.dir.path(), "b");
    setup.toml(&format!("signup = \"invite\"\n{}", tls(&cert, &other_key)));
    setup.fails_naming("tls.key_file");
    // No certificate in the file.
    std::fs::write(setup.dir.path().join("empty.crt"), "not a certificate\n").unwrap();
    setup.toml(&tls(&setup.dir.path().join("empty.crt"), &key));
    setup.fails_naming("tls.cert_file");
    // A file that is not there.
    setup.toml(&tls(&cert, &setup.dir.path().join("gone.key")));
    setup.fails_naming("tls.key_file");
    // One without the other is a configuration error naming the missing one.
    setup.toml(&format!(
        "[tls]\ncert_file = {:?}",
        cert.display().to_string()
    ));
    setup.fails_naming("tls.key_file");
}

#[tokio::test]
async fn an_address_the_server_cannot_listen_on_names_bind() {
    let setup = Setup::new();
    setup.toml("");
    // TEST-NET-1: an address of no interface here.
    let said = setup
        .check_with(&[], &[("STRONGROOM_BIND", "192.0.2.1:8080")])
        .stderr;
    let said = String::from_utf8(said).unwrap();
    assert!(
        said.contains("`bind`") && said.contains("192.0.2.1:8080"),
        "{said}"
    );
}

#[tokio::test]
async fn a_token_secret_others_can_read_or_that_is_gone_names_its_key() {
    let setup = Setup::new();
    setup.toml("").first_start().await;
    let secret = setup.data().join("token_secret");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let said = setup.fails_naming("token_secret_file");
    assert!(said.contains("chmod 600"), "{said}");

    std::fs::write(&secret, "not a secret\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let said = setup.fails_naming("token_secret_file");
    assert!(said.contains("32 bytes"), "{said}");

    // The database is there, its secret is not: the server would make a new
    // one and then refuse the database.
    std::fs::remove_file(&secret).unwrap();
    let said = setup.fails_naming("token_secret_file");
    assert!(said.contains("strongroom.db"), "{said}");
    assert!(!secret.exists());

    // Another secret than the database was sealed under.
    TokenSecret::load_or_create(&secret).unwrap();
    let said = setup.fails_naming("token_secret_file");
    assert!(said.contains("another token secret"), "{said}");
}

/// On S3 + DynamoDB at the local endpoint the test command starts (fails
/// without it): a missing bucket and table are named, and created by nobody;
/// with auto_create they are notes; existing ones are opened.
#[tokio::test(flavor = "multi_thread")]
async fn aws_stores_are_opened_and_missing_ones_named() {
    let endpoint = common::aws::endpoint();
    let setup = Setup::new();
    let mut config = common::server::test_config(&setup.data());
    common::aws::use_aws_pair(&mut config, endpoint.clone(), "check");
    let (bucket, table) = (
        config.storage.s3.bucket.clone(),
        config.storage.dynamodb.table.clone(),
    );
    setup.toml(&format!(
        "signup = \"invite\"\n[storage]\nblob = \"s3\"\nmeta = \"dynamodb\"\n\
         [storage.aws]\nendpoint_url = {endpoint:?}\nregion = \"us-east-1\"\n\
         [storage.s3]\nbucket = {bucket:?}\nforce_path_style = true\n\
         [storage.dynamodb]\ntable = {table:?}"
    ));
    std::fs::create_dir_all(setup.data()).unwrap();
    std::fs::set_permissions(setup.data(), std::fs::Permissions::from_mode(0o700)).unwrap();
    TokenSecret::load_or_create(&config.token_secret_path()).unwrap();
    let creds = [
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let run = |extra: &[(&'static str, &'static str)]| {
        let env: Vec<_> = creds.iter().chain(extra).copied().collect();
        setup.check_with(&["--json"], &env)
    };

    let output = run(&[]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["error"]["key"], "storage.s3.bucket");
    let message = report["error"]["message"].as_str().unwrap();
    assert!(message.contains(&bucket), "{message}");

    let output = run(&[("STRONGROOM_STORAGE__AUTO_CREATE", "true")]);
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let notes = report["notes"].to_string();
    assert!(notes.contains(&bucket) && notes.contains(&table), "{notes}");
    let sdk = common::aws::sdk_config(&endpoint).await;
    let tables = aws_sdk_dynamodb::Client::new(&sdk)
        .list_tables()
        .send()
        .await
        .unwrap();
    assert!(!tables.table_names().contains(&table));

    // The server's first start creates them; then both are opened.
    let stores = strongroom_api::store::open(
        &config,
        &TokenSecret::load_existing(&config.token_secret_path())
            .unwrap()
            .profile_keys(),
    )
    .await
    .unwrap();
    stores.ping().await.unwrap();
    let output = run(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["notes"], serde_json::json!([]));
    assert!(
        report["serves"]["storage.blob"]
            .as_str()
            .unwrap()
            .contains(&bucket)
    );
}
