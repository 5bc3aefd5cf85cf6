//! HTTPS on the server's own port (`tls.*`): rustls with the aws-lc-rs
//! provider (the one the AWS SDK brings), TLS 1.2 and 1.3 only. The
//! certificate is served from a slot (`CertSlot`) that `reload` refills on
//! SIGHUP or when the files change, so a renewal needs no restart.

mod certs;
mod reload;

use std::sync::Arc;
use std::time::Duration;

pub use certs::{CertSlot, load};
pub use reload::{Stamp, reload_into, spawn_reloader};

use crate::config::TlsFiles;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file cannot be read or holds nothing usable; `key` is the
    /// configuration key that names it.
    #[error("`{key}` ({path}): {reason}")]
    File {
        key: &'static str,
        path: String,
        reason: String,
    },
    #[error("`tls.key_file` does not belong to the certificate in `tls.cert_file`: {0}")]
    Mismatch(String),
    #[error("TLS set-up: {0}")]
    Setup(String),
}

impl TlsError {
    /// The configuration key it is about.
    pub fn key(&self) -> &'static str {
        match self {
            Self::File { key, .. } => key,
            Self::Mismatch(_) => "tls.key_file",
            Self::Setup(_) => "tls",
        }
    }
}

/// Whether the server could start with these files (`strongroom config
/// check`): loaded and paired exactly as at start, nothing kept.
pub fn check_files(files: &TlsFiles) -> Result<(), TlsError> {
    server_config(Arc::new(CertSlot::new(load(files)?))).map(drop)
}

/// Loads the files (failing start-up with a message naming the key when
/// they cannot be used), starts watching them, and returns the rustls
/// configuration for the listener.
pub fn start(files: TlsFiles, check_every: Duration) -> Result<rustls::ServerConfig, TlsError> {
    let slot = Arc::new(CertSlot::new(load(&files)?));
    let config = server_config(slot.clone())?;
    spawn_reloader(slot, files, check_every);
    Ok(config)
}

/// TLS 1.3 and 1.2 (1.0 and 1.1 are never offered), no client
/// certificates, the certificate from `slot` on every handshake.
pub fn server_config(slot: Arc<CertSlot>) -> Result<rustls::ServerConfig, TlsError> {
    rustls::ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|err| TlsError::Setup(err.to_string()))
        .map(|builder| builder.with_no_client_auth().with_cert_resolver(slot))
}

fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::aws_lc_rs::default_provider()
}
