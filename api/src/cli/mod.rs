//! The `strongroom` command line. With no command it runs the server
//! (`main.rs`); `strongroom admin ...` is the administrator's command: it
//! opens the configured stores directly (the same configuration as the
//! server), needs no running server, and prints text for people or `--json`
//! for programs. `strongroom config check` loads the configuration and
//! opens the stores the same way, and says what the server would serve and
//! what to fix first (`check`). Like `app`, it sits at the top: it uses state, auth, store
//! and config, and nothing imports it but `main.rs`.

mod args;
mod check;
mod confirm;
mod error;
mod invites;
mod render;
mod stores;
mod users;
mod values;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

pub use args::{Admin, ConfigCommand, InviteCommand, UserCommand};
pub use error::AdminError;

use crate::config::{Config, ConfigError};

/// Strongroom, a self-hosted encrypted file vault. Without a command it runs
/// the server. Both read strongroom.toml (or the file STRONGROOM_CONFIG names)
/// and STRONGROOM_* environment variables.
#[derive(Debug, Parser)]
#[command(name = "strongroom", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage accounts and invites in the configured stores (no server needs to run)
    #[command(subcommand)]
    Admin(Admin),
    /// Check the configuration before starting the server with it
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// Runs one admin command: its output on stdout, a failure on stderr and
/// exit code 1.
pub async fn admin(command: Admin, config: Config) -> ExitCode {
    log_to_stderr();
    match execute(command, config).await.and_then(print) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("strongroom admin: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `config check`: the report on stdout (all of it as JSON with
/// `--json`), the error on stderr. Exit 1 on an error, or with `--strict` on
/// a warning.
pub async fn config(command: ConfigCommand, loaded: Result<Config, ConfigError>) -> ExitCode {
    log_to_stderr();
    let ConfigCommand::Check { strict, format } = command;
    let report = check::run(loaded).await;
    let output = match format.json {
        true => report.json(),
        false => Ok(report.text()),
    };
    if let Err(err) = output.and_then(print) {
        eprintln!("strongroom config check: {err}");
        return ExitCode::FAILURE;
    }
    if let Some(error) = &report.error {
        eprintln!("strongroom config check: {}", error.message);
        return ExitCode::FAILURE;
    }
    if strict && !report.warnings.is_empty() {
        eprintln!(
            "strongroom config check: {} warning(s), and --strict",
            report.warnings.len()
        );
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn execute(command: Admin, config: Config) -> Result<String, AdminError> {
    let state = stores::open_state(config).await?;
    match command {
        Admin::Invite(InviteCommand::Create { expires_in, format }) => {
            invites::create(&state, expires_in, format).await
        }
        Admin::User(UserCommand::List { format }) => users::list(&state, format).await,
        Admin::User(UserCommand::Disable { email }) => {
            users::set_disabled(&state, &email, true).await
        }
        Admin::User(UserCommand::Enable { email }) => {
            users::set_disabled(&state, &email, false).await
        }
        Admin::User(UserCommand::SetQuota { email, size }) => {
            users::set_quota(&state, &email, size).await
        }
        Admin::User(UserCommand::Delete { email, yes }) => users::delete(&state, &email, yes).await,
    }
}

/// `println!` would panic on a closed pipe (`... | head`); this reports it.
fn print(output: String) -> Result<(), AdminError> {
    writeln!(std::io::stdout().lock(), "{output}").map_err(AdminError::Output)
}

/// Warnings only (`RUST_LOG` overrides), and on stderr: stdout is the
/// command's answer, which `--json` users parse. The configuration's `log`
/// is the server's.
fn log_to_stderr() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    // Only fails when a subscriber is set already, which then serves as well.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
