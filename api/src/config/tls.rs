//! `tls.*`: HTTPS on the server's own port. Unset, the server speaks plain
//! HTTP (behind a TLS-terminating proxy, or on loopback).

use std::path::PathBuf;

use serde::Deserialize;

use super::ConfigError;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// The certificate chain, PEM, the server's own certificate first (as
    /// certbot's `fullchain.pem`).
    pub cert_file: Option<PathBuf>,
    /// The private key, PEM (PKCS#8, PKCS#1 or SEC1), as certbot's
    /// `privkey.pem`.
    pub key_file: Option<PathBuf>,
    /// How often the files' modification times are looked at, in seconds: a
    /// renewed certificate is served from the next check on (SIGHUP reloads
    /// at once).
    pub reload_check_secs: u64,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            cert_file: None,
            key_file: None,
            reload_check_secs: 10,
        }
    }
}

/// The two files of a configuration with TLS on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl TlsConfig {
    /// The files, when TLS is on (both keys set; `check` refuses one alone).
    pub fn files(&self) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert_file: self.cert_file.clone()?,
            key_file: self.key_file.clone()?,
        })
    }

    pub fn enabled(&self) -> bool {
        self.files().is_some()
    }

    pub(super) fn check(&self) -> Result<(), ConfigError> {
        let rule = |key, reason: &str| {
            Err(ConfigError::Rule {
                key,
                reason: reason.to_owned(),
            })
        };
        let empty =
            |path: &Option<PathBuf>| path.as_ref().is_some_and(|p| p.as_os_str().is_empty());
        if empty(&self.cert_file) {
            return rule("tls.cert_file", "must not be empty");
        }
        if empty(&self.key_file) {
            return rule("tls.key_file", "must not be empty");
        }
        match (&self.cert_file, &self.key_file) {
            (Some(_), None) => return rule("tls.key_file", "must be set when tls.cert_file is"),
            (None, Some(_)) => return rule("tls.cert_file", "must be set when tls.key_file is"),
            _ => {}
        }
        if !(1..=3600).contains(&self.reload_check_secs) {
            return rule("tls.reload_check_secs", "must be between 1 and 3600");
        }
        Ok(())
    }
}
