//! The single seam through which AES-256-GCM is used.
//!
//! Everything that encrypts — object chunks, key wrapping, names — goes
//! through [`ChunkCipher`], so the backend can be swapped by editing only
//! this file. The backend is `aws-lc-rs` (AWS-LC's AES-NI/VAES + PCLMUL
//! stitched GCM).
//!
//! Contract every backend must keep:
//! * `seal_in_place` appends the 16-byte tag to the ciphertext.
//! * `open_in_place` verifies the tag **before** releasing plaintext; on
//!   success it truncates the tag off; on failure it returns `Err(())` and
//!   leaves `buf` **unchanged** (the SRM1 stream decryptor relies on that to
//!   retry a chunk with the other `last` flag without copying it first).
//!
//! AWS-LC's own in-place open leaves the buffer unspecified (zeroed) on
//! failure, so `open_in_place` decrypts with `open_separate_gather` from
//! `buf` into a per-thread scratch buffer and, only once the tag has
//! verified, swaps the two allocations: `buf` receives the plaintext and the
//! scratch keeps the old ciphertext allocation for the next call. No copy
//! and, in steady state, no allocation or zero-fill. On failure AWS-LC
//! zeroes the scratch output, `buf` is never written, and no plaintext is
//! left behind in the scratch (after a success it only ever holds
//! ciphertext).

use std::cell::RefCell;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

/// Length of an AES-GCM tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;

