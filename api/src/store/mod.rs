//! Storage behind two narrow traits: `MetaStore` (records) here, `BlobStore`
//! (encrypted objects) with the files capability. Each has an embedded and an AWS
//! implementation chosen by configuration.

pub mod aws;
pub mod blob;
pub mod meta;

pub use blob::{BlobStore, ObjectKey};
pub use meta::MetaStore;

/// Errors of every storage backend. "Not found" and "conflict" are values, never
/// strings to parse.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit; the string names which (`email`, `name`).
    #[error("conflict on {0}")]
    Conflict(&'static str),
    /// The write would take the user past their quota; nothing was written.
    #[error("quota exceeded")]
    QuotaExceeded,
    /// A folder cannot move into itself or below itself; the root cannot move.
    #[error("invalid move")]
    InvalidMove,
    /// The backend cannot be reached or is overloaded; retrying later may work.
    #[error("backend unavailable: {0}")]
    Unavailable(String),
    /// A bucket or table the configuration names does not exist (and
    /// `storage.auto_create` is off). The message names it.
    #[error("{0}")]
    Missing(String),
    /// Stored data does not have the expected shape.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}
