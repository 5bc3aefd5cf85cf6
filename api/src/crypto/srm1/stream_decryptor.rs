//! The streaming decryptor over a whole object, header first.

use super::header::check_prefix;
use super::{CIPHER_CHUNK_LEN, Decryptor, HEADER_LEN};
use crate::crypto::CryptoError;
use crate::crypto::keys::{Dek, Umk};

enum KeySource {
    Umk { umk: Umk, user_id: [u8; 16] },
    Dek(Dek),
}

/// Streaming SRM1 decryptor over a whole object (header first), split
/// anywhere. Plaintext is released one verified chunk at a time; a full chunk
/// is held back until it is known whether more bytes follow.
///
/// After any error the decryptor is poisoned and keeps returning that error.
pub struct StreamDecryptor {
    key: Option<KeySource>,
    expected_object_id: Option<[u8; 16]>,
    header_buf: Vec<u8>,
    dec: Option<Decryptor>,
    pending: Vec<u8>,
    index: u64,
    failed: Option<CryptoError>,
}

impl core::fmt::Debug for StreamDecryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamDecryptor")
            .field("chunks_read", &self.index)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl StreamDecryptor {
    fn with_key(
        key: Option<KeySource>,
        expected_object_id: Option<[u8; 16]>,
        dec: Option<Decryptor>,
    ) -> Self {
        Self {
            key,
            expected_object_id,
            header_buf: Vec::with_capacity(HEADER_LEN),
            dec,
            pending: Vec::with_capacity(CIPHER_CHUNK_LEN),
            index: 0,
            failed: None,
        }
    }

    /// Decrypt a whole object (header included) of `user_id` with their UMK.
    /// `expected_object_id` should be given whenever it is known (it always
    /// is for `{user_id}/{object_id}` keys).
    #[must_use]
    pub fn new(umk: &Umk, user_id: [u8; 16], expected_object_id: Option<[u8; 16]>) -> Self {
        Self::with_key(
            Some(KeySource::Umk {
                umk: umk.clone(),
                user_id,
            }),
            expected_object_id,
            None,
        )
    }

    /// Decrypt a whole object (header included) with its DEK (download token).
    #[must_use]
    pub fn with_dek(dek: Dek, expected_object_id: Option<[u8; 16]>) -> Self {
        Self::with_key(Some(KeySource::Dek(dek)), expected_object_id, None)
    }

    /// Decrypt the **body only** (the bytes after the header) of an object
    /// whose header was already verified into `dec`.
    #[must_use]
    pub fn from_decryptor(dec: Decryptor) -> Self {
        Self::with_key(None, None, Some(dec))
    }

    /// The verified header, once it has been read.
    #[must_use]
    pub const fn decryptor(&self) -> Option<&Decryptor> {
        self.dec.as_ref()
    }

    /// Feed more of the object; verified plaintext is appended to `out`.
    ///
    /// # Errors
    /// Any header error (see [`Decryptor::new`]); [`CryptoError::ChunkAuth`]
    /// for a chunk that does not authenticate; [`CryptoError::TrailingData`]
    /// if bytes follow a chunk that authenticates as the final one.
    pub fn update(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.update_inner(input, out);
        if let Err(e) = &r {
            self.poison(e.clone());
        }
        r
    }

    fn poison(&mut self, e: CryptoError) {
        self.failed = Some(e);
        self.pending.clear();
        self.key = None;
    }

    fn update_inner(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if self.dec.is_none() {
            let take = (HEADER_LEN - self.header_buf.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            self.header_buf.extend_from_slice(now);
            input = rest;
            check_prefix(&self.header_buf)?;
            if self.header_buf.len() < HEADER_LEN {
                return Ok(());
            }
            let dec = match self.key.take() {
                Some(KeySource::Umk { umk, user_id }) => {
                    Decryptor::new(&self.header_buf, &umk, user_id, self.expected_object_id)?
                }
                Some(KeySource::Dek(dek)) => {
                    Decryptor::from_dek(&self.header_buf, dek, self.expected_object_id)?
                }
                None => return Err(CryptoError::BadHeader),
            };
            self.dec = Some(dec);
        }
        let Some(dec) = self.dec.as_ref() else {
            return Err(CryptoError::BadHeader);
        };
        while !input.is_empty() {
            if self.pending.len() == CIPHER_CHUNK_LEN {
                // Bytes follow this full chunk, so it must not be the last.
                if let Err(e) = dec.open_chunk_in_place(self.index, &mut self.pending, false) {
                    // Distinguish "a valid final chunk with junk after it"
                    // from a corrupt chunk. The failed open left the
                    // ciphertext intact; the plaintext of a successful retry
                    // is discarded, never emitted.
                    return Err(
                        if dec
                            .open_chunk_in_place(self.index, &mut self.pending, true)
                            .is_ok()
                        {
                            CryptoError::TrailingData
                        } else {
                            e
                        },
                    );
                }
                out.extend_from_slice(&self.pending);
                self.pending.clear();
                self.index += 1;
            }
            // A whole chunk in the input with more bytes after it (so not
            // the last): decrypted from the input straight onto `out`,
            // without copying it aside first. A failure falls through to
            // the copying path, which tells the two errors apart.
            if self.pending.is_empty() && input.len() > CIPHER_CHUNK_LEN {
                let (chunk, rest) = input.split_at(CIPHER_CHUNK_LEN);
                if dec.open_middle_chunk_onto(self.index, chunk, out).is_ok() {
                    self.index += 1;
                    input = rest;
                    continue;
                }
            }
            let take = (CIPHER_CHUNK_LEN - self.pending.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            self.pending.extend_from_slice(now);
            input = rest;
        }
        Ok(())
    }

    /// End of input: verify and emit the final chunk.
    ///
    /// # Errors
    /// [`CryptoError::Truncated`] if the stream ended inside the header, right
    /// after the header, or after a chunk that authenticates only as a
    /// non-final chunk; [`CryptoError::ChunkAuth`] if the remaining bytes do
    /// not authenticate as the final chunk; any earlier error again.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let Some(dec) = self.dec.as_ref() else {
            return Err(CryptoError::Truncated);
        };
        if self.pending.is_empty() {
            return Err(CryptoError::Truncated);
        }
        match dec.open_chunk_in_place(self.index, &mut self.pending, true) {
            Ok(()) => {
                out.extend_from_slice(&self.pending);
                Ok(())
            }
            Err(e) => {
                if self.pending.len() == CIPHER_CHUNK_LEN
                    && dec
                        .open_chunk_in_place(self.index, &mut self.pending, false)
                        .is_ok()
                {
                    // An authentic middle chunk: the final chunk was cut off.
                    self.pending.clear();
                    Err(CryptoError::Truncated)
                } else {
                    Err(e)
                }
            }
        }
    }
}
