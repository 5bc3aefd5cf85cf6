//! `strongroom config check`: loads the configuration exactly as the server
//! does (`Config::load`, with its rules), looks at the files and addresses it
//! names, opens the stores, and prints what the server would serve with every
//! warning. It creates nothing: a data folder, database, object folder,
//! bucket, table or token secret that is not there yet is a note ("made at
//! first start"), not something made now; a token secret is never invented,
//! because opening a store with one claims the store for it. Stores that are
//! there are opened as the server opens them, with the token secret it would
//! use (which, like the server, brings an older database's schema up to date
//! and claims an empty table for that secret).

mod findings;
mod report;

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use aws_config::SdkConfig;

pub use report::{Finding, Report};

use crate::auth::TokenSecret;
use crate::config::{BlobBackend, Config, ConfigError, MetaBackend};
use crate::store::{self, StoreError};

/// Runs every check on what `Config::load` gave.
pub async fn run(loaded: Result<Config, ConfigError>) -> Report {
    let mut report = Report::default();
    let config = match loaded {
        Ok(config) => config,
        Err(err) => {
            report.error = Some(Finding::named(err.to_string()));
            return report;
        }
    };
    findings::describe(&config, &mut report);
    findings::assess(&config, &mut report);
    if let Err(finding) = probe(&config, &mut report).await {
        report.error = Some(finding);
    }
    report.ok = report.error.is_none();
    report
}

/// What needs the machine: addresses, files, stores. Stops at the first
/// thing that would stop the server.
async fn probe(config: &Config, report: &mut Report) -> Result<(), Finding> {
    listen(config.bind, "bind", report)?;
    // Loaded as the server loads them at start: a file it cannot use stops it.
    if let Some(files) = config.tls.files() {
        crate::tls::check_files(&files)
            .map_err(|err| Finding::about(err.key(), err.to_string()))?;
    }
    if let Some(metrics) = config.metrics_bind {
        listen(metrics, "metrics_bind", report)?;
    }
    data_dir(&config.data_dir, report)?;
    let secret = token_secret(config, report)?;
    // Nothing is created: a missing bucket or table is reported, not made.
    let mut config = config.clone();
    let auto_create = std::mem::replace(&mut config.storage.auto_create, false);
    let sdk = store::aws_sdk_config(&config).await;
    if let Some(sdk) = &sdk
        && config.storage.aws.region.is_none()
    {
        let region = sdk.region().map(ToString::to_string);
        report.serves(
            "aws region",
            region.unwrap_or_else(|| "none: set AWS_REGION or storage.aws.region".to_owned()),
        );
    }
    blobs(&config, sdk.as_ref(), auto_create, report).await?;
    meta(&config, sdk.as_ref(), secret.as_ref(), auto_create, report).await
}

/// Whether the server could listen there now. Taken already is a note (the
/// server itself may be running); anything else stops it.
fn listen(addr: SocketAddr, key: &'static str, report: &mut Report) -> Result<(), Finding> {
    if addr.port() == 0 {
        return Ok(());
    }
    match TcpListener::bind(addr) {
        Ok(_) => Ok(()),
        Err(err) if err.kind() == ErrorKind::AddrInUse => {
            report.note(Finding::about(
                key,
                format!("{addr} is in use now (by the running server?)"),
            ));
            Ok(())
        }
        Err(err) => Err(Finding::about(
            key,
            format!("cannot listen on {addr}: {err}"),
        )),
    }
}

fn data_dir(path: &Path, report: &mut Report) -> Result<(), Finding> {
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => Err(Finding::about(
            "data_dir",
            format!("{} is not a folder", path.display()),
        )),
        Ok(meta) => {
            private_mode(&meta, path, report);
            Ok(())
        }
        Err(err) if err.kind() == ErrorKind::NotFound => {
            report.note(Finding::about(
                "data_dir",
                format!(
                    "{} does not exist yet: the server makes it (mode 0700) at first start",
                    path.display()
                ),
            ));
            Ok(())
        }
        Err(err) => Err(Finding::about(
            "data_dir",
            format!(
                "cannot reach {}: {err} (run this as the server's user)",
                path.display()
            ),
        )),
    }
}

#[cfg(unix)]
fn private_mode(meta: &std::fs::Metadata, path: &Path, report: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        report.warn(Finding::about(
            "data_dir",
            format!(
                "{} can be read by others (mode {mode:o}); `chmod 700` it",
                path.display()
            ),
        ));
    }
}

