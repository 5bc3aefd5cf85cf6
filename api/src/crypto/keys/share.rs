//! Share links (docs/design.md §2). A share has its own key `SK` (random).
//! The store keeps `SK` wrapped under a key only the link gives —
//! HKDF(secret ‖ Argon2id(password)?, "strongroom share link") — and under
//! a subkey of the owner's UMK (for the owner's later changes), and keeps
//! only SHA-256 of the link's secret: the stores plus the server's token
//! secret open nothing shared without the link (and its password).
//! What the link opens (a file's name, object, size and data key) is
//! sealed under `SK`, bound to the share's id.

use core::fmt;

use data_encoding::BASE64URL_NOPAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{Dek, Kek, Key32, Umk, hkdf_sha256, random_array, unwrap_key, wrap_key};
use crate::crypto::CryptoError;
use crate::crypto::cipher::{ChunkCipher, NONCE_LEN, TAG_LEN};

/// The secret half of a share link: 256 random bits.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct ShareSecret([u8; 32]);

impl fmt::Debug for ShareSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShareSecret(<redacted>)")
    }
}

impl ShareSecret {
    #[must_use]
    pub fn generate() -> Self {
        Self(random_array())
    }

    /// The link's token: `{share id, 32 hex}.{secret, base64url}`.
    #[must_use]
    pub fn token(&self, share_id: Uuid) -> String {
        format!("{}.{}", share_id.simple(), BASE64URL_NOPAD.encode(&self.0))
    }

    /// Reads a token; `None` for anything that is not one.
    #[must_use]
    pub fn parse(token: &str) -> Option<(Uuid, Self)> {
        let (id, secret) = token.split_once('.')?;
        if id.len() != 32 {
            return None;
        }
        let id = Uuid::try_parse(id).ok()?;
        let bytes = Zeroizing::new(BASE64URL_NOPAD.decode(secret.as_bytes()).ok()?);
        let secret: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some((id, Self(secret)))
    }

    /// What the store keeps.
    #[must_use]
    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0).into()
    }

    /// Constant-time comparison with the stored hash.
    #[must_use]
    pub fn matches(&self, stored: &[u8; 32]) -> bool {
        self.hash().ct_eq(stored).into()
    }

    /// The key `SK` is wrapped under: HKDF(secret ‖ password KEK?).
    #[must_use]
    pub fn link_key(&self, password: Option<&Kek>) -> Key32 {
        let mut ikm = Zeroizing::new(Vec::with_capacity(64));
        ikm.extend_from_slice(&self.0);
        if let Some(kek) = password {
            ikm.extend_from_slice(kek.as_bytes());
        }
        hkdf_sha256(&ikm, b"strongroom share link")
    }
}

/// A share's own key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ShareKey(Key32);

impl fmt::Debug for ShareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShareKey(<redacted>)")
    }
}

fn aad(label: &[u8], share_id: Uuid) -> Vec<u8> {
    [label, share_id.as_bytes()].concat()
}

/// HKDF(UMK, "strongroom shares"): what the owner's copy of `SK` is wrapped under.
fn owner_key(umk: &Umk) -> Key32 {
    hkdf_sha256(umk.as_bytes(), b"strongroom shares")
}

/// What a file share opens.
#[derive(Clone, PartialEq, Eq)]
pub struct SharedFile {
    pub name: String,
    pub object_id: Uuid,
    pub size: u64,
    pub dek: Dek,
}

impl fmt::Debug for SharedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedFile(<redacted>)")
    }
}

impl ShareKey {
    #[must_use]
    pub fn random() -> Self {
        Self(Key32::random())
    }

    /// `SK` under the link's key, bound to the share.
    #[must_use]
    pub fn wrap_for_link(&self, link_key: &Key32, share_id: Uuid) -> Vec<u8> {
        wrap_key(link_key, self.0.as_bytes(), &aad(b"share link", share_id)).to_vec()
    }

    /// # Errors
    /// [`CryptoError::KeyUnwrap`]: another link, a wrong password, or moved
    /// onto another share.
    pub fn unwrap_for_link(
        link_key: &Key32,
        wrapped: &[u8],
        share_id: Uuid,
    ) -> Result<Self, CryptoError> {
        unwrap_key(link_key, wrapped, &aad(b"share link", share_id)).map(Self)
    }

    #[must_use]
    pub fn wrap_for_owner(&self, umk: &Umk, share_id: Uuid) -> Vec<u8> {
        wrap_key(
            &owner_key(umk),
            self.0.as_bytes(),
            &aad(b"share owner", share_id),
        )
        .to_vec()
    }

