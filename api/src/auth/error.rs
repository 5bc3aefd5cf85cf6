//! What account and session operations fail with. Domain errors only: the
//! HTTP edge (`crate::error`) decides what each one answers.

use strongroom_shared::FieldError;

use crate::crypto::CryptoError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// One or more fields broke a rule.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("{0}")]
    Unauthorized(Unauthorized),
    /// The signed-in caller confirmed a sensitive change with the wrong password.
    #[error("the password is wrong")]
    WrongPassword,
    /// The caller's account record is gone (deleted while a token lived).
    #[error("the account does not exist")]
    AccountGone,
    /// Disabled by the administrator.
    #[error("this account is disabled")]
    AccountDisabled,
    /// A read-only app password was used for a request that writes.
    #[error("this app password is read-only")]
    ReadOnly,
    /// An app password was used where only a log-in session may act.
    #[error("this takes a log-in session, not an app password")]
    SessionRequired,
    /// Too many failed attempts at this account; try again after `retry_after`.
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    Locked { retry_after_secs: u64 },
    /// More key work is waiting than the server takes.
    #[error("the server is busy; try again in a moment")]
    Busy,
    #[error("this server does not take sign-ups")]
    SignupClosed,
    /// The invite code is not one, or was used, or has expired (which is not said).
    #[error("this invite code cannot be used")]
    InviteInvalid,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Key material failed to derive, wrap or unwrap.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A token could not be signed, or key work could not run.
    #[error("{0}")]
    Internal(String),
}

/// Why a request was not authenticated. Deliberately coarse: log in never says
/// whether the email or the password was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unauthorized {
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("a bearer token is required")]
    MissingToken,
    #[error("a refresh token is required, in the body or the session cookie")]
    MissingRefreshToken,
    #[error("the token is invalid")]
    InvalidToken,
    #[error("the token has expired")]
    TokenExpired,
    #[error("the session has ended; log in again")]
    SessionEnded,
    #[error("this refresh token was already used; the session has been ended for safety")]
    RefreshTokenReused,
    #[error("email or recovery code is wrong")]
    InvalidRecovery,
}

impl From<Unauthorized> for AuthError {
    fn from(why: Unauthorized) -> Self {
        Self::Unauthorized(why)
    }
}

impl AuthError {
    pub fn invalid_field(field: &str, invalid: strongroom_shared::validate::Invalid) -> Self {
        Self::Invalid(vec![invalid.for_field(field)])
    }
}
