//! WebDAV dead properties (what clients `PROPPATCH` onto a file or folder)
//! are sealed under a subkey of the UMK, bound to the user and the node: a
//! blob copied onto another node or into another account does not open.
//! The format of what is sealed is the vault's (`vault/props.rs`).

use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Key32, Umk, hkdf_sha256, random_array};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// What sealing adds to the plaintext: nonce and tag.
pub const DEAD_PROPS_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// The key a user's dead properties are sealed under.
pub struct DeadPropsKey(Key32);

fn aad(user_id: Uuid, node_id: Uuid) -> Vec<u8> {
    [&b"dav props"[..], user_id.as_bytes(), node_id.as_bytes()].concat()
}

impl DeadPropsKey {
    #[must_use]
    pub fn derive(umk: &Umk) -> Self {
        Self(hkdf_sha256(umk.as_bytes(), b"strongroom dav props"))
    }

    /// nonce 12 ‖ AES-256-GCM(plaintext) ‖ tag 16, aad = "dav props" ‖
    /// user id ‖ node id.
    #[must_use]
    pub fn seal(&self, user_id: Uuid, node_id: Uuid, plaintext: &[u8]) -> Vec<u8> {
        let mut buf = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        buf.extend_from_slice(plaintext);
        let nonce: [u8; NONCE_LEN] = random_array();
        ChunkCipher::new(self.0.as_bytes()).seal_in_place(&nonce, &aad(user_id, node_id), &mut buf);
        [&nonce[..], &buf[..]].concat()
    }

    /// # Errors
    /// [`CryptoError::PropsAuth`] when it fails to authenticate: another
    /// key, another user or node, or altered.
    pub fn open(
        &self,
        user_id: Uuid,
        node_id: Uuid,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < DEAD_PROPS_OVERHEAD {
            return Err(CryptoError::PropsAuth);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::PropsAuth)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        ChunkCipher::new(self.0.as_bytes())
            .open_in_place(nonce, &aad(user_id, node_id), &mut buf)
            .map_err(|()| CryptoError::PropsAuth)?;
        Ok(buf)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn props_open_only_for_their_user_and_node() {
        let umk = Umk::random();
        let key = DeadPropsKey::derive(&umk);
        let (user, node) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = key.seal(user, node, b"<x>1</x>");
        assert_eq!(sealed.len(), 8 + DEAD_PROPS_OVERHEAD);
        assert_eq!(&key.open(user, node, &sealed).unwrap()[..], b"<x>1</x>");
        assert_eq!(
            key.open(user, Uuid::new_v4(), &sealed).unwrap_err(),
            CryptoError::PropsAuth
        );
        assert!(key.open(Uuid::new_v4(), node, &sealed).is_err());
        assert!(
            DeadPropsKey::derive(&Umk::random())
                .open(user, node, &sealed)
                .is_err()
        );
        let mut altered = sealed.clone();
        altered[NONCE_LEN] ^= 1;
        assert!(key.open(user, node, &altered).is_err());
        assert!(
            key.open(user, node, &sealed[..DEAD_PROPS_OVERHEAD - 1])
                .is_err()
        );
    }
}
