//! The one way tests start the real server: on a random loopback port, with
//! a data folder of the test's own; it stops when the test's runtime ends.

use std::path::Path;

use strongroom_api::app::Application;
use strongroom_api::config::Config;

/// A configuration for a test server: port 0 on loopback, `data_dir`, no
/// browser app unless the test sets `web_dir` (the default `web/dist` would
/// depend on the working directory), and per-address rate limits out of the
/// way (every test client is 127.0.0.1); the tests of the limits set theirs.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config {
        bind: "127.0.0.1:0"
            .parse()
            .unwrap_or_else(|err| panic!("loopback address: {err}")),
        data_dir: data_dir.to_path_buf(),
        web_dir: data_dir.join("no-web-app"),
        ..Config::default()
    };
    let limits = &mut config.limits;
    limits.login_per_minute = 1_000_000;
    limits.signup_per_hour = 1_000_000;
    limits.refresh_per_minute = 1_000_000;
    config
}

/// Builds and starts the server; returns its base URL.
pub async fn start(config: Config) -> String {
    format!("http://127.0.0.1:{}", start_port(config).await)
}

/// Builds and starts the server; returns its port (for a server that speaks
/// TLS, or one behind a proxy, whose URL the test makes).
pub async fn start_port(config: Config) -> u16 {
    let app = Application::build(config)
        .await
        .unwrap_or_else(|err| panic!("server starts: {err}"));
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    port
}
