//! Key wrapping: a 32-byte key under another with AES-256-GCM, bound by
//! associated data to its owner (UMK under a KEK, DEK under the UMK).

use zeroize::Zeroizing;

use super::{Dek, Key32, Umk, WRAPPED_KEY_LEN, random_array};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// Wrap a 32-byte key: AES-256-GCM(wrapping, key, aad) as
/// nonce 12 ‖ ciphertext 32 ‖ tag 16, with a random nonce.
#[must_use]
pub fn wrap_key(wrapping: &impl AsRef<Key32>, key: &[u8; 32], aad: &[u8]) -> [u8; WRAPPED_KEY_LEN] {
    wrap_key_with_nonce(wrapping, key, aad, &random_array())
}

/// [`wrap_key`] with a caller-chosen nonce. Only for known-answer tests:
/// reusing a nonce under the same wrapping key breaks AES-GCM.
#[doc(hidden)]
#[must_use]
pub fn wrap_key_with_nonce(
    wrapping: &impl AsRef<Key32>,
    key: &[u8; 32],
    aad: &[u8],
    nonce: &[u8; NONCE_LEN],
) -> [u8; WRAPPED_KEY_LEN] {
    let cipher = ChunkCipher::new(wrapping.as_ref().as_bytes());
    let mut buf = Zeroizing::new(Vec::with_capacity(32 + TAG_LEN));
    buf.extend_from_slice(key);
    cipher.seal_in_place(nonce, aad, &mut buf);
    let mut out = [0u8; WRAPPED_KEY_LEN];
    out[..NONCE_LEN].copy_from_slice(nonce);
    out[NONCE_LEN..].copy_from_slice(&buf);
    out
}

/// Unwrap a key produced by [`wrap_key`] with the same wrapping key and aad.
///
/// # Errors
/// [`CryptoError::KeyUnwrap`] if the blob has the wrong length or fails to
/// authenticate (wrong key, or aad of another user / object).
pub fn unwrap_key(
    wrapping: &impl AsRef<Key32>,
    wrapped: &[u8],
    aad: &[u8],
) -> Result<Key32, CryptoError> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(CryptoError::KeyUnwrap);
    }
    let (nonce, ct) = wrapped.split_at(NONCE_LEN);
    let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::KeyUnwrap)?;
    let cipher = ChunkCipher::new(wrapping.as_ref().as_bytes());
    let mut buf = Zeroizing::new(Vec::with_capacity(32 + TAG_LEN));
    buf.extend_from_slice(ct);
    cipher
        .open_in_place(nonce, aad, &mut buf)
        .map_err(|()| CryptoError::KeyUnwrap)?;
    let mut key = Zeroizing::new([0u8; 32]);
    if buf.len() != 32 {
        return Err(CryptoError::KeyUnwrap);
    }
    key.copy_from_slice(&buf);
    Ok(Key32::from_bytes(*key))
}

fn umk_aad(user_id: &[u8; 16]) -> [u8; 19] {
    let mut aad = [0u8; 19];
    aad[..3].copy_from_slice(b"umk");
    aad[3..].copy_from_slice(user_id);
    aad
}

pub(crate) fn dek_aad(user_id: &[u8; 16], object_id: &[u8; 16]) -> [u8; 35] {
    let mut aad = [0u8; 35];
    aad[..3].copy_from_slice(b"dek");
    aad[3..19].copy_from_slice(user_id);
    aad[19..].copy_from_slice(object_id);
    aad
}

/// Wrap the UMK under a KEK (password or recovery code), aad = "umk" ‖ user_id.
/// Also usable with any other `Key32`-like wrapping key (token secret,
/// refresh-token key) through [`wrap_key`].
#[must_use]
pub fn wrap_umk(kek: &impl AsRef<Key32>, umk: &Umk, user_id: &[u8; 16]) -> [u8; WRAPPED_KEY_LEN] {
    wrap_key(kek, umk.as_bytes(), &umk_aad(user_id))
}

/// [`wrap_umk`] with a fixed nonce, for known-answer tests only.
#[doc(hidden)]
#[must_use]
pub fn wrap_umk_with_nonce(
    kek: &impl AsRef<Key32>,
    umk: &Umk,
    user_id: &[u8; 16],
    nonce: &[u8; NONCE_LEN],
) -> [u8; WRAPPED_KEY_LEN] {
    wrap_key_with_nonce(kek, umk.as_bytes(), &umk_aad(user_id), nonce)
}

/// Unwrap a UMK wrapped by [`wrap_umk`].
///
/// # Errors
/// [`CryptoError::KeyUnwrap`] for a wrong KEK or another user's blob.
pub fn unwrap_umk(
    kek: &impl AsRef<Key32>,
    wrapped: &[u8],
    user_id: &[u8; 16],
) -> Result<Umk, CryptoError> {
    unwrap_key(kek, wrapped, &umk_aad(user_id)).map(Umk::from)
}

/// Wrap a DEK under the UMK, aad = "dek" ‖ user_id ‖ object_id.
#[must_use]
pub fn wrap_dek(
    umk: &Umk,
    dek: &Dek,
    user_id: &[u8; 16],
    object_id: &[u8; 16],
) -> [u8; WRAPPED_KEY_LEN] {
    wrap_key(umk, dek.as_bytes(), &dek_aad(user_id, object_id))
}

/// Unwrap a DEK wrapped by [`wrap_dek`].
///
/// # Errors
/// [`CryptoError::KeyUnwrap`] for a wrong UMK, or a blob of another user or
/// object.
pub fn unwrap_dek(
    umk: &Umk,
    wrapped: &[u8],
    user_id: &[u8; 16],
    object_id: &[u8; 16],
) -> Result<Dek, CryptoError> {
    unwrap_key(umk, wrapped, &dek_aad(user_id, object_id)).map(Dek::from)
}
