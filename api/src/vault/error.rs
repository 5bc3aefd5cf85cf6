//! What operations on files and folders fail with. Domain errors only: the
//! HTTP edge (`crate::error`) decides what each one answers.

use strongroom_shared::FieldError;

use crate::auth::Unauthorized;
use crate::crypto::CryptoError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A name broke a rule; the field error names the rule.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// No such node of the caller's (another user's ids look the same).
    #[error("not found")]
    NotFound,
    #[error("this is not a folder")]
    NotAFolder,
    #[error("this is not a file")]
    NotAFile,
    #[error("something with this name already exists in the folder")]
    NameTaken,
    /// The root cannot move or go, and a folder cannot move into itself or below.
    #[error("a folder cannot move into itself or one of its subfolders, and the root cannot move")]
    InvalidMove,
    /// A listing cursor no listing of this folder gave.
    #[error("the cursor is not one of this folder's listing")]
    InvalidCursor,
    #[error("limit must be between 1 and {max}")]
    InvalidLimit { max: usize },
    #[error("the search query `q` cannot be empty")]
    EmptyQuery,
    #[error("the file is larger than the largest upload allowed ({limit} bytes)")]
    UploadTooLarge { limit: u64 },
    #[error("not enough storage quota left for this file")]
    QuotaExceeded,
    /// As `QuotaExceeded`, when the trash or earlier versions take space
    /// the owner could free.
    #[error(
        "not enough storage quota left for this file; the trash holds {trash_bytes} bytes and earlier versions of files {version_bytes}: emptying the trash or deleting versions frees that space"
    )]
    QuotaExceededFreeable {
        trash_bytes: u64,
        version_bytes: u64,
    },
    /// Restoring from the trash into a folder where the name is taken now.
    #[error(
        "something with this name is in that folder now: restore it under another `name`, or into another folder (`parent_id`)"
    )]
    RestoreNameTaken,
    /// No such version of that file.
    #[error("no such version of this file")]
    VersionNotFound,
    #[error("the upload ended before the whole body arrived")]
    IncompleteUpload,
    #[error("the request body arrived too slowly")]
    BodyTooSlow,
    #[error("a folder here would be deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("the account holds as many files and folders as allowed ({max})")]
    NodeLimit { max: u64 },
    #[error("this account runs as many uploads as allowed ({max}); try again when one ends")]
    TooManyUploads { max: usize },
    /// A node's WebDAV dead properties would take more than `limit` bytes
    /// sealed.
    #[error("the properties of this file or folder would take more than {limit} bytes")]
    PropsTooLarge { limit: usize },
    #[error("the requested range is outside the file")]
    RangeNotSatisfiable { size: u64 },
    /// A download URL that is not one, or is out of date.
    #[error("{0}")]
    Link(Unauthorized),
    /// A stored object failed authentication: it was altered or damaged.
    #[error("the stored file failed its integrity check and cannot be delivered")]
    Integrity(#[source] CryptoError),
    /// A share link that opens nothing: never made, expired, revoked, out
    /// of downloads, or its file is gone (all alike on purpose).
    #[error("no such share")]
    ShareNotFound,
    #[error("this share needs its password (header X-Share-Password)")]
    SharePasswordRequired,
    #[error("the share's password is not that")]
    SharePasswordWrong,
    /// More key work is queued than the server takes.
    #[error("the server is busy; try again shortly")]
    Busy,
    #[error(transparent)]
    Store(StoreError),
    /// Encryption, or signing a download token, failed.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for VaultError {
    /// The store's refusals that mean something to a caller become theirs.
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(_) => Self::NameTaken,
            StoreError::InvalidMove => Self::InvalidMove,
            StoreError::QuotaExceeded => Self::QuotaExceeded,
            StoreError::NodeLimit => Self::NodeLimit { max: 0 },
            other => Self::Store(other),
        }
    }
}

impl From<CryptoError> for VaultError {
    fn from(err: CryptoError) -> Self {
        Self::Internal(err.to_string())
    }
}

impl From<crate::auth::AuthError> for VaultError {
    /// Token signing and the key work (share passwords) reach the vault
    /// from auth.
    fn from(err: crate::auth::AuthError) -> Self {
        match err {
            crate::auth::AuthError::Busy => Self::Busy,
            other => Self::Internal(other.to_string()),
        }
    }
}
