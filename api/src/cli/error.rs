//! What an admin command fails with. Each message names what is wrong; none
//! carries a secret.

use std::path::PathBuf;

use crate::auth::AuthError;
use crate::auth::secret::SecretError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no account has the email {0}")]
    NoSuchAccount(String),
    #[error("no account can have the email {email:?}: {reason}")]
    NotAnEmail { email: String, reason: String },
    /// The embedded store the configuration names is not there: most likely
    /// the command runs with another configuration or working directory than
    /// the server's. Nothing is created in its place.
    #[error(
        "there is no {what} at {path}: run this with the server's configuration \
         (its working directory or `data_dir`, or STRONGROOM_CONFIG naming its strongroom.toml)"
    )]
    NoEmbeddedStore { what: &'static str, path: PathBuf },
    #[error("cannot reach {path}: {source}")]
    Unreachable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Auth(AuthError),
    #[error(
        "not deleting {0}: there is no terminal to confirm on; add --yes to delete without asking"
    )]
    NoTerminal(String),
    #[error("not deleted: what was typed is not the account's email")]
    NotConfirmed,
    #[error("cannot read the confirmation: {0}")]
    Prompt(#[source] std::io::Error),
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl AdminError {
    /// An `AuthError` of an operation on the account of `email`: the ones that
    /// mean "no such account" say so with the email.
    pub fn about(email: &str) -> impl Fn(AuthError) -> Self + '_ {
        move |err| match err {
            AuthError::AccountGone | AuthError::Store(StoreError::NotFound) => {
                Self::NoSuchAccount(email.to_owned())
            }
            AuthError::Invalid(fields) => Self::NotAnEmail {
                email: email.to_owned(),
                reason: fields
                    .into_iter()
                    .map(|field| field.message)
                    .collect::<Vec<_>>()
                    .join("; "),
            },
            other => Self::Auth(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_account_is_named_by_its_email() {
        for err in [
            AuthError::AccountGone,
            AuthError::Store(StoreError::NotFound),
        ] {
            let shown = AdminError::about("ann@example.com")(err).to_string();
            assert_eq!(shown, "no account has the email ann@example.com");
        }
    }

    #[test]
    fn storage_errors_pass_through_with_their_message() {
        let err = AdminError::about("ann@example.com")(AuthError::Store(StoreError::Unavailable(
            "connection refused".to_owned(),
        )));
        assert!(err.to_string().contains("connection refused"), "{err}");
    }
}
