//! Real WebDAV clients against `/dav/`, signed in as a user would mount it
//! (HTTP Basic: the account's email and an app password): litmus's suites,
//! each alone and without `-k` so that any failed check fails its test, and
//! rclone copying a tree with Unicode names and a 100 MiB file up and back
//! byte-exact, checking, moving, deleting and purging, after which the
//! stores are searched for the names and the content.
//!
//! The tools are Debian's (`scripts/test` installs them); a missing one
//! fails the test, it never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use reqwest::StatusCode;
use strongroom_api::config::BlobBackend;
use strongroom_shared::{AppPassword, CreateAppPasswordRequest};
use tempfile::TempDir;

use crate::helpers::{TestApp, json, pattern, spawn_app, urlencoding};

const LITMUS: &str = "/usr/bin/litmus";
const RCLONE: &str = "/usr/bin/rclone";

/// A user who signs in to `/dav/` with an app password.
struct DavLogin {
    email: String,
    app_password: String,
    /// A session token, to look at the tree through the API.
    session: String,
}

async fn dav_login(app: &TestApp) -> DavLogin {
    let user = app.new_user().await;
    let response = app
        .client
        .post(app.url("/api/v1/me/app-passwords"))
        .bearer_auth(&user.tokens.access_token)
        .json(&CreateAppPasswordRequest {
            name: "dav client".to_owned(),
            read_only: false,
        })
        .send()
        .await
        .unwrap();
    let created: AppPassword = json(response, StatusCode::CREATED).await;
    DavLogin {
        email: user.email,
        app_password: created.password.expect("shown once"),
        session: user.tokens.access_token,
    }
}

