//! The `SRM1` object format (docs/design.md §3): a chunked AEAD stream in the manner
//! of age's STREAM / MinIO's DARE.
//!
//! ```text
//! header  = "SRM1" | version u8 (1) | alg u8 (1 = AES-256-GCM) | chunk_log2 u8 (16)
//!         | reserved u8 (0) | object_id [16]
//!         | wrapped_dek (nonce 12 | ct 32 | tag 16)     -- aad "dek" ‖ user_id ‖ object_id
//!         | key_commitment [32] = HMAC-SHA256(DEK, "SRM1 commit" ‖ object_id)
//! body    = chunk*   chunk_i = AES-256-GCM(DEK, nonce_i, plaintext_i, aad = header)
//! nonce_i = 0u8[7] | i as u32 BE | last u8 (1 on the final chunk, else 0)
//! ```
//!
//! Every chunk but the last holds exactly 2^16 plaintext bytes; the last holds
//! 0..=2^16 (an empty object is one empty final chunk; a 65536-byte object is
//! one full chunk flagged last). At most `u32::MAX` chunks.
//!
//! This module is synchronous and allocation-light: [`Encryptor`],
//! [`StreamDecryptor`] and [`RangeDecryptor`] accept input split anywhere and
//! hold at most one chunk. The async adapters live in [`super::stream`].

mod decryptor;
mod encryptor;
mod header;
mod nonce;
mod range_decryptor;
mod sizes;
mod stream_decryptor;

pub use decryptor::Decryptor;
pub use encryptor::{BufferedEncryptor, Encryptor, encrypt_to_vec};
pub use range_decryptor::RangeDecryptor;
pub use sizes::{ChunkSpan, chunk_count, chunk_span, ciphertext_len, plaintext_len};
pub use stream_decryptor::StreamDecryptor;

/// Magic bytes at the start of every object.
pub const MAGIC: [u8; 4] = *b"SRM1";
/// The only format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Algorithm id for AES-256-GCM.
pub const ALG_AES256GCM: u8 = 1;
/// log2 of the plaintext chunk size; version 1 accepts only this value.
pub const DEFAULT_CHUNK_LOG2: u8 = 16;
/// Length of the header in bytes.
pub const HEADER_LEN: usize = 116;
/// Length of an AES-GCM tag (per chunk overhead).
pub const TAG_LEN: usize = super::cipher::TAG_LEN;
/// Plaintext bytes in every chunk but the last.
pub const CHUNK_LEN: usize = 1 << DEFAULT_CHUNK_LOG2;
/// Ciphertext bytes of a full chunk (plaintext + tag).
pub const CIPHER_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;
/// Largest number of chunks in one object.
pub const MAX_CHUNKS: u64 = u32::MAX as u64;
/// Largest plaintext that fits in one object (just under 256 TiB).
pub const MAX_PLAINTEXT_LEN: u64 = MAX_CHUNKS * CHUNK_LEN as u64;

/// Header byte ranges (public so tests and tools can address them).
pub mod layout {
    use core::ops::Range;
    /// `"SRM1"`.
    pub const MAGIC: Range<usize> = 0..4;
    /// Version byte.
    pub const VERSION: usize = 4;
    /// Algorithm byte.
    pub const ALG: usize = 5;
    /// Chunk size byte (log2).
    pub const CHUNK_LOG2: usize = 6;
    /// Reserved byte, must be zero.
    pub const RESERVED: usize = 7;
    /// Object id.
    pub const OBJECT_ID: Range<usize> = 8..24;
    /// Wrapped DEK (nonce ‖ ciphertext ‖ tag).
    pub const WRAPPED_DEK: Range<usize> = 24..84;
    /// Key commitment.
    pub const COMMITMENT: Range<usize> = 84..116;
}
