//! The streaming encryptor.

use super::header::commitment;
use super::nonce::chunk_nonce;
use super::{
    ALG_AES256GCM, CHUNK_LEN, CIPHER_CHUNK_LEN, DEFAULT_CHUNK_LOG2, HEADER_LEN, MAGIC, VERSION,
    ciphertext_len, layout,
};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN};
use crate::crypto::keys::{Dek, Umk, WRAPPED_KEY_LEN, dek_aad, random_array, wrap_key_with_nonce};

/// Streaming SRM1 encryptor. Feed plaintext split anywhere with
/// [`Encryptor::update`], then call [`Encryptor::finish`]. Holds back at most
/// one chunk of plaintext (a full chunk is only "last" if nothing follows).
pub struct Encryptor {
    cipher: ChunkCipher,
    header: [u8; HEADER_LEN],
    header_written: bool,
    buf: Vec<u8>,
    index: u64,
    dek: Dek,
}

impl core::fmt::Debug for Encryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Encryptor")
            .field("chunks_written", &self.index)
            .finish_non_exhaustive()
    }
}

impl Encryptor {
    /// A new object for `user_id` / `object_id` with a fresh random DEK,
    /// wrapped under `umk`.
    #[must_use]
    pub fn new(umk: &Umk, user_id: [u8; 16], object_id: [u8; 16]) -> Self {
        Self::with_parts(Dek::random(), random_array(), umk, user_id, object_id)
    }

    /// Build from fixed parts. Only for known-answer vectors: a fixed DEK or
    /// wrap nonce must never be used for real data.
    #[doc(hidden)]
    #[must_use]
    pub fn with_parts(
        dek: Dek,
        wrap_nonce: [u8; NONCE_LEN],
        umk: &Umk,
        user_id: [u8; 16],
        object_id: [u8; 16],
    ) -> Self {
        let wrapped: [u8; WRAPPED_KEY_LEN] = wrap_key_with_nonce(
            umk,
            dek.as_bytes(),
            &dek_aad(&user_id, &object_id),
            &wrap_nonce,
        );
        let mut header = [0u8; HEADER_LEN];
        header[layout::MAGIC].copy_from_slice(&MAGIC);
        header[layout::VERSION] = VERSION;
        header[layout::ALG] = ALG_AES256GCM;
        header[layout::CHUNK_LOG2] = DEFAULT_CHUNK_LOG2;
        header[layout::RESERVED] = 0;
        header[layout::OBJECT_ID].copy_from_slice(&object_id);
        header[layout::WRAPPED_DEK].copy_from_slice(&wrapped);
        header[layout::COMMITMENT].copy_from_slice(&commitment(&dek, &object_id));
        Self {
            cipher: ChunkCipher::new(dek.as_bytes()),
            header,
            header_written: false,
            buf: Vec::with_capacity(CIPHER_CHUNK_LEN),
            index: 0,
            dek,
        }
    }

    /// The object's header (also the first bytes written to `out`).
    #[must_use]
    pub const fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// The object's data key (e.g. to mint a single-file download token).
    #[must_use]
    pub const fn dek(&self) -> &Dek {
        &self.dek
    }

    fn write_header(&mut self, out: &mut Vec<u8>) {
        if !self.header_written {
            out.extend_from_slice(&self.header);
            self.header_written = true;
        }
    }

    fn seal_pending(&mut self, last: bool, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        let nonce = chunk_nonce(self.index, last).ok_or(CryptoError::InvalidLength)?;
        self.cipher
            .seal_in_place(&nonce, &self.header, &mut self.buf);
        out.extend_from_slice(&self.buf);
        self.buf.clear();
        self.index += 1;
        Ok(())
    }

    /// Encrypt more plaintext. Appends the header (first call only) and every
    /// chunk completed *and known not to be last* to `out`.
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] once the object would exceed
    /// [`MAX_CHUNKS`](super::MAX_CHUNKS) chunks.
    pub fn update(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), CryptoError> {
        self.write_header(out);
        while !input.is_empty() {
            if self.buf.len() == CHUNK_LEN {
                // More plaintext follows, so the held-back chunk is not last.
                self.seal_pending(false, out)?;
            }
            let take = (CHUNK_LEN - self.buf.len()).min(input.len());
            let (now, rest) = input.split_at(take);
            self.buf.extend_from_slice(now);
            input = rest;
        }
        Ok(())
    }

    /// Emit the final chunk (and the header if nothing was written yet).
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] if the object is too large.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), CryptoError> {
        self.write_header(out);
        self.seal_pending(true, out)
    }
}