/// The tool's path; a missing tool fails the test with how to get it.
fn tool(path: &'static str) -> &'static str {
    assert!(
        Path::new(path).is_file(),
        "{path} is missing: `scripts/test` installs it (apt-get install litmus rclone)"
    );
    path
}

/// Runs a client off the runtime's thread: the server under test answers it
/// from the same runtime.
async fn run(mut command: Command) -> Output {
    let program = format!("{:?}", command.get_program());
    tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap_or_else(|err| panic!("run {program}: {err}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

// ---------------------------------------------------------------- litmus

/// The last `lines` lines of a log the tool wrote (or why there is none).
fn tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let all = text(&bytes);
            let kept: Vec<&str> = all.lines().rev().take(lines).collect();
            kept.into_iter().rev().collect::<Vec<_>>().join("\n")
        }
        Err(err) => format!("({}: {err})", path.display()),
    }
}

/// One litmus suite against a fresh server and user; its warnings are
/// printed (they are not failures, but each is worth a look).
async fn litmus(suite: &str) {
    let app = spawn_app().await;
    let login = dav_login(&app).await;
    // litmus writes debug.log and child.log where it runs.
    let cwd = tempfile::tempdir().unwrap();
    let mut command = Command::new(tool(LITMUS));
    command
        .env("TESTS", suite)
        .arg(app.url("/dav/"))
        .arg(&login.email)
        .arg(&login.app_password)
        .current_dir(cwd.path());
    let output = run(command).await;
    let stdout = text(&output.stdout);
    let warnings: Vec<&str> = stdout.lines().filter(|l| l.contains("WARNING")).collect();
    let summary = stdout
        .lines()
        .find(|l| l.contains("summary for"))
        .unwrap_or("(no summary)");
    // litmus skips the tests whose set-up failed: each is a check not made.
    let skipped = stdout.lines().find(|l| l.contains("skipped"));
    println!("litmus {suite}: {summary}");
    if let Some(skipped) = skipped {
        println!("litmus {suite}: {}", skipped.trim());
    }
    println!("litmus {suite}: {} warning(s)", warnings.len());
    for warning in &warnings {
        println!("litmus {suite}:   {}", warning.trim());
    }
    assert!(
        output.status.success(),
        "litmus {suite} failed ({}):\n{stdout}\n{}\n---- debug.log, last lines ----\n{}",
        output.status,
        text(&output.stderr),
        tail(&cwd.path().join("debug.log"), 120)
    );
    // Success must mean tests ran and none failed, not an empty run.
    assert!(
        summary.contains(" passed, 0 failed") && !summary.contains("of 0 tests"),
        "litmus {suite}: {summary}\n{stdout}"
    );
    assert_eq!(skipped, None, "litmus {suite}:\n{stdout}");
}

#[tokio::test]
async fn litmus_basic() {
    litmus("basic").await;
}

#[tokio::test]
async fn litmus_copymove() {
    litmus("copymove").await;
}

#[tokio::test]
async fn litmus_props() {
    litmus("props").await;
}

#[tokio::test]
async fn litmus_locks() {
    litmus("locks").await;
}

#[tokio::test]
async fn litmus_http() {
    litmus("http").await;
}

// ---------------------------------------------------------------- rclone

/// In every small file's content, and at the start of the big one: what
/// the stores must never show.
const MARKER: &str = "DAVCLIENTS-PLAINTEXT-MARKER-7f3a";
const BIG_LEN: usize = 100 * 1024 * 1024;
const BIG: &str = "big large-quux/large-quux.bin";
/// The folder `rclone move` renames, and its new name.
const MOVED_FROM: &str = "move-me-frobozz";
const MOVED_TO: &str = "moved-frotz \u{2708}";
/// The folder `rclone delete` empties and `rclone purge` removes.
const DELETED: &str = "delete-me-grue";

/// Relative paths of the small files. Names are NFC (the server stores NFC:
/// an NFD name would come back composed): precomposed accents, CJK, emoji,
/// spaces, and folders nested four deep.
const SMALL: &[&str] = &[
    "Zanzibar docs/R\u{e9}sum\u{e9} xyzzy-plover.txt",
    "Zanzibar docs/deep/er/still deeper/plugh \u{1f980}\u{1f419}.md",
    "\u{65e5}\u{672c}\u{8a9e} folder/\u{6771}\u{4eac} memo.txt",
    "\u{65e5}\u{672c}\u{8a9e} folder/empty.txt",
    "move-me-frobozz/a b c.txt",
    "move-me-frobozz/inner/d.txt",
    "delete-me-grue/x.txt",
    "delete-me-grue/sub/y.txt",
];

/// The marker and words of the names above, as the stores must not hold
/// them. Each is at least 6 bytes long: a shorter one would turn up by
/// chance in 100 MiB of ciphertext now and then.
const NEEDLES: &[&str] = &[
    MARKER,
    "Zanzibar",
    "xyzzy-plover",
    "R\u{e9}sum\u{e9}",
    "plugh \u{1f980}\u{1f419}",
    "\u{1f980}\u{1f419}",
    "\u{65e5}\u{672c}\u{8a9e}",
    "\u{6771}\u{4eac} memo",
    "frobozz",
    "moved-frotz",
    "delete-me-grue",
    "large-quux",
    "still deeper",
];

/// The local tree: path → bytes.
fn tree_files() -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for (i, path) in SMALL.iter().enumerate() {
        let content = if path.ends_with("empty.txt") {
            Vec::new()
        } else {
            format!("{MARKER} {path}\n").repeat(i * 40 + 1).into_bytes()
        };
        files.insert((*path).to_owned(), content);
    }
    let mut big = pattern(BIG_LEN, 11);
    big[..MARKER.len()].copy_from_slice(MARKER.as_bytes());
    files.insert(BIG.to_owned(), big);
    files
}

fn write_tree(root: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// Every file under `root`: relative path → bytes.
fn read_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for path in walk(root) {
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        files.insert(relative, std::fs::read(&path).unwrap());
    }
    files
}