thread_local! {
    /// Output buffer for `open_in_place`; holds only ciphertext (or zeros)
    /// between calls.
    static OPEN_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// AES-256-GCM with a fixed 32-byte key. The expanded key lives in an
/// AWS-LC `EVP_AEAD_CTX`, which AWS-LC cleanses when it is freed
/// (`OPENSSL_free` zeroizes); clones share it through an `Arc`.
#[derive(Clone)]
pub(crate) struct ChunkCipher {
    key: Arc<LessSafeKey>,
}

impl ChunkCipher {
    /// Build the cipher from a 256-bit key.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        // Only fails for a key of the wrong length, which the type rules out.
        let Ok(unbound) = UnboundKey::new(&AES_256_GCM, key) else {
            unreachable!("AES-256-GCM accepts any 32-byte key")
        };
        Self {
            key: Arc::new(LessSafeKey::new(unbound)),
        }
    }

    /// Encrypt `buf` in place and append the tag.
    pub(crate) fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut Vec<u8>) {
        self.seal_tail_in_place(nonce, aad, buf, 0);
    }

    /// Encrypt `buf[from..]` in place and append its tag; `buf[..from]` is
    /// left as it is (an SRM1 object's chunks, sealed where they were
    /// gathered). A `from` past the end seals an empty message there.
    pub(crate) fn seal_tail_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
        from: usize,
    ) {
        let from = from.min(buf.len());
        // Only fails for messages above the GCM per-nonce limit (~64 GiB);
        // callers pass one 64 KiB chunk, a key, a name, or a listing
        // snapshot (capped far below).
        match self.key.seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            &mut buf[from..],
        ) {
            Ok(tag) => buf.extend_from_slice(tag.as_ref()),
            Err(_) => unreachable!("AES-GCM input within the per-nonce limit"),
        }
    }

    /// Verify and decrypt `buf` (ciphertext ‖ tag); on success `buf` holds
    /// the plaintext (tag removed). On failure `buf` is left untouched.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), ()> {
        if buf.len() < TAG_LEN {
            return Err(());
        }
        // The scratch is only unavailable during thread-local teardown (or on
        // re-entry, which nothing here does): fall back to a fresh buffer.
        OPEN_SCRATCH
            .try_with(|scratch| match scratch.try_borrow_mut() {
                Ok(mut out) => self.open_via(nonce, aad, buf, &mut out),
                Err(_) => self.open_via(nonce, aad, buf, &mut Vec::new()),
            })
            .unwrap_or_else(|_| self.open_via(nonce, aad, buf, &mut Vec::new()))
    }

    /// As `open_in_place`, decrypting in `buf` itself (no second buffer as
    /// big as it), for callers that drop `buf` when it fails: then it holds
    /// nothing usable (AWS-LC zeroes it).
    pub(crate) fn open_in_place_or_spoil(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), ()> {
        let plaintext_len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                buf.as_mut_slice(),
            )
            .map_err(|_| ())?
            .len();
        buf.truncate(plaintext_len);
        Ok(())
    }

    /// Verify and decrypt `sealed` (ciphertext ‖ tag) into `out`, which
    /// must be exactly the ciphertext's length: no copy of the ciphertext
    /// first. On failure `out` holds nothing usable and the caller drops it.
    pub(crate) fn open_into(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        sealed: &[u8],
        out: &mut [u8],
    ) -> Result<(), ()> {
        let ct_len = sealed.len().checked_sub(TAG_LEN).ok_or(())?;
        if out.len() != ct_len {
            return Err(());
        }
        let (ct, tag) = sealed.split_at(ct_len);
        self.key
            .open_separate_gather(
                Nonce::assume_unique_for_key(*nonce),
                Aad::from(aad),
                ct,
                tag,
                out,
            )
            .map_err(|_| ())
    }

    /// Decrypt `buf` into `out`; only if the tag verifies, swap the two so
    /// `buf` holds the plaintext and `out` the old ciphertext allocation.
    fn open_via(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
        out: &mut Vec<u8>,
    ) -> Result<(), ()> {
        let ct_len = buf.len().checked_sub(TAG_LEN).ok_or(())?;
        // Room for a whole ciphertext ‖ tag, so the buffer later handed to
        // the caller can be refilled without reallocating.
        out.reserve(buf.len().saturating_sub(out.len()));
        // `out` only ever holds old ciphertext or zeros, so its stale bytes
        // need no clearing: truncate, and zero-fill only newly grown space
        // (none in steady state, where it holds the previous chunk).
        out.resize(ct_len, 0);
        self.open_into(nonce, aad, buf, out)?;
        // Verified: hand the plaintext over, keep the old allocation.
        core::mem::swap(buf, out);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    /// NIST GCM test case 14 (AES-256, zero key, zero IV, one zero block).
    #[test]
    fn known_answer_aes256gcm() {
        let c = ChunkCipher::new(&[0u8; 32]);
        let mut buf = vec![0u8; 16];
        c.seal_in_place(&[0u8; 12], b"", &mut buf);
        let hex: String = buf.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
        );
        c.open_in_place(&[0u8; 12], b"", &mut buf).unwrap();
        assert_eq!(buf, vec![0u8; 16]);
    }

    #[test]
    fn failed_open_leaves_buffer_unchanged() {
        let c = ChunkCipher::new(&[7u8; 32]);
        let mut buf = b"hello world".to_vec();
        c.seal_in_place(&[1u8; 12], b"aad", &mut buf);
        let sealed = buf.clone();
        assert!(c.open_in_place(&[2u8; 12], b"aad", &mut buf).is_err());
        assert_eq!(buf, sealed);
        assert!(c.open_in_place(&[1u8; 12], b"other", &mut buf).is_err());
        assert_eq!(buf, sealed);
        let mut short = vec![0u8; 15];
        assert!(c.open_in_place(&[1u8; 12], b"aad", &mut short).is_err());
        c.open_in_place(&[1u8; 12], b"aad", &mut buf).unwrap();
        assert_eq!(buf, b"hello world");
    }

    /// The per-thread scratch is shared by every key and size: interleave
    /// large and small buffers, failures and successes.
    #[test]
    fn scratch_reuse_across_sizes_and_failures() {
        let a = ChunkCipher::new(&[1u8; 32]);
        let b = ChunkCipher::new(&[2u8; 32]);
        for (i, len) in [65536usize, 0, 3, 65536, 1000, 65536, 17]
            .into_iter()
            .enumerate()
        {
            let pt: Vec<u8> = (0..len).map(|j| (j * 7 + i) as u8).collect();
            let mut buf = pt.clone();
            a.seal_in_place(&[i as u8; 12], b"x", &mut buf);
            let sealed = buf.clone();
            assert!(b.open_in_place(&[i as u8; 12], b"x", &mut buf).is_err());
            assert_eq!(buf, sealed);
            a.open_in_place(&[i as u8; 12], b"x", &mut buf).unwrap();
            assert_eq!(buf, pt);
            assert!(buf.capacity() >= len + TAG_LEN);
        }
    }
}
