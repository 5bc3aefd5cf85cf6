//! Size arithmetic: object size from plaintext size and back, and the chunks
//! a plaintext byte range touches.

use core::ops::Range;

use super::{CHUNK_LEN, CIPHER_CHUNK_LEN, HEADER_LEN, MAX_CHUNKS, MAX_PLAINTEXT_LEN, TAG_LEN};
use crate::crypto::CryptoError;

const CHUNK_LEN_U64: u64 = CHUNK_LEN as u64;
const CIPHER_CHUNK_LEN_U64: u64 = CIPHER_CHUNK_LEN as u64;
const HEADER_LEN_U64: u64 = HEADER_LEN as u64;
const TAG_LEN_U64: u64 = TAG_LEN as u64;

/// Number of chunks for a plaintext of `plaintext_len` bytes (at least one:
/// an empty object has one empty final chunk).
#[must_use]
pub const fn chunk_count(plaintext_len: u64) -> u64 {
    if plaintext_len == 0 {
        1
    } else {
        plaintext_len.div_ceil(CHUNK_LEN_U64)
    }
}

/// Exact object size for a plaintext size (S3 needs it up front).
///
/// # Errors
/// [`CryptoError::InvalidLength`] above [`MAX_PLAINTEXT_LEN`].
pub const fn ciphertext_len(plaintext_len: u64) -> Result<u64, CryptoError> {
    if plaintext_len > MAX_PLAINTEXT_LEN {
        return Err(CryptoError::InvalidLength);
    }
    Ok(HEADER_LEN_U64 + plaintext_len + TAG_LEN_U64 * chunk_count(plaintext_len))
}

/// Exact inverse of [`ciphertext_len`].
///
/// # Errors
/// [`CryptoError::InvalidLength`] for any size no plaintext encrypts to.
pub const fn plaintext_len(ciphertext_len: u64) -> Result<u64, CryptoError> {
    let Some(body) = ciphertext_len.checked_sub(HEADER_LEN_U64) else {
        return Err(CryptoError::InvalidLength);
    };
    let full = body / CIPHER_CHUNK_LEN_U64;
    let rem = body % CIPHER_CHUNK_LEN_U64;
    let (chunks, plain) = if rem == 0 {
        if full == 0 {
            return Err(CryptoError::InvalidLength);
        }
        (full, full * CHUNK_LEN_U64)
    } else {
        // A short final chunk: at least a tag, and an empty final chunk only
        // exists in an empty object.
        if rem < TAG_LEN_U64 || (rem == TAG_LEN_U64 && full > 0) {
            return Err(CryptoError::InvalidLength);
        }
        (full + 1, full * CHUNK_LEN_U64 + rem - TAG_LEN_U64)
    };
    if chunks > MAX_CHUNKS {
        return Err(CryptoError::InvalidLength);
    }
    Ok(plain)
}

/// Ciphertext length of chunk `index` in an object of `plaintext_len` bytes.
pub(super) const fn chunk_ciphertext_len(plaintext_len: u64, index: u64) -> u64 {
    if index + 1 < chunk_count(plaintext_len) {
        CIPHER_CHUNK_LEN_U64
    } else {
        plaintext_len.saturating_sub(index.saturating_mul(CHUNK_LEN_U64)) + TAG_LEN_U64
    }
}

/// What to fetch and decrypt for a plaintext byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSpan {
    /// First chunk index touched by the range.
    pub first_chunk: u64,
    /// Last chunk index touched by the range (inclusive).
    pub last_chunk: u64,
    /// Offset in the object of the first chunk's ciphertext.
    pub ciphertext_offset: u64,
    /// Number of ciphertext bytes to fetch (whole chunks).
    pub ciphertext_len: u64,
    /// Plaintext bytes to drop from the start of the first chunk.
    pub skip: u64,
    /// Total plaintext bytes to output.
    pub take: u64,
    /// Plaintext length of the whole object (tells which chunk is final).
    pub plaintext_len: u64,
}

