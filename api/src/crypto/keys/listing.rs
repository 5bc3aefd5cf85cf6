//! Listing snapshots (a big folder's children, decrypted and sorted, kept in
//! the object store so that the first read after a start does not decrypt
//! and sort the folder again) are sealed under a subkey of the UMK, bound to
//! the user and the folder: a snapshot copied onto another folder or into
//! another account does not open. What is sealed is the vault's
//! (`vault/listing_snapshot.rs`).

use uuid::Uuid;
use zeroize::Zeroizing;

use super::{Key32, Umk, hkdf_sha256, random_array};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// What sealing adds to the plaintext: nonce and tag.
pub const LISTING_SNAPSHOT_OVERHEAD: usize = NONCE_LEN + TAG_LEN;

/// The key a user's listing snapshots are sealed under.
pub struct ListingSnapshotKey(Key32);

fn aad(user_id: Uuid, folder_id: Uuid) -> Vec<u8> {
    [
        &b"listing snapshot"[..],
        user_id.as_bytes(),
        folder_id.as_bytes(),
    ]
    .concat()
}

impl ListingSnapshotKey {
    #[must_use]
    pub fn derive(umk: &Umk) -> Self {
        Self(hkdf_sha256(umk.as_bytes(), b"strongroom listing snapshot"))
    }

    /// nonce 12 ‖ AES-256-GCM(plaintext) ‖ tag 16, aad = "listing
    /// snapshot" ‖ user id ‖ folder id. Takes the plaintext to encrypt it in
    /// place (no second copy of the names).
    #[must_use]
    pub fn seal(&self, user_id: Uuid, folder_id: Uuid, mut plaintext: Vec<u8>) -> Vec<u8> {
        let nonce: [u8; NONCE_LEN] = random_array();
        plaintext.reserve_exact(NONCE_LEN + TAG_LEN);
        ChunkCipher::new(self.0.as_bytes()).seal_in_place(
            &nonce,
            &aad(user_id, folder_id),
            &mut plaintext,
        );
        // The ciphertext moves right by the nonce's length, in place.
        plaintext.splice(0..0, nonce);
        plaintext
    }

    /// # Errors
    /// [`CryptoError::ListingSnapshotAuth`] when it fails to authenticate:
    /// another key, another user or folder, or altered.
    pub fn open(
        &self,
        user_id: Uuid,
        folder_id: Uuid,
        mut sealed: Vec<u8>,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < LISTING_SNAPSHOT_OVERHEAD {
            return Err(CryptoError::ListingSnapshotAuth);
        }
        let nonce: [u8; NONCE_LEN] = sealed[..NONCE_LEN]
            .try_into()
            .map_err(|_| CryptoError::ListingSnapshotAuth)?;
        // Moved left over the nonce in place: no second copy of megabytes.
        sealed.copy_within(NONCE_LEN.., 0);
        sealed.truncate(sealed.len() - NONCE_LEN);
        let mut buf = Zeroizing::new(sealed);
        ChunkCipher::new(self.0.as_bytes())
            .open_in_place_or_spoil(&nonce, &aad(user_id, folder_id), &mut buf)
            .map_err(|()| CryptoError::ListingSnapshotAuth)?;
        Ok(buf)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn snapshots_open_only_for_their_user_and_folder() {
        let umk = Umk::random();
        let key = ListingSnapshotKey::derive(&umk);
        let (user, folder) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = key.seal(user, folder, b"names".to_vec());
        assert_eq!(sealed.len(), 5 + LISTING_SNAPSHOT_OVERHEAD);
        assert!(!sealed.windows(5).any(|w| w == b"names"));
        assert_eq!(
            &key.open(user, folder, sealed.clone()).unwrap()[..],
            b"names"
        );
        assert_eq!(
            key.open(user, Uuid::new_v4(), sealed.clone()).unwrap_err(),
            CryptoError::ListingSnapshotAuth
        );
        assert!(key.open(Uuid::new_v4(), folder, sealed.clone()).is_err());
        assert!(
            ListingSnapshotKey::derive(&Umk::random())
                .open(user, folder, sealed.clone())
                .is_err()
        );
        let mut altered = sealed.clone();
        altered[NONCE_LEN] ^= 1;
        assert!(key.open(user, folder, altered).is_err());
        assert!(
            key.open(
                user,
                folder,
                sealed[..LISTING_SNAPSHOT_OVERHEAD - 1].to_vec()
            )
            .is_err()
        );
        // Another subkey of the same UMK does not open it either.
        assert_ne!(
            hkdf_sha256(umk.as_bytes(), b"strongroom dav props").as_bytes(),
            ListingSnapshotKey::derive(&umk).0.as_bytes()
        );
    }
}
