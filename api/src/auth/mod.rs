//! Accounts and sessions: sign-up, log-in, rotating refresh tokens, access
//! JWTs that carry the wrapped master key, password change, recovery. Plain
//! Rust over the stores (`Accounts`); nothing here knows HTTP, which is the
//! edge's business (`crate::routes`).

mod accounts;
mod admin;
mod app_passwords;
mod caller;
mod error;
pub mod key_work;
mod lockout;
mod password;
mod recovery;
pub mod secret;
mod sessions;
pub mod tokens;
mod typed;
mod wraps;

pub use accounts::{AccountSettings, Accounts, invite_hash, profile};
pub use admin::Invite;
pub use caller::{Caller, Credential};
pub use error::{AuthError, Unauthorized};
pub use key_work::KeyWork;
pub use lockout::Lockout;
pub use secret::TokenSecret;
pub use tokens::TokenService;
pub use wraps::stored_params;