/// An [`Encryptor`] that gathers plaintext in its output buffer and seals
/// each chunk where it lies, so a byte is copied once (into the buffer)
/// instead of twice (into the held-back chunk, then to the output).
///
/// The buffer's front, [`sealed_len`](Self::sealed_len) bytes, is finished
/// ciphertext (the header first); its tail is at most one chunk of
/// plaintext, held back until it is known whether it is the last. Only the
/// front is ever handed out.
pub struct BufferedEncryptor {
    enc: Encryptor,
    out: Vec<u8>,
    sealed: usize,
}

impl core::fmt::Debug for BufferedEncryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BufferedEncryptor")
            .field("chunks_written", &self.enc.index)
            .field("sealed", &self.sealed)
            .finish_non_exhaustive()
    }
}

impl BufferedEncryptor {
    /// Carries on `enc`'s object in `out` (cleared first): from its start,
    /// the header being the first sealed bytes, or after what
    /// [`Encryptor::update`] already gave, with the chunk it holds back.
    #[must_use]
    pub fn new(mut enc: Encryptor, mut out: Vec<u8>) -> Self {
        out.clear();
        enc.write_header(&mut out);
        let sealed = out.len();
        out.extend_from_slice(&enc.buf);
        enc.buf = Vec::new();
        Self { enc, out, sealed }
    }

    /// Takes plaintext until `input` is used up, or until the sealed front
    /// reaches `hand_off` bytes, checked each time a chunk is sealed (then
    /// nothing is held back). Returns the part of `input` not taken.
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] once the object would exceed
    /// [`MAX_CHUNKS`](super::MAX_CHUNKS) chunks.
    pub fn push<'a>(
        &mut self,
        mut input: &'a [u8],
        hand_off: usize,
    ) -> Result<&'a [u8], CryptoError> {
        while !input.is_empty() {
            if self.out.len() - self.sealed == CHUNK_LEN {
                // More plaintext follows, so the held-back chunk is not last.
                self.seal_held(false)?;
                if self.sealed >= hand_off {
                    return Ok(input);
                }
            }
            let take = (CHUNK_LEN - (self.out.len() - self.sealed)).min(input.len());
            let (now, rest) = input.split_at(take);
            self.out.extend_from_slice(now);
            input = rest;
        }
        Ok(input)
    }

    /// Bytes of finished ciphertext at the front of the buffer.
    #[must_use]
    pub const fn sealed_len(&self) -> usize {
        self.sealed
    }

    /// Hands out the sealed front; the held-back plaintext, if any, moves to
    /// `next` (cleared first), which becomes the buffer.
    #[must_use]
    pub fn take_sealed(&mut self, mut next: Vec<u8>) -> Vec<u8> {
        next.clear();
        next.extend_from_slice(&self.out[self.sealed..]);
        self.out.truncate(self.sealed);
        self.sealed = 0;
        core::mem::replace(&mut self.out, next)
    }

    /// Seals the held-back plaintext as the last chunk and returns the rest
    /// of the object.
    ///
    /// # Errors
    /// [`CryptoError::InvalidLength`] if the object is too large.
    pub fn finish(mut self) -> Result<Vec<u8>, CryptoError> {
        self.seal_held(true)?;
        Ok(self.out)
    }

    fn seal_held(&mut self, last: bool) -> Result<(), CryptoError> {
        let enc = &mut self.enc;
        let nonce = chunk_nonce(enc.index, last).ok_or(CryptoError::InvalidLength)?;
        enc.cipher
            .seal_tail_in_place(&nonce, &enc.header, &mut self.out, self.sealed);
        self.sealed = self.out.len();
        enc.index += 1;
        Ok(())
    }
}

/// Encrypt a whole buffer (tests, small objects). See [`Encryptor`].
#[must_use]
pub fn encrypt_to_vec(
    umk: &Umk,
    user_id: [u8; 16],
    object_id: [u8; 16],
    plaintext: &[u8],
) -> Vec<u8> {
    let mut enc = Encryptor::new(umk, user_id, object_id);
    let cap = ciphertext_len(plaintext.len() as u64).unwrap_or(0);
    let mut out = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
    // A slice in memory is far below MAX_PLAINTEXT_LEN (256 TiB), so neither
    // call can fail.
    if enc.update(plaintext, &mut out).is_err() || enc.finish(&mut out).is_err() {
        unreachable!("in-memory plaintext is below MAX_PLAINTEXT_LEN");
    }
    out
}
