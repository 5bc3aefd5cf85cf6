use std::process::ExitCode;

use clap::Parser;
use strongroom_api::app::Application;
use strongroom_api::cli::{self, Cli, Command};
use strongroom_api::config::Config;
use tracing_subscriber::EnvFilter;

/// mimalloc gives freed memory back to the OS within milliseconds; with glibc's
/// malloc every thread that once ran Argon2 (19 MiB per hash) kept that memory.
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    // Before the configuration: `--help` works without one.
    let cli = Cli::parse();
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("strongroom: {err}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        None => serve(config).await,
        Some(Command::Admin(command)) => cli::admin(command, config).await,
    }
}

async fn serve(config: Config) -> ExitCode {
    let mut filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // dav-server logs request paths (file names) at debug through `log`,
    // which the subscriber bridges: keep it at warnings whatever `log` says.
    if let Ok(quiet) = "dav_server=warn".parse() {
        filter = filter.add_directive(quiet);
    }
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let app = match Application::build(config.clone()).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("cannot start: {err}");
            eprintln!("strongroom: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let scheme = if config.tls.enabled() {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        "Strongroom listening on {scheme}://{}:{}",
        config.bind.ip(),
        app.port()
    );
    if let (Some(addr), Some(port)) = (config.metrics_bind, app.metrics_port()) {
        tracing::info!("metrics at http://{}:{port}/metrics", addr.ip());
    }
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("server stopped: {err}");
            ExitCode::FAILURE
        }
    }
}
