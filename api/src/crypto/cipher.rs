//! The single seam through which AES-256-GCM is used.
//!
//! Everything that encrypts — object chunks, key wrapping, names — goes
//! through [`ChunkCipher`], so a faster backend (e.g. `aws-lc-rs`) can be
//! swapped in by editing only this file.
//!
//! Contract every backend must keep:
//! * `seal_in_place` appends the 16-byte tag to the ciphertext.
//! * `open_in_place` verifies the tag **before** releasing plaintext; on
//!   success it truncates the tag off; on failure it returns `Err(())` and
//!   leaves `buf` **unchanged** (the SRM1 stream decryptor relies on that to
//!   retry a chunk with the other `last` flag without copying it first).

use aes_gcm::aead::consts::U12;
use aes_gcm::{AeadInOut, Aes256Gcm, Key, KeyInit, Nonce, Tag};

/// Length of an AES-GCM tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;

/// AES-256-GCM with a fixed 32-byte key. Key schedule is zeroized on drop
/// (`aes-gcm`'s `zeroize` feature).
#[derive(Clone)]
pub(crate) struct ChunkCipher {
    aead: Aes256Gcm,
}

impl ChunkCipher {
    /// Build the cipher from a 256-bit key.
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        let key: &Key<Aes256Gcm> = key.into();
        Self {
            aead: Aes256Gcm::new(key),
        }
    }

    /// Encrypt `buf` in place and append the tag.
    pub(crate) fn seal_in_place(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], buf: &mut Vec<u8>) {
        let nonce: &Nonce<U12> = nonce.into();
        // `encrypt_inout_detached` only fails for messages above 2^36 bytes or
        // AAD above 2^61 bytes; every caller passes at most one 64 KiB chunk.
        match self
            .aead
            .encrypt_inout_detached(nonce, aad, buf.as_mut_slice().into())
        {
            Ok(tag) => buf.extend_from_slice(tag.as_slice()),
            Err(_) => unreachable!("AES-GCM input within P_MAX/A_MAX"),
        }
    }

    /// Verify and decrypt `buf` (ciphertext ‖ tag) in place; on success the
    /// tag is removed. On failure `buf` is left untouched.
    pub(crate) fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<(), ()> {
        let ct_len = buf.len().checked_sub(TAG_LEN).ok_or(())?;
        let (ct, tag) = buf.split_at_mut(ct_len);
        let tag = Tag::try_from(&*tag).map_err(|_| ())?;
        let nonce: &Nonce<U12> = nonce.into();
        // aes-gcm 0.11 computes the tag over the ciphertext first and only
        // applies the keystream when it matches (constant-time compare).
        self.aead
            .decrypt_inout_detached(nonce, aad, ct.into(), &tag)
            .map_err(|_| ())?;
        buf.truncate(ct_len);
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
}
