//! Emails and display names as both stores keep them: a keyed index of the
//! normalised email to find and claim an account by, and the two fields
//! sealed to the user (`crypto::keys::ProfileKeys`). Callers only ever see
//! the plaintext `UserRecord`.

use strongroom_shared::validate::normalize_email;
use uuid::Uuid;

use crate::crypto::keys::{ProfileField, ProfileKeys};
use crate::store::StoreError;

/// What is stored in place of a user's email and display name.
pub(crate) struct SealedProfile {
    pub email_index: [u8; 32],
    pub email_ct: Vec<u8>,
    pub display_name_ct: Option<Vec<u8>>,
}

/// The email as indexed: normalised like every sign-up and log-in does (a
/// string that is no email at all, which no account has, as it is).
pub(crate) fn normalized(email: &str) -> String {
    normalize_email(email).unwrap_or_else(|_| email.to_owned())
}

pub(crate) fn email_index(keys: &ProfileKeys, email: &str) -> [u8; 32] {
    keys.email_index(&normalized(email))
}

pub(crate) fn seal(
    keys: &ProfileKeys,
    id: Uuid,
    email: &str,
    display_name: Option<&str>,
) -> SealedProfile {
    let user = id.as_bytes();
    SealedProfile {
        email_index: email_index(keys, email),
        email_ct: keys.seal(ProfileField::Email, user, email),
        display_name_ct: display_name.map(|name| keys.seal(ProfileField::DisplayName, user, name)),
    }
}

/// The email and display name of user `id`; `Corrupt` when either fails to
/// open (another token secret, or a field moved from another user).
pub(crate) fn open(
    keys: &ProfileKeys,
    id: Uuid,
    email_ct: &[u8],
    display_name_ct: Option<&[u8]>,
) -> Result<(String, Option<String>), StoreError> {
    let user = id.as_bytes();
    let corrupt =
        |field: &str| StoreError::Corrupt(format!("the {field} of user {id} does not open"));
    let email = keys
        .open(ProfileField::Email, user, email_ct)
        .map_err(|_| corrupt("email"))?;
    let display_name = display_name_ct
        .map(|ct| keys.open(ProfileField::DisplayName, user, ct))
        .transpose()
        .map_err(|_| corrupt("display name"))?;
    Ok((email, display_name))
}

/// Compares the check value a store holds with this secret's: accounts
/// sealed under another secret would all be unreachable, and the same
/// emails could sign up again, so the store refuses to open.
pub(crate) fn check_secret(keys: &ProfileKeys, stored: &[u8]) -> Result<(), StoreError> {
    match stored == keys.key_check() {
        true => Ok(()),
        false => Err(StoreError::ForeignSecret),
    }
}