/// Every file under `root`, recursively.
fn walk(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// rclone configured by environment alone: the remote `sr:` is the
/// server's `/dav/` as this user.
struct Rclone {
    url: String,
    email: String,
    obscured: String,
    cache: TempDir,
}

impl Rclone {
    async fn new(app: &TestApp, login: &DavLogin) -> Self {
        let mut obscure = Command::new(tool(RCLONE));
        obscure.args(["obscure", &login.app_password]);
        let output = run(obscure).await;
        assert!(output.status.success(), "{}", text(&output.stderr));
        Self {
            url: app.url("/dav/"),
            email: login.email.clone(),
            obscured: text(&output.stdout).trim().to_owned(),
            cache: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `rclone <args>`, asserts it succeeded, returns its stdout.
    async fn run(&self, args: &[&str]) -> String {
        let mut command = Command::new(tool(RCLONE));
        command
            .env("RCLONE_CONFIG", "/dev/null")
            .env("RCLONE_CACHE_DIR", self.cache.path())
            .env("RCLONE_CONFIG_SR_TYPE", "webdav")
            .env("RCLONE_CONFIG_SR_URL", &self.url)
            .env("RCLONE_CONFIG_SR_VENDOR", "other")
            .env("RCLONE_CONFIG_SR_USER", &self.email)
            .env("RCLONE_CONFIG_SR_PASS", &self.obscured)
            // A failure shows at once instead of after three attempts.
            .args(["--retries", "1", "--low-level-retries", "1"])
            .args(args);
        let started = Instant::now();
        let output = run(command).await;
        println!(
            "rclone {}: {:.1} s",
            args.join(" "),
            started.elapsed().as_secs_f64()
        );
        assert!(
            output.status.success(),
            "rclone {args:?} failed ({}):\n{}\n{}",
            output.status,
            text(&output.stdout),
            text(&output.stderr)
        );
        text(&output.stdout)
    }
}

/// Whether `path` (slash-separated names from the root) is there, asked
/// through the API with the user's session.
async fn exists(app: &TestApp, session: &str, path: &str) -> bool {
    let encoded: Vec<String> = path.split('/').map(urlencoding).collect();
    let response = app
        .get_auth(&format!("/api/v1/fs/{}", encoded.join("/")), session)
        .await;
    match response.status() {
        StatusCode::OK => true,
        StatusCode::NOT_FOUND => false,
        other => panic!("GET /api/v1/fs/{path}: {other}"),
    }
}

fn assert_same_tree(expected: &BTreeMap<String, Vec<u8>>, actual: &BTreeMap<String, Vec<u8>>) {
    let names = |tree: &BTreeMap<String, Vec<u8>>| tree.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(actual), names(expected), "the same files");
    for (path, bytes) in expected {
        // Not `assert_eq!`: it would print 100 MiB.
        assert!(
            actual[path] == *bytes,
            "{path} differs after the round trip"
        );
    }
}

#[tokio::test]
async fn rclone_round_trip_move_delete_and_no_plaintext_stored() {
    let started = Instant::now();
    let app = spawn_app().await;
    let login = dav_login(&app).await;
    let rclone = Rclone::new(&app, &login).await;
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("tree");
    let back = work.path().join("back");
    let files = tree_files();
    write_tree(&local, &files);
    let (local_arg, back_arg) = (local.to_str().unwrap(), back.to_str().unwrap());

    // Up, down, and compared byte for byte, here and by rclone.
    rclone.run(&["copy", local_arg, "sr:tree"]).await;
    rclone.run(&["copy", "sr:tree", back_arg]).await;
    assert_same_tree(&files, &read_tree(&back));
    rclone
        .run(&["check", "--download", local_arg, "sr:tree"])
        .await;
    assert!(exists(&app, &login.session, &format!("tree/{BIG}")).await);

    // A folder renamed on the server: gone from its old name, all there
    // under the new one.
    rclone
        .run(&[
            "move",
            &format!("sr:tree/{MOVED_FROM}"),
            &format!("sr:tree/{MOVED_TO}"),
            "--delete-empty-src-dirs",
        ])
        .await;
    assert!(!exists(&app, &login.session, &format!("tree/{MOVED_FROM}")).await);
    let listed = rclone
        .run(&["lsf", "-R", "--files-only", &format!("sr:tree/{MOVED_TO}")])
        .await;
    let mut listed: Vec<&str> = listed.lines().collect();
    listed.sort_unstable();
    assert_eq!(listed, ["a b c.txt", "inner/d.txt"]);
    let moved = rclone
        .run(&["cat", &format!("sr:tree/{MOVED_TO}/inner/d.txt")])
        .await;
    assert_eq!(
        moved.as_bytes(),
        &files[&format!("{MOVED_FROM}/inner/d.txt")][..]
    );

    // A folder emptied file by file (`delete --rmdirs` keeps the folder
    // named), then removed whole (`purge`: one DELETE of the folder).
    let deleted = format!("sr:tree/{DELETED}");
    rclone.run(&["delete", "--rmdirs", &deleted]).await;
    for gone in ["x.txt", "sub/y.txt", "sub"] {
        assert!(!exists(&app, &login.session, &format!("tree/{DELETED}/{gone}")).await);
    }
    assert!(exists(&app, &login.session, &format!("tree/{DELETED}")).await);
    assert_eq!(rclone.run(&["lsf", "-R", &deleted]).await, "");
    rclone.run(&["purge", &deleted]).await;
    assert!(!exists(&app, &login.session, &format!("tree/{DELETED}")).await);
    let left = rclone.run(&["lsf", "-R", "--files-only", "sr:tree"]).await;
    assert!(!left.contains(DELETED), "{left}");
    assert!(left.contains("large-quux.bin"), "{left}");

    assert_no_plaintext_stored(&app, files.values().filter(|f| !f.is_empty()).count()).await;
    println!(
        "rclone test with a {} MiB file: {:.1} s in all",
        BIG_LEN >> 20,
        started.elapsed().as_secs_f64()
    );
}

/// Neither the names nor the content show anywhere the server keeps data:
/// every file of the embedded data folder (database, objects, temporary
/// files) by name and bytes; on the AWS pair every object (key and bytes)
/// and every attribute of every DynamoDB item.
async fn assert_no_plaintext_stored(app: &TestApp, files_with_content: usize) {
    let needles = Needles::new(NEEDLES);
    let meta = app.meta_dump().await;
    assert!(!meta.is_empty());
    needles.assert_absent(&meta, "the metadata store");

    let keys = app.objects().await;
    // Moved and deleted files keep their objects (trash), so every
    // uploaded file still has one.
    assert!(
        keys.len() >= files_with_content,
        "{} objects for {files_with_content} files",
        keys.len()
    );
    for key in &keys {
        needles.assert_absent(key.as_bytes(), "an object key");
        let object = app.object_bytes(key).await;
        assert_eq!(&object[..4], b"SRM1", "{key} is an SRM1 object");
        needles.assert_absent(&object, key);
    }

    if app.config.storage.blob == BlobBackend::Fs {
        let all = walk(app.data_dir.path());
        assert!(all.len() > keys.len(), "the database is there too");
        for path in all {
            let name = path.to_string_lossy().into_owned();
            needles.assert_absent(name.as_bytes(), "a file name in the data folder");
            needles.assert_absent(&std::fs::read(&path).unwrap(), &name);
        }
    }
}

/// Substring search over large buffers that stays quick in a debug build:
/// the full comparison only where a needle's first byte is.
struct Needles<'a> {
    needles: &'a [&'a str],
    first: [bool; 256],
}

