//! How the user master key is kept: wrapped under a key derived from the
//! password, and again under one derived from the recovery code, each with its
//! Argon2 parameters stored beside it so they can be raised later.

use data_encoding::BASE32_NOPAD;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::AuthError;
use crate::crypto::keys::{self, KdfParams, Kek, Umk};
use crate::store::StoreError;

/// Bytes of randomness in a recovery code: 120 bits, 24 base32 characters.
pub(super) const RECOVERY_CODE_BYTES: usize = 15;

/// A fresh recovery code, shown as six groups of four (`ABCD-EFGH-...`).
pub(super) fn new_recovery_code() -> Zeroizing<String> {
    let raw = Zeroizing::new(
        BASE32_NOPAD.encode(
            keys::Key32::random()
                .as_bytes()
                .get(..RECOVERY_CODE_BYTES)
                .unwrap_or_default(),
        ),
    );
    let groups: Vec<&str> = raw
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    Zeroizing::new(groups.join("-"))
}

/// What the KDF sees of a recovery code: case, spaces and dashes don't matter.
pub(super) fn canonical_recovery_code(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

pub(super) fn recovery_aad(user_id: Uuid) -> Vec<u8> {
    [b"umk-recovery".as_slice(), user_id.as_bytes()].concat()
}

/// Wraps the UMK under a password, returning the salt and wrapped key.
pub(super) fn wrap_under_password(
    password: &str,
    params: KdfParams,
    user_id: Uuid,
    umk: &Umk,
) -> Result<([u8; 16], Vec<u8>), AuthError> {
    let salt = keys::random_salt();
    let kek = keys::derive_kek(password.as_bytes(), &salt, params)?;
    Ok((salt, keys::wrap_umk(&kek, umk, user_id.as_bytes()).to_vec()))
}

pub(super) fn wrap_under_recovery(
    code: &str,
    params: KdfParams,
    user_id: Uuid,
    umk: &Umk,
) -> Result<([u8; 16], Vec<u8>), AuthError> {
    let salt = keys::random_salt();
    let kek = keys::derive_kek(canonical_recovery_code(code).as_bytes(), &salt, params)?;
    Ok((
        salt,
        keys::wrap_key(&kek_as_key(&kek), umk.as_bytes(), &recovery_aad(user_id)).to_vec(),
    ))
}

pub(super) fn kek_as_key(kek: &Kek) -> keys::Key32 {
    keys::Key32::from_bytes(*kek.as_bytes())
}

/// Argon2 parameters as stored next to each wrapped key: `m=19456,t=2,p=1`.
pub(super) fn encode_params(params: KdfParams) -> String {
    format!("m={},t={},p={}", params.m_kib, params.t, params.p)
}

fn decode_params(encoded: &str) -> Option<KdfParams> {
    let mut fields = encoded.split(',').map(|field| field.split_once('='));
    let mut next = |key: &str| match fields.next() {
        Some(Some((k, v))) if k == key => v.parse::<u32>().ok(),
        _ => None,
    };
    let params = KdfParams {
        m_kib: next("m")?,
        t: next("t")?,
        p: next("p")?,
    };
    fields.next().is_none().then_some(params)
}

pub fn stored_params(encoded: &str) -> Result<KdfParams, AuthError> {
    decode_params(encoded).ok_or_else(|| StoreError::Corrupt("kdf params".to_owned()).into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kdf_params_round_trip_and_reject_garbage() {
        let params = KdfParams::DEFAULT;
        assert_eq!(encode_params(params), "m=19456,t=2,p=1");
        assert_eq!(decode_params(&encode_params(params)), Some(params));
        for bad in [
            "",
            "m=1",
            "m=1,t=2",
            "m=1,t=2,p=3,x=4",
            "t=2,m=1,p=3",
            "m=x,t=2,p=1",
        ] {
            assert_eq!(decode_params(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn recovery_codes_are_grouped_base32_and_canonicalise() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 24 + 5, "{}", code.as_str());
        assert_eq!(code.split('-').count(), 6);
        let canonical = canonical_recovery_code(&code);
        assert_eq!(canonical.len(), 24);
        assert_eq!(
            BASE32_NOPAD.decode(canonical.as_bytes()).unwrap().len(),
            RECOVERY_CODE_BYTES
        );
        let sloppy = format!(" {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(canonical_recovery_code(&sloppy), canonical);
        assert_ne!(new_recovery_code(), code);
    }
}
