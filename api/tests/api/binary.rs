//! The `strongroom` binary itself: zero-configuration start and refusal of bad config.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn strongroom(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_strongroom"));
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    command
}

/// A bad value stops start-up with a message naming the key.
#[test]
fn bad_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("STRONGROOM_BIND", "not-an-address", "bind"),
        ("STRONGROOM_KDF__MEMORY_KIB", "1024", "kdf.memory_kib"),
        (
            "STRONGROOM_ACCESS_TOKEN_TTL_SECS",
            "forever",
            "access_token_ttl_secs",
        ),
        ("STRONGROOM_COLOUR", "blue", "colour"),
        (
            "STRONGROOM_CONFIG",
            "/nonexistent/strongroom.toml",
            "STRONGROOM_CONFIG",
        ),
    ];
    for (key, value, named) in cases {
        let output = strongroom(dir.path()).env(key, value).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{key}: {stderr}");
        assert!(stderr.contains(named), "{key}: {stderr}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created when config is bad"
    );
}

/// With no configuration at all (but a free port) it starts, makes its data folder
/// and a 0600 token secret, and answers.
#[test]
fn starts_with_zero_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = strongroom(dir.path())
        .env("STRONGROOM_BIND", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut port = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(rest) = line.split("listening on http://127.0.0.1:").nth(1) {
            port = rest.split_whitespace().next().map(str::to_owned);
            break;
        }
        assert!(Instant::now() < deadline, "no listening line");
    }
    let port = port.expect("the server says where it listens");
    let answer = http_get(&format!("http://127.0.0.1:{port}/healthz"));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(answer.contains("ok"), "{answer}");
    let secret = dir.path().join("data/token_secret");
    assert_eq!(
        std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Only the server's own user reads what it keeps.
    let mode = |path: &str| {
        std::fs::metadata(dir.path().join(path))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("data"), 0o700);
    assert_eq!(mode("data/strongroom.db"), 0o600);
}

/// A tiny HTTP/1.0 GET so this synchronous test needs no runtime.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(stream, "GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}
