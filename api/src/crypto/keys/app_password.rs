//! App passwords (docs/design.md §7): `sr_app_<id, 32 hex>_<secret,
//! base64url>`, 256 random bits of secret. The store keeps SHA-256 of the
//! secret and the UMK wrapped under HKDF(secret, "strongroom app password"),
//! bound to the id and user, so the stores plus the server's token secret
//! open nothing without the password. The name the user gave it is sealed
//! under a subkey of the UMK, bound to the id.

use core::fmt;

use data_encoding::BASE64URL_NOPAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{Key32, Umk, hkdf_sha256, random_array, unwrap_key, wrap_key};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// What every app password starts with: tells it apart from a JWT before
/// any parsing (a JWT starts `eyJ`).
pub const APP_PASSWORD_PREFIX: &str = "sr_app_";

/// The secret half of an app password.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct AppPasswordSecret([u8; 32]);

impl fmt::Debug for AppPasswordSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppPasswordSecret(<redacted>)")
    }
}

fn aad(what: &[u8], id: Uuid, user_id: Uuid) -> Vec<u8> {
    [what, id.as_bytes(), user_id.as_bytes()].concat()
}

impl AppPasswordSecret {
    #[must_use]
    pub fn generate() -> Self {
        Self(random_array())
    }

    /// The password as shown to the user, once.
    #[must_use]
    pub fn token(&self, id: Uuid) -> String {
        format!(
            "{APP_PASSWORD_PREFIX}{}_{}",
            id.simple(),
            BASE64URL_NOPAD.encode(&self.0)
        )
    }

    /// Reads a password; `None` for anything that is not one. The secret
    /// may itself contain `_` (base64url), the id never does.
    #[must_use]
    pub fn parse(token: &str) -> Option<(Uuid, Self)> {
        let (id, secret) = token.strip_prefix(APP_PASSWORD_PREFIX)?.split_once('_')?;
        if id.len() != 32 {
            return None;
        }
        let id = Uuid::try_parse(id).ok()?;
        let bytes = Zeroizing::new(BASE64URL_NOPAD.decode(secret.as_bytes()).ok()?);
        let secret: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some((id, Self(secret)))
    }

    /// What the store keeps.
    #[must_use]
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }

    /// `true` when this secret hashes to `stored` (constant time).
    #[must_use]
    pub fn matches(&self, stored: &[u8; 32]) -> bool {
        self.hash().ct_eq(stored).into()
    }

    fn wrap_key(&self) -> Key32 {
        hkdf_sha256(&self.0, b"strongroom app password")
    }

    #[must_use]
    pub fn wrap_umk(&self, id: Uuid, user_id: Uuid, umk: &Umk) -> Vec<u8> {
        wrap_key(
            &self.wrap_key(),
            umk.as_bytes(),
            &aad(b"app-umk", id, user_id),
        )
        .to_vec()
    }

    /// # Errors
    /// [`CryptoError::KeyUnwrap`] for another secret, id or user.
    pub fn unwrap_umk(&self, id: Uuid, user_id: Uuid, wrapped: &[u8]) -> Result<Umk, CryptoError> {
        let key = unwrap_key(&self.wrap_key(), wrapped, &aad(b"app-umk", id, user_id))?;
        Ok(Umk::from_bytes(*key.as_bytes()))
    }
}

/// The key app password names are sealed under, derived from the UMK.
pub struct AppPasswordNames(Key32);

impl AppPasswordNames {
    #[must_use]
    pub fn derive(umk: &Umk) -> Self {
        Self(hkdf_sha256(
            umk.as_bytes(),
            b"strongroom app password names",
        ))
    }

    /// nonce 12 ‖ AES-256-GCM(name) ‖ tag 16, aad = "app name" ‖ id ‖ user.
    #[must_use]
    pub fn seal(&self, id: Uuid, user_id: Uuid, name: &str) -> Vec<u8> {
        let mut buf = Zeroizing::new(Vec::with_capacity(name.len() + TAG_LEN));
        buf.extend_from_slice(name.as_bytes());
        let nonce: [u8; NONCE_LEN] = random_array();
        ChunkCipher::new(self.0.as_bytes()).seal_in_place(
            &nonce,
            &aad(b"app name", id, user_id),
            &mut buf,
        );
        [&nonce[..], &buf[..]].concat()
    }

    /// # Errors
    /// [`CryptoError::NameAuth`] when it fails to authenticate.
    pub fn open(&self, id: Uuid, user_id: Uuid, sealed: &[u8]) -> Result<String, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::NameAuth);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::NameAuth)?;
        let mut buf = ct.to_vec();
        ChunkCipher::new(self.0.as_bytes())
            .open_in_place(nonce, &aad(b"app name", id, user_id), &mut buf)
            .map_err(|()| CryptoError::NameAuth)?;
        String::from_utf8(buf).map_err(|_| CryptoError::NameAuth)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_password_reads_back_and_unwraps_only_its_own_umk() {
        let id = Uuid::new_v4();
        let user = Uuid::new_v4();
        let umk = Umk::random();
        let secret = AppPasswordSecret::generate();
        let wrapped = secret.wrap_umk(id, user, &umk);
        let token = secret.token(id);
        assert!(token.starts_with(APP_PASSWORD_PREFIX));
        let (read_id, read) = AppPasswordSecret::parse(&token).unwrap();
        assert_eq!(read_id, id);
        assert!(read.matches(&secret.hash()));
        assert_eq!(read.unwrap_umk(id, user, &wrapped).unwrap(), umk);
        assert!(read.unwrap_umk(Uuid::new_v4(), user, &wrapped).is_err());
        assert!(
            AppPasswordSecret::generate()
                .unwrap_umk(id, user, &wrapped)
                .is_err()
        );
        assert!(AppPasswordSecret::parse("eyJhbGciOi.x.y").is_none());
        assert!(AppPasswordSecret::parse(&token[..token.len() - 1]).is_none());
    }

    #[test]
    fn names_open_only_under_their_id() {
        let names = AppPasswordNames::derive(&Umk::random());
        let (id, user) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = names.seal(id, user, "laptop rclone");
        assert_eq!(names.open(id, user, &sealed).unwrap(), "laptop rclone");
        assert!(names.open(Uuid::new_v4(), user, &sealed).is_err());
    }
}
