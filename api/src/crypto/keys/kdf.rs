//! Argon2id: password hashes for log-in, and key-encryption keys derived
//! from a password or a recovery code.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use zeroize::Zeroizing;

use super::{Kek, random_array};
use crate::crypto::CryptoError;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Parallelism (lanes).
    pub p: u32,
}

impl KdfParams {
    /// OWASP minimum for Argon2id: 19 MiB, 2 iterations, 1 lane.
    pub const DEFAULT: Self = Self {
        m_kib: 19456,
        t: 2,
        p: 1,
    };
    /// Cheap parameters for tests only.
    pub const TESTING: Self = Self {
        m_kib: 256,
        t: 1,
        p: 1,
    };

    fn argon2(self) -> Result<Argon2<'static>, CryptoError> {
        let params =
            Params::new(self.m_kib, self.t, self.p, Some(32)).map_err(|_| CryptoError::Kdf)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A fresh random 16-byte salt (for [`derive_kek`]).
#[must_use]
pub fn random_salt() -> [u8; 16] {
    random_array()
}

/// KEK = Argon2id(secret, salt), 32 bytes. Serves both the password and the
/// recovery code.
///
/// # Errors
/// [`CryptoError::Kdf`] if the parameters are out of Argon2's range.
pub fn derive_kek(secret: &[u8], salt: &[u8; 16], params: KdfParams) -> Result<Kek, CryptoError> {
    let argon = params.argon2()?;
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(secret, salt, out.as_mut_slice())
        .map_err(|_| CryptoError::Kdf)?;
    Ok(Kek::from_bytes(*out))
}

/// Hash a password for storage: Argon2id PHC string with a random salt; the
/// parameters are inside the string so they can be raised later.
///
/// # Errors
/// [`CryptoError::Kdf`] on bad parameters.
pub fn hash_password(password: &[u8], params: KdfParams) -> Result<String, CryptoError> {
    let argon = params.argon2()?;
    let salt = random_salt();
    let hash = argon
        .hash_password_with_salt(password, &salt)
        .map_err(|_| CryptoError::Kdf)?;
    Ok(hash.to_string())
}

/// Check a password against a stored PHC string (parameters come from the
/// string; the final comparison is constant-time inside `argon2`).
///
/// Returns `Ok(false)` for a wrong password.
///
/// # Errors
/// [`CryptoError::Kdf`] if the PHC string is malformed or names unsupported
/// parameters.
pub fn verify_password(password: &[u8], phc: &str) -> Result<bool, CryptoError> {
    let argon = Argon2::default();
    match argon.verify_password(password, phc) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(_) => Err(CryptoError::Kdf),
    }
}

/// A valid Argon2id PHC string with `params`, a random salt and a random
/// 32-byte output, which no password opens (finding one is a preimage
/// search). Made at start-up from the configured parameters: log-ins for
/// unknown emails are checked against it, so "no such user" costs what
/// "wrong password" does, whatever the operator configured. Not a real hash
/// of a thrown-away password: that cost a start-up Argon2 run, whose memory
/// (19 MiB by default) the idle server then kept.
///
/// # Errors
/// [`CryptoError::Kdf`] on bad parameters.
pub fn dummy_password_hash(params: KdfParams) -> Result<String, CryptoError> {
    params.argon2()?;
    let b64 = &data_encoding::BASE64_NOPAD;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_kib,
        params.t,
        params.p,
        b64.encode(&random_salt()),
        b64.encode(&random_array::<32>()),
    ))
}

/// A fixed dummy hash with [`KdfParams::DEFAULT`], for when the configured
/// parameters cannot make one (configuration checks refuse such parameters
/// before the server starts, so this is a last resort, never an answer).
pub const FALLBACK_DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YZAvEyqgoW0J43C2chJ4dw$a1vYPNDa/GrRi3eYQYgHgEzX/DCPxn4AOUhF6G01Inw";

/// Whether a stored hash was made with less memory, fewer passes or fewer
/// lanes than `params` asks for (it is then made again at the next log-in).
///
/// # Errors
/// [`CryptoError::Kdf`] if the PHC string is malformed.
pub fn hash_is_weaker(phc: &str, params: KdfParams) -> Result<bool, CryptoError> {
    let hash = argon2::PasswordHash::new(phc).map_err(|_| CryptoError::Kdf)?;
    let stored = Params::try_from(&hash).map_err(|_| CryptoError::Kdf)?;
    Ok(stored.m_cost() < params.m_kib || stored.t_cost() < params.t || stored.p_cost() < params.p)
}