impl ChunkSpan {
    /// The object byte range to fetch (`ciphertext_offset..offset+len`).
    #[must_use]
    pub const fn ciphertext_range(&self) -> Range<u64> {
        self.ciphertext_offset..self.ciphertext_offset + self.ciphertext_len
    }
}

/// Map the plaintext range `start..=end_inclusive` of an object of
/// `plaintext_len` bytes onto whole chunks.
///
/// # Errors
/// [`CryptoError::InvalidLength`] if the range is empty, reversed, or not
/// inside the object (HTTP layer answers 416 before calling this).
pub const fn chunk_span(
    plaintext_len: u64,
    start: u64,
    end_inclusive: u64,
) -> Result<ChunkSpan, CryptoError> {
    if start > end_inclusive || end_inclusive >= plaintext_len || plaintext_len > MAX_PLAINTEXT_LEN
    {
        return Err(CryptoError::InvalidLength);
    }
    let first_chunk = start / CHUNK_LEN_U64;
    let last_chunk = end_inclusive / CHUNK_LEN_U64;
    let ciphertext_offset = HEADER_LEN_U64 + first_chunk * CIPHER_CHUNK_LEN_U64;
    let ciphertext_len = (last_chunk - first_chunk) * CIPHER_CHUNK_LEN_U64
        + chunk_ciphertext_len(plaintext_len, last_chunk);
    Ok(ChunkSpan {
        first_chunk,
        last_chunk,
        ciphertext_offset,
        ciphertext_len,
        skip: start - first_chunk * CHUNK_LEN_U64,
        take: end_inclusive - start + 1,
        plaintext_len,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::crypto::srm1::layout;

    #[test]
    fn sizes() {
        assert_eq!(HEADER_LEN, layout::COMMITMENT.end);
        assert_eq!(ciphertext_len(0).unwrap(), 116 + 16);
        assert_eq!(ciphertext_len(1).unwrap(), 116 + 17);
        assert_eq!(ciphertext_len(65536).unwrap(), 116 + 65552);
        assert_eq!(ciphertext_len(65537).unwrap(), 116 + 65552 + 17);
        assert_eq!(
            ciphertext_len(MAX_PLAINTEXT_LEN).unwrap(),
            116 + MAX_PLAINTEXT_LEN + 16 * MAX_CHUNKS
        );
        assert_eq!(
            ciphertext_len(MAX_PLAINTEXT_LEN + 1),
            Err(CryptoError::InvalidLength)
        );
        assert_eq!(
            plaintext_len(116 + 65552 + 16),
            Err(CryptoError::InvalidLength)
        );
        assert_eq!(plaintext_len(116 + 15), Err(CryptoError::InvalidLength));
        assert_eq!(plaintext_len(116), Err(CryptoError::InvalidLength));
        assert_eq!(plaintext_len(0), Err(CryptoError::InvalidLength));
        assert_eq!(
            plaintext_len(ciphertext_len(MAX_PLAINTEXT_LEN).unwrap() + 17),
            Err(CryptoError::InvalidLength)
        );
        assert_eq!(
            plaintext_len(ciphertext_len(MAX_PLAINTEXT_LEN).unwrap()),
            Ok(MAX_PLAINTEXT_LEN)
        );
        assert_eq!(chunk_count(0), 1);
        assert_eq!(chunk_count(65536), 1);
        assert_eq!(chunk_count(65537), 2);
    }

    #[test]
    fn span_basic() {
        let s = chunk_span(200_000, 65_535, 65_536).unwrap();
        assert_eq!(
            (s.first_chunk, s.last_chunk, s.skip, s.take),
            (0, 1, 65_535, 2)
        );
        assert_eq!(s.ciphertext_offset, 116);
        assert_eq!(s.ciphertext_len, 2 * 65_552);
        let s = chunk_span(200_000, 199_999, 199_999).unwrap();
        assert_eq!(s.first_chunk, 3);
        assert_eq!(s.ciphertext_range().end, ciphertext_len(200_000).unwrap());
        assert!(chunk_span(10, 5, 4).is_err());
        assert!(chunk_span(10, 0, 10).is_err());
        assert!(chunk_span(0, 0, 0).is_err());
    }
}
