//! Who a request comes from, once its credential is verified: the user, the
//! credential (a log-in session or an app password), and the user's master
//! key unwrapped from it.

use uuid::Uuid;

use super::AuthError;
use crate::crypto::keys::Umk;

pub struct Caller {
    pub user_id: Uuid,
    /// The id of the credential: the session's, or the app password's.
    pub session_id: Uuid,
    pub umk: Umk,
    pub credential: Credential,
}

/// What the request was authenticated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credential {
    /// An access token of a log-in session.
    Session,
    /// An app password (`sr_app_…`), read-only or not.
    AppPassword { read_only: bool },
}

impl Caller {
    /// Whether the caller may only read.
    pub fn is_read_only(&self) -> bool {
        self.credential == Credential::AppPassword { read_only: true }
    }

    /// Managing credentials takes a log-in session: an app password must
    /// not mint, list or revoke app passwords, nor end a session it is not.
    pub fn require_session(&self) -> Result<(), AuthError> {
        match self.credential {
            Credential::Session => Ok(()),
            Credential::AppPassword { .. } => Err(AuthError::SessionRequired),
        }
    }
}
