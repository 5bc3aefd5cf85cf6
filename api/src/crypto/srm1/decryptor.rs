//! The verified header and random access to chunks by index.

use subtle::ConstantTimeEq;

use super::header::{commitment, parse_header};
use super::nonce::chunk_nonce;
use super::{CIPHER_CHUNK_LEN, HEADER_LEN, TAG_LEN, layout};
use crate::crypto::CryptoError;
use crate::crypto::cipher::ChunkCipher;
use crate::crypto::keys::{Dek, Umk, unwrap_dek};

/// A validated header with its unwrapped DEK: opens chunks by index (random
/// access). Built only after magic, version, algorithm, chunk size, reserved
/// byte, object id, DEK unwrap and key commitment have all been checked.
#[derive(Clone)]
pub struct Decryptor {
    cipher: ChunkCipher,
    header: [u8; HEADER_LEN],
    object_id: [u8; 16],
    dek: Dek,
}

impl core::fmt::Debug for Decryptor {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decryptor").finish_non_exhaustive()
    }
}

impl Decryptor {
    /// Parse and verify a header with the owner's UMK.
    ///
    /// Checks, in order: magic, version, algorithm, chunk size, reserved byte
    /// (and length), object id against `expected_object_id` (when given),
    /// DEK unwrap (aad binds user and object), key commitment (constant time).
    ///
    /// # Errors
    /// `BadMagic`, `UnsupportedVersion`, `UnsupportedAlgorithm`,
    /// `BadChunkSize`, `BadHeader` (reserved byte / too short),
    /// `InvalidLength` (longer than [`HEADER_LEN`]), `ObjectIdMismatch`,
    /// `KeyUnwrap`, `CommitmentMismatch`.
    pub fn new(
        header: &[u8],
        umk: &Umk,
        user_id: [u8; 16],
        expected_object_id: Option<[u8; 16]>,
    ) -> Result<Self, CryptoError> {
        let (header, object_id) = parse_header(header, expected_object_id)?;
        let dek = unwrap_dek(umk, &header[layout::WRAPPED_DEK], &user_id, &object_id)?;
        Self::finish_new(header, object_id, dek)
    }

    /// Parse and verify a header with a DEK obtained elsewhere (a short-lived
    /// download token). The wrapped DEK is not checked (no UMK), but the key
    /// commitment binds `dek` to this object id, and the whole header is the
    /// AAD of every chunk.
    ///
    /// # Errors
    /// As [`Decryptor::new`], minus `KeyUnwrap`.
    pub fn from_dek(
        header: &[u8],
        dek: Dek,
        expected_object_id: Option<[u8; 16]>,
    ) -> Result<Self, CryptoError> {
        let (header, object_id) = parse_header(header, expected_object_id)?;
        Self::finish_new(header, object_id, dek)
    }

    fn finish_new(
        header: [u8; HEADER_LEN],
        object_id: [u8; 16],
        dek: Dek,
    ) -> Result<Self, CryptoError> {
        let expected = commitment(&dek, &object_id);
        if !bool::from(expected.ct_eq(&header[layout::COMMITMENT])) {
            return Err(CryptoError::CommitmentMismatch);
        }
        Ok(Self {
            cipher: ChunkCipher::new(dek.as_bytes()),
            header,
            object_id,
            dek,
        })
    }

    /// The verified header.
    #[must_use]
    pub const fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// The object id from the verified header.
    #[must_use]
    pub const fn object_id(&self) -> [u8; 16] {
        self.object_id
    }

    /// The object's data key (e.g. to mint a single-file download token).
    #[must_use]
    pub const fn dek(&self) -> &Dek {
        &self.dek
    }

    /// Verify and decrypt chunk `index` in place (`buf` = ciphertext ‖ tag;
    /// on success it holds the plaintext). `last` must be true exactly for the
    /// object's final chunk. On failure `buf` still holds the ciphertext: no
    /// plaintext is ever released for a chunk whose tag did not verify.
    ///
    /// # Errors
    /// [`CryptoError::ChunkAuth`] if the chunk does not authenticate at this
    /// index with this `last` flag (or has an impossible size).
    pub fn open_chunk_in_place(
        &self,
        index: u64,
        buf: &mut Vec<u8>,
        last: bool,
    ) -> Result<(), CryptoError> {
        let err = CryptoError::ChunkAuth { index };
        let len = buf.len();
        let size_ok = if last {
            // An empty final chunk only exists in an empty object.
            (TAG_LEN..=CIPHER_CHUNK_LEN).contains(&len) && (index == 0 || len > TAG_LEN)
        } else {
            len == CIPHER_CHUNK_LEN
        };
        if !size_ok {
            return Err(err);
        }
        let nonce = chunk_nonce(index, last).ok_or_else(|| err.clone())?;
        self.cipher
            .open_in_place(&nonce, &self.header, buf)
            .map_err(|()| err)
    }

    /// Verify and decrypt the middle (not last) chunk `index`, a whole
    /// `CIPHER_CHUNK_LEN` slice of ciphertext ‖ tag, onto the end of `out`.
    /// On failure `out` is as it was.
    ///
    /// # Errors
    /// [`CryptoError::ChunkAuth`].
    pub fn open_middle_chunk_onto(
        &self,
        index: u64,
        sealed: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), CryptoError> {
        let err = CryptoError::ChunkAuth { index };
        if sealed.len() != CIPHER_CHUNK_LEN {
            return Err(err);
        }
        let nonce = chunk_nonce(index, false).ok_or_else(|| err.clone())?;
        let start = out.len();
        out.resize(start + CIPHER_CHUNK_LEN - TAG_LEN, 0);
        let opened = self
            .cipher
            .open_into(&nonce, &self.header, sealed, &mut out[start..]);
        if opened.is_err() {
            // Whatever was written there was never authenticated.
            out[start..].fill(0);
            out.truncate(start);
            return Err(err);
        }
        Ok(())
    }

    /// Verify and decrypt chunk `index` into a new buffer. See
    /// [`Decryptor::open_chunk_in_place`].
    ///
    /// # Errors
    /// [`CryptoError::ChunkAuth`].
    pub fn open_chunk(
        &self,
        index: u64,
        ciphertext: &[u8],
        last: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut buf = ciphertext.to_vec();
        self.open_chunk_in_place(index, &mut buf, last)?;
        Ok(buf)
    }
}
