//! Decryption of a ciphertext byte range (whole chunks) to exactly the
//! requested plaintext bytes.

use super::sizes::chunk_ciphertext_len;
use super::{CHUNK_LEN, CIPHER_CHUNK_LEN, ChunkSpan, Decryptor, chunk_count};
use crate::crypto::CryptoError;

/// Decrypts the ciphertext byte range described by a [`ChunkSpan`] (whole
/// chunks, fetched with an HTTP/S3 ranged read) and outputs exactly the
/// requested plaintext bytes.
pub struct RangeDecryptor {
    dec: Decryptor,
    span: ChunkSpan,
    index: u64,
    pending: Vec<u8>,
    skip: usize,
    remaining: u64,
    failed: Option<CryptoError>,
}

impl core::fmt::Debug for RangeDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RangeDecryptor")
            .field("span", &self.span)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl RangeDecryptor {
    /// `dec` must come from the object's verified header; `span` from
    /// [`chunk_span`](super::chunk_span) for the same object.
    #[must_use]
    pub fn new(dec: Decryptor, span: ChunkSpan) -> Self {
        Self {
            dec,
            span,
            index: span.first_chunk,
            pending: Vec::with_capacity(CIPHER_CHUNK_LEN),
            // skip < CHUNK_LEN by construction; clamp defensively.
            skip: usize::try_from(span.skip).unwrap_or(CHUNK_LEN),
            remaining: span.take,
            failed: None,
        }
    }

    /// Feed more of the ciphertext range; requested plaintext goes to `out`.
    ///
    /// # Errors
    /// [`CryptoError::ChunkAuth`] for a chunk that does not authenticate;
    /// [`CryptoError::TrailingData`] for bytes past the span.
    pub fn update(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        while !input.is_empty() {
            if self.index > self.span.last_chunk {
                let e = CryptoError::TrailingData;
                self.failed = Some(e.clone());
                return Err(e);
            }
            let want = chunk_ciphertext_len(self.span.plaintext_len, self.index);
            let want = usize::try_from(want).unwrap_or(CIPHER_CHUNK_LEN);
            let take = want.saturating_sub(self.pending.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            self.pending.extend_from_slice(now);
            input = rest;
            if self.pending.len() == want {
                let last = self.index + 1 == chunk_count(self.span.plaintext_len);
                if let Err(e) = self
                    .dec
                    .open_chunk_in_place(self.index, &mut self.pending, last)
                {
                    self.pending.clear();
                    self.failed = Some(e.clone());
                    return Err(e);
                }
                let start = self.skip.min(self.pending.len());
                let avail = &self.pending[start..];
                let n = usize::try_from(self.remaining)
                    .unwrap_or(usize::MAX)
                    .min(avail.len());
                out.extend_from_slice(&avail[..n]);
                self.remaining -= n as u64;
                self.skip = 0;
                self.pending.clear();
                self.index += 1;
            }
        }
        Ok(())
    }

    /// End of the range.
    ///
    /// # Errors
    /// [`CryptoError::Truncated`] if the range ended before its last chunk
    /// was complete; any earlier error again.
    pub fn finish(self, _out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.index <= self.span.last_chunk || self.remaining != 0 {
            return Err(CryptoError::Truncated);
        }
        Ok(())
    }
}
