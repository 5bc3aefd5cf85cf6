//! The `SRM1` object format (DESIGN §3): a chunked AEAD stream in the manner
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

use core::ops::Range;

use subtle::ConstantTimeEq;

use super::CryptoError;
use super::cipher::{ChunkCipher, NONCE_LEN};
use super::keys::{
    Dek, Umk, WRAPPED_KEY_LEN, dek_aad, hmac_sha256, random_array, wrap_key_with_nonce,
};

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

const CHUNK_LEN_U64: u64 = CHUNK_LEN as u64;
const CIPHER_CHUNK_LEN_U64: u64 = CIPHER_CHUNK_LEN as u64;
const HEADER_LEN_U64: u64 = HEADER_LEN as u64;
const TAG_LEN_U64: u64 = TAG_LEN as u64;

// ---------------------------------------------------------------------------
// Size arithmetic
// ---------------------------------------------------------------------------

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
const fn chunk_ciphertext_len(plaintext_len: u64, index: u64) -> u64 {
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

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

fn chunk_nonce(index: u64, last: bool) -> Option<[u8; NONCE_LEN]> {
    if index >= MAX_CHUNKS {
        return None;
    }
    let i = u32::try_from(index).ok()?;
    let mut n = [0u8; NONCE_LEN];
    n[7..11].copy_from_slice(&i.to_be_bytes());
    n[11] = u8::from(last);
    Some(n)
}

fn commitment(dek: &Dek, object_id: &[u8; 16]) -> [u8; 32] {
    hmac_sha256(dek.as_bytes(), &[b"SRM1 commit", object_id])
}

/// Check the fixed fields present in `prefix` (which may be shorter than a
/// header): magic, version, algorithm, chunk size, reserved byte.
fn check_prefix(prefix: &[u8]) -> Result<(), CryptoError> {
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
fn parse_header(
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

// ---------------------------------------------------------------------------
// Encryptor
// ---------------------------------------------------------------------------

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
    /// [`MAX_CHUNKS`] chunks.
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

// ---------------------------------------------------------------------------
// Decryptor (header + random access)
// ---------------------------------------------------------------------------

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
        let dek = super::keys::unwrap_dek(umk, &header[layout::WRAPPED_DEK], &user_id, &object_id)?;
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

// ---------------------------------------------------------------------------
// StreamDecryptor
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// RangeDecryptor
// ---------------------------------------------------------------------------

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
    /// [`chunk_span`] for the same object.
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn nonce_layout() {
        assert_eq!(chunk_nonce(0, false).unwrap(), [0; 12]);
        assert_eq!(
            chunk_nonce(0x0102_0304, true).unwrap(),
            [0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 1]
        );
        assert!(chunk_nonce(MAX_CHUNKS - 1, true).is_some());
        assert!(chunk_nonce(MAX_CHUNKS, true).is_none());
    }

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
