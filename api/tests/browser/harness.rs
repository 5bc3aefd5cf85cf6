//! What the browser suite stands on: the real server (embedded default) with
//! the built app, Debian's chromium driven through chromedriver, waiting
//! helpers and screenshots under `target/screenshots/`.

use crate::common::server;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use strongroom_api::auth::TokenSecret;
use strongroom_api::config::Config;
use strongroom_api::state::AppState;
use tempfile::TempDir;

/// How long anything on the page may take to appear.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The app as `scripts/web-build` leaves it. Missing means the suite fails:
/// it never runs without the app.
pub fn web_dist() -> PathBuf {
    let dist = workspace_dir().join("web/dist");
    assert!(
        dist.join("index.html").is_file(),
        "{} has no index.html: build the browser app first (scripts/web-build; scripts/test does it)",
        dist.display()
    );
    dist
}

pub fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp: screenshots go beside it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .map_or_else(|| workspace_dir().join("target"), Path::to_path_buf)
        .join("screenshots");
    // Emptied once per run, so what is there is this run's.
    static CLEAR: std::sync::Once = std::sync::Once::new();
    CLEAR.call_once(|| {
        let _ = std::fs::remove_dir_all(&dir);
    });
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

pub struct Server {
    pub base: String,
    /// The configuration the server runs with.
    pub config: Config,
    _data: TempDir,
}

/// The real server on a random port, embedded backends, serving the app,
/// with the test's configuration changes.
pub async fn start_server_with(change: impl FnOnce(&mut Config)) -> Server {
    let data = tempfile::tempdir().expect("data folder");
    let mut config = server::test_config(data.path());
    config.web_dir = web_dist();
    change(&mut config);
    let base = server::start(config.clone()).await;
    Server {
        base,
        config,
        _data: data,
    }
}

impl Server {
    /// The server's services over its own stores and secret, opened again
    /// beside it: what its administrator's commands reach (invites,
    /// disabling accounts).
    pub async fn admin(&self) -> AppState {
        let secret =
            TokenSecret::load_or_create(&self.config.token_secret_path()).expect("token secret");
        let stores = strongroom_api::store::open(&self.config, &secret.profile_keys())
            .await
            .expect("the server's stores open");
        AppState::new(self.config.clone(), stores, &secret)
    }
}

/// chromedriver and its headless chromium; both end with the test.
pub struct Browser {
    pub client: Client,
    pub downloads: TempDir,
    _profile: TempDir,
    _driver: Driver,
}

/// Stops chromedriver and the chromium it started when the test ends.
/// chromedriver runs in a process group of its own, and the whole group is
/// killed: killing chromedriver alone left chromium running after the test.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

pub async fn start_browser() -> Browser {
    for tool in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(tool).is_file(),
            "{tool} is missing: install Debian's chromium and chromium-driver (scripts/test does it)"
        );
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(Driver)
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().expect("profile folder");
    let downloads = tempfile::tempdir().expect("download folder");
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false,
                "download.directory_upgrade": true,
                "safebrowsing.enabled": false,
            },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("an object literal")
    };
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let client = loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&url)
            .await;
        match attempt {
            Ok(client) => break client,
            Err(err) if started.elapsed() < PATIENCE => {
                let _ = err;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => panic!("chromedriver on {url} did not give a session: {err}"),
        }
    };
    Browser {
        client,
        downloads,
        _profile: profile,
        _driver: driver,
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|err| panic!("{css} did not appear: {err}"))
    }

    pub async fn click(&self, css: &str) {
        // Rendering can replace an element between finding and clicking it;
        // find it again then.
        let started = Instant::now();
        loop {
            match self.find(css).await.click().await {
                Ok(()) => return,
                Err(err) if started.elapsed() < PATIENCE => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => panic!("cannot click {css}: {err}"),
            }
        }
    }

    /// Replaces an input's value by typing, as a person would.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Picks files in the upload button's file input, as the file chooser would.
    pub async fn pick_files(&self, paths: &[&Path]) {
        let list: Vec<String> = paths
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        self.find("#file-input")
            .await
            .send_keys(&list.join("\n"))
            .await
            .expect("pick files");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn exists(&self, css: &str) -> bool {
        !self
            .client
            .find_all(Locator::Css(css))
            .await
            .expect("query")
            .is_empty()
    }

    /// Waits until `css` is gone from the page.
    pub async fn gone(&self, css: &str) {
        self.until(&format!("{css} to disappear"), || async {
            !self.exists(css).await
        })
        .await;
    }

    /// Waits until `css`'s text contains `expected`.
    pub async fn text_contains(&self, css: &str, expected: &str) {
        self.until(&format!("{css} to contain {expected:?}"), || async {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => element
                    .text()
                    .await
                    .is_ok_and(|text| text.contains(expected)),
                Err(_) => false,
            }
        })
        .await;
    }

    pub async fn until<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let started = Instant::now();
        while !check().await {
            if started.elapsed() > PATIENCE {
                self.shot("timeout").await;
                panic!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_owned()
    }

    /// Saves a screenshot as `target/screenshots/<name>.png`.
    pub async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
    }

    /// Waits for a finished download of `name` and returns its bytes.
    pub async fn downloaded(&self, name: &str) -> Vec<u8> {
        let path = self.downloads.path().join(name);
        let partial = self.downloads.path().join(format!("{name}.crdownload"));
        self.until(&format!("the download of {name}"), || async {
            path.is_file() && !partial.exists()
        })
        .await;
        std::fs::read(&path).expect("read download")
    }
}
