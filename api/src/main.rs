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

fn main() -> ExitCode {
    // Before the configuration: `--help` works without one.
    let cli = Cli::parse();
    // Before anything else runs (threads, files): the process is replaced.
    #[cfg(not(feature = "system-alloc"))]
    let restart_error = cli
        .command
        .is_none()
        .then(strongroom_api::allocator::restart_with_settings)
        .flatten();
    #[cfg(feature = "system-alloc")]
    let restart_error = None;
    actix_web::rt::System::new().block_on(run(cli, restart_error))
}

async fn run(cli: Cli, restart_error: Option<std::io::Error>) -> ExitCode {
    match (cli.command, Config::load()) {
        // A broken configuration is this command's answer, not a failure to start.
        (Some(Command::Config(command)), loaded) => cli::config(command, loaded).await,
        (_, Err(err)) => {
            eprintln!("strongroom: {err}");
            ExitCode::from(2)
        }
        (None, Ok(config)) => serve(config, restart_error).await,
        (Some(Command::Admin(command)), Ok(config)) => cli::admin(command, config).await,
    }
}

async fn serve(config: Config, restart_error: Option<std::io::Error>) -> ExitCode {
    let mut filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    // dav-server logs request paths (file names) at debug through `log`,
    // which the subscriber bridges: keep it at warnings whatever `log` says.
    if let Ok(quiet) = "dav_server=warn".parse() {
        filter = filter.add_directive(quiet);
    }
    tracing_subscriber::fmt().with_env_filter(filter).init();
    if let Some(err) = restart_error {
        tracing::warn!("cannot restart with the allocator's settings, running without: {err}");
    }

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
