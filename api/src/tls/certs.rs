//! The certificate and key files, read into the `CertifiedKey` rustls
//! serves, and the slot that holds the current one.

use std::path::Path;
use std::sync::Arc;

use arc_swap::ArcSwap;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::TlsError;
use crate::config::TlsFiles;

/// Reads the chain and the key and checks that they belong together. Errors
/// name the configuration key and the path, never a byte of the key.
pub fn load(files: &TlsFiles) -> Result<CertifiedKey, TlsError> {
    let cert_error = file_error("tls.cert_file", &files.cert_file);
    let chain = CertificateDer::pem_file_iter(&files.cert_file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|err| cert_error(describe(err, "certificate")))?;
    if chain.is_empty() {
        return Err(cert_error(
            "holds no certificate (a PEM `CERTIFICATE` block)".to_owned(),
        ));
    }
    let key_error = file_error("tls.key_file", &files.key_file);
    let key = PrivateKeyDer::from_pem_file(&files.key_file)
        .map_err(|err| key_error(describe(err, "private key")))?;
    CertifiedKey::from_der(chain, key, &super::provider()).map_err(|err| match err {
        rustls::Error::InconsistentKeys(_) => TlsError::Mismatch(err.to_string()),
        other => key_error(format!("cannot be used: {other}")),
    })
}

fn file_error(key: &'static str, path: &Path) -> impl Fn(String) -> TlsError {
    let path = path.display().to_string();
    move |reason| TlsError::File {
        key,
        path: path.clone(),
        reason,
    }
}

/// What went wrong with a PEM file, in words; the parser's own messages can
/// quote the file's lines, which for the key file is secret.
fn describe(err: pem::Error, what: &str) -> String {
    match err {
        pem::Error::Io(err) => format!("cannot be read: {err}"),
        pem::Error::NoItemsFound => format!("holds no {what} (PEM)"),
        _ => format!("is not a valid PEM {what} file"),
    }
}

/// The certificate every handshake gets: one `CertifiedKey`, swapped whole
/// by a reload while handshakes read it, without a lock.
#[derive(Debug)]
pub struct CertSlot {
    current: ArcSwap<CertifiedKey>,
}

impl CertSlot {
    pub fn new(key: CertifiedKey) -> Self {
        Self {
            current: ArcSwap::from_pointee(key),
        }
    }

    /// Serves `key` from the next handshake on; connections already open
    /// keep the certificate they were made with.
    pub fn replace(&self, key: CertifiedKey) {
        self.current.store(Arc::new(key));
    }

    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }
}

impl ResolvesServerCert for CertSlot {
    // One certificate for every name the client asks for (SNI): the server
    // has one host name.
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}