    /// # Errors
    /// [`CryptoError::KeyUnwrap`] for another owner or share.
    pub fn unwrap_for_owner(
        umk: &Umk,
        wrapped: &[u8],
        share_id: Uuid,
    ) -> Result<Self, CryptoError> {
        unwrap_key(&owner_key(umk), wrapped, &aad(b"share owner", share_id)).map(Self)
    }

    /// nonce 12 ‖ AES-256-GCM(SK, bytes) ‖ tag 16.
    fn seal(&self, aad: &[u8], bytes: &[u8]) -> Vec<u8> {
        let mut buf = Zeroizing::new(Vec::with_capacity(bytes.len() + TAG_LEN));
        buf.extend_from_slice(bytes);
        let nonce: [u8; NONCE_LEN] = random_array();
        ChunkCipher::new(self.0.as_bytes()).seal_in_place(&nonce, aad, &mut buf);
        [&nonce[..], &buf[..]].concat()
    }

    fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::ShareAuth);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: &[u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::ShareAuth)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        ChunkCipher::new(self.0.as_bytes())
            .open_in_place(nonce, aad, &mut buf)
            .map_err(|()| CryptoError::ShareAuth)?;
        Ok(buf)
    }

    /// What a file share opens: AES-256-GCM(SK, object 16 ‖ size 8 BE ‖
    /// DEK 32 ‖ name), aad = "share file" ‖ share id.
    #[must_use]
    pub fn seal_file(&self, share_id: Uuid, file: &SharedFile) -> Vec<u8> {
        self.seal(&aad(b"share file", share_id), &file_bytes(file))
    }

    /// # Errors
    /// [`CryptoError::ShareAuth`] when it fails to authenticate or is malformed.
    pub fn open_file(&self, share_id: Uuid, sealed: &[u8]) -> Result<SharedFile, CryptoError> {
        file_from(&self.open(&aad(b"share file", share_id), sealed)?)
    }

    /// A folder share's own name, aad = "share folder" ‖ share id.
    #[must_use]
    pub fn seal_folder(&self, share_id: Uuid, name: &str) -> Vec<u8> {
        self.seal(&aad(b"share folder", share_id), name.as_bytes())
    }

    /// # Errors
    /// [`CryptoError::ShareAuth`] when it fails to authenticate.
    pub fn open_folder(&self, share_id: Uuid, sealed: &[u8]) -> Result<String, CryptoError> {
        let bytes = self.open(&aad(b"share folder", share_id), sealed)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| CryptoError::ShareAuth)
    }

    /// One node inside a shared folder, aad = "share entry" ‖ share id ‖
    /// node id: an entry copied onto another node or share does not open.
    #[must_use]
    pub fn seal_entry(&self, share_id: Uuid, node_id: Uuid, entry: &SharedEntry) -> Vec<u8> {
        let bytes = match entry {
            SharedEntry::Folder { name } => [&[0u8][..], name.as_bytes()].concat(),
            SharedEntry::File(file) => [&[1u8][..], &file_bytes(file)].concat(),
        };
        let bytes = Zeroizing::new(bytes);
        self.seal(&entry_aad(share_id, node_id), &bytes)
    }

    /// # Errors
    /// [`CryptoError::ShareAuth`] when it fails to authenticate or is malformed.
    pub fn open_entry(
        &self,
        share_id: Uuid,
        node_id: Uuid,
        sealed: &[u8],
    ) -> Result<SharedEntry, CryptoError> {
        let bytes = self.open(&entry_aad(share_id, node_id), sealed)?;
        match bytes.split_first() {
            Some((0, name)) => Ok(SharedEntry::Folder {
                name: String::from_utf8(name.to_vec()).map_err(|_| CryptoError::ShareAuth)?,
            }),
            Some((1, file)) => file_from(file).map(SharedEntry::File),
            _ => Err(CryptoError::ShareAuth),
        }
    }
}

/// What a link may know of one node inside a shared folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SharedEntry {
    Folder { name: String },
    File(SharedFile),
}

fn entry_aad(share_id: Uuid, node_id: Uuid) -> Vec<u8> {
    [&b"share entry"[..], share_id.as_bytes(), node_id.as_bytes()].concat()
}

fn file_bytes(file: &SharedFile) -> Zeroizing<Vec<u8>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(56 + file.name.len()));
    buf.extend_from_slice(file.object_id.as_bytes());
    buf.extend_from_slice(&file.size.to_be_bytes());
    buf.extend_from_slice(file.dek.as_bytes());
    buf.extend_from_slice(file.name.as_bytes());
    buf
}