#[cfg(not(unix))]
fn private_mode(_meta: &std::fs::Metadata, _path: &Path, _report: &mut Report) {}

/// The secret the server would use, when it is there. One others can read,
/// or that is not a secret, stops the server (`TokenSecret` says how to fix it).
fn token_secret(config: &Config, report: &mut Report) -> Result<Option<TokenSecret>, Finding> {
    let path = config.token_secret_path();
    match std::fs::symlink_metadata(&path) {
        Err(err) if err.kind() == ErrorKind::NotFound => {
            report.note(Finding::about(
                "token_secret_file",
                format!(
                    "{} does not exist yet: the server makes one (mode 0600) at first start; \
                     back it up then",
                    path.display()
                ),
            ));
            Ok(None)
        }
        _ => TokenSecret::load_existing(&path)
            .map(Some)
            .map_err(|err| Finding::about("token_secret_file", err.to_string())),
    }
}

async fn blobs(
    config: &Config,
    sdk: Option<&SdkConfig>,
    auto_create: bool,
    report: &mut Report,
) -> Result<(), Finding> {
    let key = match config.storage.blob {
        BlobBackend::Fs => {
            let dir = store::objects_dir(config);
            if !dir.exists() {
                // Under a data folder that is not there yet: noted already.
                if config.data_dir.exists() {
                    report.note(Finding::about(
                        "data_dir",
                        format!("{} does not exist yet: made at first start", dir.display()),
                    ));
                }
                return Ok(());
            }
            "data_dir"
        }
        BlobBackend::S3 => "storage.s3.bucket",
    };
    let opened = match store::open_blobs(config, sdk).await {
        Ok(blobs) => blobs.ping().await,
        Err(err) => Err(err),
    };
    settle(opened, key, auto_create, report)
}

async fn meta(
    config: &Config,
    sdk: Option<&SdkConfig>,
    secret: Option<&TokenSecret>,
    auto_create: bool,
    report: &mut Report,
) -> Result<(), Finding> {
    let secret_path = config.token_secret_path();
    let key = match config.storage.meta {
        MetaBackend::Sqlite => {
            let db = store::sqlite_path(config);
            match (db.exists(), secret) {
                (false, _) => {
                    if config.data_dir.exists() {
                        report.note(Finding::about(
                            "data_dir",
                            format!("{} does not exist yet: made at first start", db.display()),
                        ));
                    }
                    return Ok(());
                }
                (true, None) => {
                    return Err(Finding::about(
                        "token_secret_file",
                        format!(
                            "there is no token secret at {}, but there is a database at {}: \
                             the server would make a new secret, and the database, sealed \
                             under the old one, would be refused; restore the secret or name it",
                            secret_path.display(),
                            db.display()
                        ),
                    ));
                }
                (true, Some(_)) => "data_dir",
            }
        }
        MetaBackend::Dynamodb => {
            if secret.is_none() {
                report.warn(Finding::about(
                    "token_secret_file",
                    "the DynamoDB table is not opened without the token secret (opening \
                     claims it for one); if the table has accounts, the server's new \
                     secret will be refused",
                ));
                return Ok(());
            }
            "storage.dynamodb.table"
        }
    };
    let Some(secret) = secret else {
        return Ok(());
    };
    let opened = match store::open_meta(config, sdk, &secret.profile_keys()).await {
        Ok(meta) => meta.ping().await,
        Err(err) => Err(err),
    };
    settle(opened, key, auto_create, report)
}

/// A store's answer as a finding: a missing bucket or table the server will
/// create is a note, anything else that failed stops the server.
fn settle(
    opened: Result<(), StoreError>,
    key: &'static str,
    auto_create: bool,
    report: &mut Report,
) -> Result<(), Finding> {
    match opened {
        Ok(()) => Ok(()),
        Err(StoreError::Missing(what)) if auto_create => {
            report.note(Finding::about(
                key,
                format!(
                    "{what} (the server creates it at first start: storage.auto_create = true)"
                ),
            ));
            Ok(())
        }
        Err(err @ StoreError::ForeignSecret) => {
            Err(Finding::about("token_secret_file", err.to_string()))
        }
        Err(err) => Err(Finding::about(key, err.to_string())),
    }
}
