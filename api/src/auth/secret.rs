//! The server-wide token secret: 32 random bytes that sign JWTs and wrap the UMK
//! inside them, and from which the keys of the accounts' email index and
//! sealed emails and display names come. Generated on first start (mode
//! 0600) and reused afterwards; the admin command only ever reads it.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use data_encoding::BASE64;
use zeroize::{Zeroize, Zeroizing};

use crate::crypto::keys::{Key32, ProfileKeys};

pub struct TokenSecret(Key32);

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Group or others may read it: whoever can, can mint tokens.
    #[error(
        "the token secret {path} can be read by others (mode {mode:o}); run `chmod 600 {path}`"
    )]
    Exposed { path: String, mode: u32 },
    #[error("token secret file {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("token secret file {path} must hold 32 bytes in base64")]
    Malformed { path: String },
    /// Only the server creates the secret: a command that finds none is
    /// not looking where the server keeps it.
    #[error(
        "there is no token secret at {path}: the accounts' emails are sealed with the \
         server's secret; run this with the server's configuration (its `token_secret_file`)"
    )]
    Missing { path: String },
}

impl TokenSecret {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Key32::from_bytes(bytes))
    }

    pub fn key(&self) -> &Key32 {
        &self.0
    }

    /// The keys the metadata store finds accounts by and seals their emails
    /// and display names with (`store::open`).
    pub fn profile_keys(&self) -> ProfileKeys {
        ProfileKeys::derive(&self.0)
    }

    /// Reads the secret at `path`, which must exist: for the admin command,
    /// which never creates the server's secret.
    pub fn load_existing(path: &Path) -> Result<Self, SecretError> {
        match std::fs::metadata(path) {
            Err(err) if err.kind() == ErrorKind::NotFound => Err(SecretError::Missing {
                path: path.display().to_string(),
            }),
            _ => Self::read(path),
        }
    }

    /// Reads the secret at `path`, creating it (0600, never overwriting) when absent.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let shown = path.display().to_string();
        let io = |source| SecretError::Io {
            path: shown.clone(),
            source,
        };
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(mut file) => {
                let key = Key32::random();
                let mut text = Zeroizing::new(BASE64.encode(key.as_bytes()));
                text.push('\n');
                file.write_all(text.as_bytes()).map_err(io)?;
                file.sync_all().map_err(io)?;
                tracing::info!(path = %shown, "generated a new token secret");
                return Ok(Self(key));
            }
            Err(err) if err.kind() == ErrorKind::AlreadyExists => {}
            Err(err) => return Err(io(err)),
        }
        Self::read(path)
    }

    /// Reads an existing secret, refusing one that others can read.
    fn read(path: &Path) -> Result<Self, SecretError> {
        let shown = path.display().to_string();
        let io = |source| SecretError::Io {
            path: shown.clone(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mode = file.metadata().map_err(io)?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(SecretError::Exposed {
                path: shown,
                mode: mode & 0o777,
            });
        }
        let mut text = Zeroizing::new(String::new());
        file.read_to_string(&mut text).map_err(io)?;
        let mut bytes =
            BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| SecretError::Malformed {
                    path: shown.clone(),
                })?;
        let key: Result<[u8; 32], _> = bytes.as_slice().try_into();
        bytes.zeroize();
        key.map(Self::from_bytes)
            .map_err(|_| SecretError::Malformed { path: shown })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_once_with_mode_0600_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token_secret");
        let first = TokenSecret::load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = TokenSecret::load_or_create(&path).unwrap();
        assert_eq!(first.key().as_bytes(), second.key().as_bytes());
    }

    #[test]
    fn a_file_others_can_read_stops_start_up_with_the_chmod() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token_secret");
        TokenSecret::load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let Err(err) = TokenSecret::load_or_create(&path) else {
            panic!("an exposed secret was used");
        };
        assert!(
            matches!(err, SecretError::Exposed { mode: 0o640, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn an_existing_secret_is_read_and_a_missing_one_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token_secret");
        let Err(err) = TokenSecret::load_existing(&path) else {
            panic!("a missing secret was read");
        };
        assert!(matches!(err, SecretError::Missing { .. }), "{err}");
        assert!(err.to_string().contains("token_secret"), "{err}");
        assert!(!path.exists());
        let made = TokenSecret::load_or_create(&path).unwrap();
        let read = TokenSecret::load_existing(&path).unwrap();
        assert_eq!(made.key().as_bytes(), read.key().as_bytes());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            TokenSecret::load_existing(&path),
            Err(SecretError::Exposed { .. })
        ));
    }

    #[test]
    fn a_malformed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token_secret");
        std::fs::write(&path, "c2hvcnQ=\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            TokenSecret::load_or_create(&path),
            Err(SecretError::Malformed { .. })
        ));
    }
}
