//! Strongroom cryptography: key hierarchy (docs/design.md §2) and the `SRM1` object
//! format (docs/design.md §3).
//!
//! * [`keys`] — password hashing, KEK derivation, UMK/DEK wrapping, name keys.
//! * [`srm1`] — the synchronous, streaming `SRM1` encryptor / decryptor and the
//!   size and range arithmetic.
//! * [`stream`] — async adapters over `Stream<Item = Result<Bytes, E>>`.
//!
//! The AEAD primitive itself is only reached through the private `cipher`
//! module, so the backend can be swapped in one file.

#![forbid(unsafe_code)]

mod cipher;
pub mod keys;
pub mod srm1;
pub mod stream;

pub use keys::{
    Dek, KdfParams, Kek, Key32, NameKey, Umk, WRAPPED_KEY_LEN, derive_kek, dummy_password_hash,
    hash_password, hkdf_sha256, normalize_name, random_salt, unwrap_dek, unwrap_key, unwrap_umk,
    verify_password, wrap_dek, wrap_key, wrap_umk,
};
pub use srm1::{
    ChunkSpan, Decryptor, Encryptor, HEADER_LEN, RangeDecryptor, StreamDecryptor, chunk_count,
    chunk_span, ciphertext_len, plaintext_len,
};
pub use stream::{decrypt_range_stream, decrypt_stream, encrypt_stream};

/// Every way a cryptographic operation can fail.
///
/// Each failure class has its own variant so callers (and tests) can tell them
/// apart. No variant carries key material; the only payloads are format bytes
/// that are public anyway and chunk indices.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The object does not start with the `SRM1` magic.
    #[error("not an SRM1 object (bad magic)")]
    BadMagic,
    /// The header names a format version this build does not know.
    #[error("unsupported SRM1 version {0}")]
    UnsupportedVersion(u8),
    /// The header names an unknown AEAD algorithm.
    #[error("unsupported SRM1 algorithm {0}")]
    UnsupportedAlgorithm(u8),
    /// The header names a chunk size this build does not accept.
    #[error("unsupported SRM1 chunk size 2^{0}")]
    BadChunkSize(u8),
    /// The header is too short or its reserved byte is not zero.
    #[error("malformed SRM1 header")]
    BadHeader,
    /// A wrapped key failed to authenticate: wrong wrapping key, or the
    /// wrapped key was moved to another user / object.
    #[error("wrapped key failed to authenticate (wrong key or wrong owner/object)")]
    KeyUnwrap,
    /// The header's key commitment does not match its data key.
    #[error("key commitment mismatch")]
    CommitmentMismatch,
    /// The header belongs to a different object than the one requested.
    #[error("object id in header does not match the expected object")]
    ObjectIdMismatch,
    /// A file's record does not carry a valid binding to its content: the
    /// record was altered (swapped, edited or copied from another node).
    #[error("the file's record is not bound to its content")]
    RecordBinding,
    /// A chunk failed to authenticate (tampered, reordered, moved, cut).
    #[error("chunk {index} failed to authenticate")]
    ChunkAuth {
        /// Zero-based index of the failing chunk.
        index: u64,
    },
    /// The stream ended before the final chunk.
    #[error("object is truncated (no final chunk)")]
    Truncated,
    /// Bytes follow the final chunk.
    #[error("unexpected data after the final chunk")]
    TrailingData,
    /// A length is out of range (too large an object, bad ciphertext size,
    /// bad byte range, malformed blob).
    #[error("invalid length")]
    InvalidLength,
    /// An encrypted file or folder name failed to authenticate (wrong key,
    /// or the name was moved to another node or parent).
    #[error("encrypted name failed to authenticate")]
    NameAuth,
    /// A sealed email or display name failed to authenticate (another
    /// token secret, or moved to another user or field).
    #[error("sealed account field failed to authenticate")]
    ProfileAuth,
    /// What a share link opens failed to authenticate (another share's, or altered).
    #[error("share content failed to authenticate")]
    ShareAuth,
    /// Sealed WebDAV dead properties failed to authenticate (moved to
    /// another node or user, or altered).
    #[error("sealed properties failed to authenticate")]
    PropsAuth,
    /// A sealed listing snapshot failed to authenticate (moved to another
    /// folder or user, or altered).
    #[error("sealed listing snapshot failed to authenticate")]
    ListingSnapshotAuth,
    /// Argon2 failed (bad parameters, malformed PHC string).
    #[error("key derivation failed")]
    Kdf,
}
