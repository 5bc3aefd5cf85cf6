//! Header checks shared by the encryptor and the decryptors: the key
//! commitment, the fixed fields and the object id.

use subtle::ConstantTimeEq;

use super::{ALG_AES256GCM, DEFAULT_CHUNK_LOG2, HEADER_LEN, MAGIC, VERSION, layout};
use crate::crypto::CryptoError;
use crate::crypto::keys::{Dek, hmac_sha256};

pub(super) fn commitment(dek: &Dek, object_id: &[u8; 16]) -> [u8; 32] {
    hmac_sha256(dek.as_bytes(), &[b"SRM1 commit", object_id])
}

/// Check the fixed fields present in `prefix` (which may be shorter than a
/// header): magic, version, algorithm, chunk size, reserved byte.
pub(super) fn check_prefix(prefix: &[u8]) -> Result<(), CryptoError> {
    let n = prefix.len().min(layout::MAGIC.end);
    if prefix[..n] != MAGIC[..n] {
        return Err(CryptoError::BadMagic);
    }
    if let Some(&v) = prefix.get(layout::VERSION)
        && v != VERSION
    {
        return Err(CryptoError::UnsupportedVersion(v));
    }
    if let Some(&a) = prefix.get(layout::ALG)
        && a != ALG_AES256GCM
    {
        return Err(CryptoError::UnsupportedAlgorithm(a));
    }
    if let Some(&c) = prefix.get(layout::CHUNK_LOG2)
        && c != DEFAULT_CHUNK_LOG2
    {
        return Err(CryptoError::BadChunkSize(c));
    }
    if let Some(&r) = prefix.get(layout::RESERVED)
        && r != 0
    {
        return Err(CryptoError::BadHeader);
    }
    Ok(())
}

/// Validate the fixed fields and the expected object id; returns the header
/// as an array and the object id.
pub(super) fn parse_header(
    header: &[u8],
    expected_object_id: Option<[u8; 16]>,
) -> Result<([u8; HEADER_LEN], [u8; 16]), CryptoError> {
    check_prefix(header)?;
    let header: [u8; HEADER_LEN] = match header.len() {
        HEADER_LEN => header.try_into().map_err(|_| CryptoError::BadHeader)?,
        n if n < HEADER_LEN => return Err(CryptoError::BadHeader),
        _ => return Err(CryptoError::InvalidLength),
    };
    let object_id: [u8; 16] = header[layout::OBJECT_ID]
        .try_into()
        .map_err(|_| CryptoError::BadHeader)?;
    if let Some(expected) = expected_object_id
        && !bool::from(expected.ct_eq(&object_id))
    {
        return Err(CryptoError::ObjectIdMismatch);
    }
    Ok((header, object_id))
}