impl<'a> Needles<'a> {
    fn new(needles: &'a [&'a str]) -> Self {
        let mut first = [false; 256];
        for needle in needles {
            assert!(needle.len() >= 6, "{needle:?} is too short");
            first[usize::from(needle.as_bytes()[0])] = true;
        }
        Self { needles, first }
    }

    /// Where the first needle found starts, and which one.
    fn find(&self, haystack: &[u8]) -> Option<(usize, &'a str)> {
        haystack.iter().enumerate().find_map(|(at, byte)| {
            if !self.first[usize::from(*byte)] {
                return None;
            }
            let rest = &haystack[at..];
            let needle = self.needles.iter().find(|n| rest.starts_with(n.as_bytes()));
            needle.map(|needle| (at, *needle))
        })
    }

    fn assert_absent(&self, haystack: &[u8], what: &str) {
        if let Some((at, needle)) = self.find(haystack) {
            panic!("{what} holds {needle:?} at byte {at}");
        }
    }
}

#[test]
fn the_store_search_finds_every_needle_anywhere() {
    let needles = Needles::new(NEEDLES);
    let noise = pattern(1 << 20, 5);
    assert_eq!(needles.find(&noise), None);
    for needle in NEEDLES {
        for at in [0, 1000, noise.len() - needle.len()] {
            let mut haystack = noise.clone();
            haystack[at..at + needle.len()].copy_from_slice(needle.as_bytes());
            assert_eq!(needles.find(&haystack), Some((at, *needle)));
        }
    }
}
