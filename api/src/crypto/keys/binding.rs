//! Record binding: a MAC, under a key only the owner's UMK gives, that ties a
//! file's record to its content (docs/design.md §2). Whoever can write the
//! metadata store can still change a record, but cannot make a changed one
//! verify: a swapped `object_id`, an edited `size` or fields copied from
//! another node all fail before a byte is served.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::{Key32, Umk, hkdf_sha256, hmac_sha256};

/// What a file record's binding covers. The object id is fresh for every
/// upload, so it already names one version of the content: a separate
/// version counter would add a read-modify-write to every upload and say
/// nothing the object id does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileFacts {
    pub user_id: [u8; 16],
    pub node_id: [u8; 16],
    pub object_id: [u8; 16],
    pub size: u64,
}

/// HKDF(UMK, "strongroom record binding"): used for nothing else.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BindingKey(Key32);

impl fmt::Debug for BindingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BindingKey(<redacted>)")
    }
}

impl BindingKey {
    #[must_use]
    pub fn derive(umk: &Umk) -> Self {
        Self(hkdf_sha256(umk.as_bytes(), b"strongroom record binding"))
    }

    /// HMAC(K_bind, "file" ‖ user_id ‖ node_id ‖ object_id ‖ size as u64 BE).
    #[must_use]
    pub fn file(&self, facts: &FileFacts) -> [u8; 32] {
        hmac_sha256(
            self.0.as_bytes(),
            &[
                b"file",
                &facts.user_id,
                &facts.node_id,
                &facts.object_id,
                &facts.size.to_be_bytes(),
            ],
        )
    }

    /// HMAC(K_bind, "bound" ‖ user_id): kept on the user's root folder once
    /// every file of theirs carries a binding, so that from then on a file
    /// without one is an altered record, not an old one.
    #[must_use]
    pub fn all_bound_mark(&self, user_id: &[u8; 16]) -> [u8; 32] {
        hmac_sha256(self.0.as_bytes(), &[b"bound", user_id])
    }

    /// Constant-time check of a stored binding.
    #[must_use]
    pub fn file_matches(&self, facts: &FileFacts, stored: &[u8; 32]) -> bool {
        self.file(facts).ct_eq(stored).into()
    }

    #[must_use]
    pub fn mark_matches(&self, user_id: &[u8; 16], stored: &[u8; 32]) -> bool {
        self.all_bound_mark(user_id).ct_eq(stored).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> FileFacts {
        FileFacts {
            user_id: [1; 16],
            node_id: [2; 16],
            object_id: [3; 16],
            size: 42,
        }
    }

    #[test]
    fn every_fact_is_bound() {
        let key = BindingKey::derive(&Umk::from_bytes([7; 32]));
        let bound = key.file(&facts());
        assert!(key.file_matches(&facts(), &bound));
        for changed in [
            FileFacts {
                user_id: [9; 16],
                ..facts()
            },
            FileFacts {
                node_id: [9; 16],
                ..facts()
            },
            FileFacts {
                object_id: [9; 16],
                ..facts()
            },
            FileFacts {
                size: 43,
                ..facts()
            },
        ] {
            assert!(!key.file_matches(&changed, &bound), "{changed:?}");
        }
        let other = BindingKey::derive(&Umk::from_bytes([8; 32]));
        assert!(!other.file_matches(&facts(), &bound));
        assert!(key.mark_matches(&[1; 16], &key.all_bound_mark(&[1; 16])));
        assert!(!key.mark_matches(&[1; 16], &bound));
    }
}
