//! Passwords as typed. They are NFC-normalised before hashing and key
//! derivation, so one password typed on two platforms (an accent composed on
//! one, decomposed on the other) is one password. Accounts made before this
//! hashed the form as typed: when the normalised form fails, that form is
//! tried once, and a log-in that succeeds with it makes the hash and the
//! password's key wrap again from the normalised form (`Accounts::login`).

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::crypto::CryptoError;
use crate::crypto::keys;

/// Which form of a typed password a stored hash accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Form {
    Normalized,
    /// As typed, and different from the normalised form: an older account.
    AsTyped,
}

pub(super) struct TypedPassword {
    normalized: Zeroizing<String>,
    /// Only when it differs from `normalized`.
    as_typed: Option<Zeroizing<String>>,
}

impl TypedPassword {
    pub(super) fn new(typed: String) -> Self {
        let typed = Zeroizing::new(typed);
        let normalized = Zeroizing::new(typed.nfc().collect::<String>());
        let as_typed = (*normalized != *typed).then_some(typed);
        Self {
            normalized,
            as_typed,
        }
    }

    /// What new hashes and key wraps are made from.
    pub(super) fn normalized(&self) -> &str {
        &self.normalized
    }

    pub(super) fn form(&self, form: Form) -> &str {
        match (form, &self.as_typed) {
            (Form::AsTyped, Some(typed)) => typed,
            _ => &self.normalized,
        }
    }

    /// The form `phc` accepts, normalised first. A password that is its own
    /// normal form costs one Argon2 run, another two, whether the hash is a
    /// real one or the dummy of an unknown email: the answer's timing says
    /// nothing about the account.
    pub(super) fn check(&self, phc: &str) -> Result<Option<Form>, CryptoError> {
        if keys::verify_password(self.normalized.as_bytes(), phc)? {
            return Ok(Some(Form::Normalized));
        }
        match &self.as_typed {
            Some(typed) if keys::verify_password(typed.as_bytes(), phc)? => Ok(Some(Form::AsTyped)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::crypto::keys::KdfParams;

    const COMPOSED: &str = "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e";
    const DECOMPOSED: &str = "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e";

    #[test]
    fn both_spellings_are_one_password() {
        let composed = TypedPassword::new(COMPOSED.to_owned());
        let decomposed = TypedPassword::new(DECOMPOSED.to_owned());
        assert_eq!(composed.normalized(), decomposed.normalized());
        let hash =
            keys::hash_password(composed.normalized().as_bytes(), KdfParams::TESTING).unwrap();
        assert_eq!(composed.check(&hash).unwrap(), Some(Form::Normalized));
        assert_eq!(decomposed.check(&hash).unwrap(), Some(Form::Normalized));
    }

    #[test]
    fn an_old_hash_of_the_form_as_typed_still_opens() {
        let old = keys::hash_password(DECOMPOSED.as_bytes(), KdfParams::TESTING).unwrap();
        let typed = TypedPassword::new(DECOMPOSED.to_owned());
        assert_eq!(typed.check(&old).unwrap(), Some(Form::AsTyped));
        assert_eq!(typed.form(Form::AsTyped), DECOMPOSED);
        // Typed the other way, the old hash cannot know it: it never could.
        assert_eq!(
            TypedPassword::new(COMPOSED.to_owned()).check(&old).unwrap(),
            None
        );
        assert_eq!(
            TypedPassword::new("wrong".to_owned()).check(&old).unwrap(),
            None
        );
    }
}
