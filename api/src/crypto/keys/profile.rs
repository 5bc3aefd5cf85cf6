//! A user's email and display name as the metadata store keeps them: found by
//! a keyed index of the email, readable only as AES-256-GCM ciphertext bound
//! to the user and the field. The keys come from the server's token secret
//! (`auth/secret.rs`), so a store dump alone lists no account.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Key32, hkdf_sha256, hmac_sha256, random_array};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// Which field a ciphertext holds: part of its associated data, so an email
/// cannot be read back as a display name or onto another user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileField {
    Email,
    DisplayName,
}

impl ProfileField {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Email => b"email",
            Self::DisplayName => b"display_name",
        }
    }
}

/// Three keys derived from one secret with HKDF-SHA256: the HMAC key of the
/// email index, the AES-256-GCM key of the sealed fields, and a check value
/// the store keeps to notice a different secret (separate keys, never one
/// key for two algorithms).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ProfileKeys {
    index: Key32,
    seal: Key32,
    check: Key32,
}

impl fmt::Debug for ProfileKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProfileKeys(<redacted>)")
    }
}

fn aad(field: ProfileField, user_id: &[u8; 16]) -> Vec<u8> {
    let label = field.label();
    let mut aad = Vec::with_capacity(label.len() + 16);
    aad.extend_from_slice(label);
    aad.extend_from_slice(user_id);
    aad
}

impl ProfileKeys {
    /// HKDF(secret, "strongroom email index" / "strongroom profile seal" /
    /// "strongroom profile key check").
    #[must_use]
    pub fn derive(secret: &Key32) -> Self {
        let bytes = secret.as_bytes();
        Self {
            index: hkdf_sha256(bytes, b"strongroom email index"),
            seal: hkdf_sha256(bytes, b"strongroom profile seal"),
            check: hkdf_sha256(bytes, b"strongroom profile key check"),
        }
    }

    /// HMAC-SHA256(index key, email): what the store looks an account up
    /// by. The caller normalises the email first.
    #[must_use]
    pub fn email_index(&self, normalized_email: &str) -> [u8; 32] {
        hmac_sha256(self.index.as_bytes(), &[normalized_email.as_bytes()])
    }

    /// A value that only this secret gives: stored once, compared at each
    /// start, so records sealed under another secret are noticed at once.
    #[must_use]
    pub fn key_check(&self) -> [u8; 32] {
        *self.check.as_bytes()
    }

    /// nonce 12 ‖ ciphertext ‖ tag 16, aad = label(field) ‖ user_id.
    #[must_use]
    pub fn seal(&self, field: ProfileField, user_id: &[u8; 16], text: &str) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = random_array();
        let cipher = ChunkCipher::new(self.seal.as_bytes());
        let mut buf = Vec::with_capacity(text.len() + TAG_LEN);
        buf.extend_from_slice(text.as_bytes());
        cipher.seal_in_place(&nonce, &aad(field, user_id), &mut buf);
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        out
    }

    /// Opens what [`ProfileKeys::seal`] made for the same field and user.
    ///
    /// # Errors
    /// [`CryptoError::ProfileAuth`] when it is too short, fails to
    /// authenticate (another secret, field or user) or is not UTF-8.
    pub fn open(
        &self,
        field: ProfileField,
        user_id: &[u8; 16],
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::ProfileAuth);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::ProfileAuth)?;
        let cipher = ChunkCipher::new(self.seal.as_bytes());
        let mut buf = ct.to_vec();
        cipher
            .open_in_place(nonce, &aad(field, user_id), &mut buf)
            .map_err(|()| CryptoError::ProfileAuth)?;
        String::from_utf8(buf).map_err(|_| CryptoError::ProfileAuth)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> ProfileKeys {
        ProfileKeys::derive(&Key32::from_bytes([byte; 32]))
    }

    #[test]
    fn sealed_fields_open_only_for_their_user_field_and_secret() {
        let (ann, bob) = ([1; 16], [2; 16]);
        let sealed = keys(7).seal(ProfileField::Email, &ann, "ann@example.com");
        assert!(!sealed.windows(3).any(|w| w == b"ann"));
        let open = keys(7).open(ProfileField::Email, &ann, &sealed).unwrap();
        assert_eq!(open, "ann@example.com");
        for (keys, field, user) in [
            (keys(8), ProfileField::Email, ann),
            (keys(7), ProfileField::DisplayName, ann),
            (keys(7), ProfileField::Email, bob),
        ] {
            assert_eq!(
                keys.open(field, &user, &sealed),
                Err(CryptoError::ProfileAuth)
            );
        }
        assert_eq!(
            keys(7).open(ProfileField::Email, &ann, &sealed[..20]),
            Err(CryptoError::ProfileAuth)
        );
    }

    #[test]
    fn the_index_is_keyed_and_deterministic() {
        let a = keys(7).email_index("ann@example.com");
        assert_eq!(a, keys(7).email_index("ann@example.com"));
        assert_ne!(a, keys(8).email_index("ann@example.com"));
        assert_ne!(a, keys(7).email_index("bob@example.com"));
        assert_ne!(keys(7).key_check(), keys(8).key_check());
        assert!(format!("{:?}", keys(7)).contains("redacted"));
    }
}
