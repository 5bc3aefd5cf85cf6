//! Chunk nonces: `0u8[7] | i as u32 BE | last u8`.

use super::MAX_CHUNKS;
use crate::crypto::cipher::NONCE_LEN;

pub(super) fn chunk_nonce(index: u64, last: bool) -> Option<[u8; NONCE_LEN]> {
    if index >= MAX_CHUNKS {
        return None;
    }
    let i = u32::try_from(index).ok()?;
    let mut n = [0u8; NONCE_LEN];
    n[7..11].copy_from_slice(&i.to_be_bytes());
    n[11] = u8::from(last);
    Some(n)
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
}