fn file_from(bytes: &[u8]) -> Result<SharedFile, CryptoError> {
    let field = |range: core::ops::Range<usize>| bytes.get(range).ok_or(CryptoError::ShareAuth);
    let object_id = Uuid::from_slice(field(0..16)?).map_err(|_| CryptoError::ShareAuth)?;
    let size = u64::from_be_bytes(
        field(16..24)?
            .try_into()
            .map_err(|_| CryptoError::ShareAuth)?,
    );
    let dek: [u8; 32] = field(24..56)?
        .try_into()
        .map_err(|_| CryptoError::ShareAuth)?;
    let name =
        String::from_utf8(field(56..bytes.len())?.to_vec()).map_err(|_| CryptoError::ShareAuth)?;
    Ok(SharedFile {
        name,
        object_id,
        size,
        dek: Dek::from_bytes(dek),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file() -> SharedFile {
        SharedFile {
            name: "Überblick.pdf".to_owned(),
            object_id: Uuid::new_v4(),
            size: 12_345,
            dek: Dek::from_bytes([9; 32]),
        }
    }

    #[test]
    fn tokens_round_trip_and_refuse_garbage() {
        let id = Uuid::new_v4();
        let secret = ShareSecret::generate();
        let token = secret.token(id);
        let (parsed_id, parsed) = ShareSecret::parse(&token).unwrap();
        assert_eq!(parsed_id, id);
        assert!(parsed.matches(&secret.hash()));
        assert!(!ShareSecret::generate().matches(&secret.hash()));
        for bad in [
            "",
            ".",
            "abc.def",
            &format!("{}.", id.simple()),
            &format!("{id}.{}", &token[33..]),
        ] {
            assert!(ShareSecret::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_link_and_its_password_are_both_needed() {
        let id = Uuid::new_v4();
        let secret = ShareSecret::generate();
        let kek = Kek::from_bytes([4; 32]);
        let sk = ShareKey::random();
        let wrapped = sk.wrap_for_link(&secret.link_key(Some(&kek)), id);
        let opened = ShareKey::unwrap_for_link(&secret.link_key(Some(&kek)), &wrapped, id).unwrap();
        let sealed = sk.seal_file(id, &file());
        assert_eq!(opened.open_file(id, &sealed).unwrap().name, "Überblick.pdf");
        // Without the password, another password, another link, another share.
        for key in [
            secret.link_key(None),
            secret.link_key(Some(&Kek::from_bytes([5; 32]))),
            ShareSecret::generate().link_key(Some(&kek)),
        ] {
            assert!(ShareKey::unwrap_for_link(&key, &wrapped, id).is_err());
        }
        assert!(
            ShareKey::unwrap_for_link(&secret.link_key(Some(&kek)), &wrapped, Uuid::new_v4())
                .is_err()
        );
        // The sealed file opens only under its share's id and key.
        assert!(sk.open_file(Uuid::new_v4(), &sealed).is_err());
        assert!(ShareKey::random().open_file(id, &sealed).is_err());
    }

    #[test]
    fn entries_open_only_for_their_node_and_share() {
        let (share, node) = (Uuid::new_v4(), Uuid::new_v4());
        let sk = ShareKey::random();
        for entry in [
            SharedEntry::Folder {
                name: "Fotos 2026".to_owned(),
            },
            SharedEntry::File(file()),
        ] {
            let sealed = sk.seal_entry(share, node, &entry);
            assert_eq!(sk.open_entry(share, node, &sealed).unwrap(), entry);
            assert!(sk.open_entry(share, Uuid::new_v4(), &sealed).is_err());
            assert!(sk.open_entry(Uuid::new_v4(), node, &sealed).is_err());
            assert!(sk.open_file(share, &sealed).is_err());
        }
        let root = sk.seal_folder(share, "Shared");
        assert_eq!(sk.open_folder(share, &root).unwrap(), "Shared");
        assert!(sk.open_file(share, &root).is_err());
    }

    #[test]
    fn the_owner_copy_needs_the_owners_key() {
        let id = Uuid::new_v4();
        let umk = Umk::from_bytes([1; 32]);
        let sk = ShareKey::random();
        let wrapped = sk.wrap_for_owner(&umk, id);
        let again = ShareKey::unwrap_for_owner(&umk, &wrapped, id).unwrap();
        let sealed = again.seal_file(id, &file());
        assert_eq!(
            sk.open_file(id, &sealed).unwrap(),
            sk.open_file(id, &sealed).unwrap()
        );
        assert!(ShareKey::unwrap_for_owner(&Umk::from_bytes([2; 32]), &wrapped, id).is_err());
    }
}
