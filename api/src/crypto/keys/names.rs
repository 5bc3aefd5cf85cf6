//! File and folder names: encrypted under the name key, bound to their node
//! and parent, with a keyed MAC for "one name per folder".

use core::fmt;

use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Key32, Umk, hkdf_sha256, hmac_sha256, random_array};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// Unicode NFC normalisation, applied to every file and folder name before it
/// is encrypted or MACed.
#[must_use]
pub fn normalize_name(name: &str) -> String {
    name.nfc().collect()
}

/// Keys for file and folder names, derived from the UMK: one AES-256-GCM key
/// for the name ciphertext and a separate HMAC-SHA256 key for the per-folder
/// uniqueness tag (one key never serves two algorithms).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct NameKey {
    mac: Key32,
    /// The name encryption key's schedule, made once (the key itself is
    /// not kept): a listing or a search opens thousands of names with one
    /// key, and making the schedule cost about as much as opening a name.
    #[zeroize(skip)]
    cipher: ChunkCipher,
}

impl fmt::Debug for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NameKey(<redacted>)")
    }
}

fn name_aad(node_id: &[u8; 16], parent_id: &[u8; 16]) -> [u8; 36] {
    let mut aad = [0u8; 36];
    aad[..4].copy_from_slice(b"name");
    aad[4..20].copy_from_slice(node_id);
    aad[20..].copy_from_slice(parent_id);
    aad
}

impl NameKey {
    /// HKDF(UMK, "strongroom names enc") and HKDF(UMK, "strongroom names mac").
    #[must_use]
    pub fn derive(umk: &Umk) -> Self {
        let enc = hkdf_sha256(umk.as_bytes(), b"strongroom names enc");
        Self {
            cipher: ChunkCipher::new(enc.as_bytes()),
            mac: hkdf_sha256(umk.as_bytes(), b"strongroom names mac"),
        }
    }

    /// Encrypt a (normalised) name bound to its place:
    /// nonce 12 ‖ ciphertext ‖ tag 16, aad = "name" ‖ node_id ‖ parent_id.
    /// A rename or move re-encrypts the name.
    #[must_use]
    pub fn encrypt_name(
        &self,
        node_id: &[u8; 16],
        parent_id: &[u8; 16],
        nfc_name: &str,
    ) -> Vec<u8> {
        self.encrypt_name_with_nonce(node_id, parent_id, nfc_name, &random_array())
    }

    /// [`NameKey::encrypt_name`] with a fixed nonce, for known-answer tests only.
    #[doc(hidden)]
    #[must_use]
    pub fn encrypt_name_with_nonce(
        &self,
        node_id: &[u8; 16],
        parent_id: &[u8; 16],
        nfc_name: &str,
        nonce: &[u8; NONCE_LEN],
    ) -> Vec<u8> {
        let cipher = &self.cipher;
        let mut buf = Vec::with_capacity(NONCE_LEN + nfc_name.len() + TAG_LEN);
        buf.extend_from_slice(nfc_name.as_bytes());
        cipher.seal_in_place(nonce, &name_aad(node_id, parent_id), &mut buf);
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&buf);
        out
    }

    /// Decrypt a name produced by [`NameKey::encrypt_name`] for the same node
    /// and parent.
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] if the blob is shorter than nonce + tag;
    /// [`CryptoError::NameAuth`] if it fails to authenticate (other user's
    /// key, or moved to another node / parent) or is not UTF-8.
    pub fn decrypt_name(
        &self,
        node_id: &[u8; 16],
        parent_id: &[u8; 16],
        encrypted: &[u8],
    ) -> Result<String, CryptoError> {
        if encrypted.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::InvalidLength);
        }
        let (nonce, ct) = encrypted.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::InvalidLength)?;
        let cipher = &self.cipher;
        let mut buf = ct.to_vec();
        cipher
            .open_in_place(nonce, &name_aad(node_id, parent_id), &mut buf)
            .map_err(|()| CryptoError::NameAuth)?;
        String::from_utf8(buf).map_err(|_| CryptoError::NameAuth)
    }

    /// HMAC-SHA256(mac_key, parent_id ‖ NFC(name)): the "one name per folder"
    /// uniqueness tag. Equal names in different folders get unrelated tags.
    /// The name is NFC-normalised here as well, so composed and decomposed
    /// spellings always collide.
    #[must_use]
    pub fn name_mac(&self, parent_id: &[u8; 16], nfc_name: &str) -> [u8; 32] {
        let normalized = normalize_name(nfc_name);
        hmac_sha256(self.mac.as_bytes(), &[parent_id, normalized.as_bytes()])
    }
}
