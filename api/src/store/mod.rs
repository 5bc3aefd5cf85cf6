//! Storage behind narrow traits: `MetaStore` (records: users, sessions, the
//! tree) and `BlobStore` (encrypted objects). Each has an embedded and an AWS
//! implementation, chosen by configuration in `open`; every call is
//! measured for the metrics (`metered`).

pub mod aws;
pub mod blob;
pub mod meta;
pub mod metered;

use std::path::PathBuf;
use std::sync::Arc;

use aws_config::SdkConfig;

use crate::config::{BlobBackend, Config, MetaBackend};
use crate::crypto::keys::ProfileKeys;

pub use blob::{BlobStore, ObjectKey};
pub use meta::MetaStore;
use metered::MeteredBlobs;

/// The two stores the configuration names.
#[derive(Clone)]
pub struct Stores {
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
}

impl Stores {
    /// Both backends answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        tokio::try_join!(self.meta.ping(), self.blobs.ping())?;
        Ok(())
    }
}

/// Opens the configured backends. The AWS ones check that their bucket and
/// table exist (creating them with `storage.auto_create`), so a missing or
/// unreachable backend stops start-up with a message that names it. The
/// metadata store seals emails and display names with `keys` (from the
/// token secret) and brings accounts stored in clear to that form first.
pub async fn open(config: &Config, keys: &ProfileKeys) -> Result<Stores, StoreError> {
    let sdk = aws_sdk_config(config).await;
    let meta = open_meta(config, sdk.as_ref(), keys).await?;
    let blobs = open_blobs(config, sdk.as_ref()).await?;
    Ok(Stores { meta, blobs })
}

/// The AWS SDK configuration, when either backend is an AWS one.
pub async fn aws_sdk_config(config: &Config) -> Option<SdkConfig> {
    let storage = &config.storage;
    match storage.uses_aws() {
        true => Some(aws::sdk_config(&storage.aws).await),
        false => None,
    }
}

/// The metadata store alone (`open`'s first half; `strongroom config check`
/// opens the two separately to say which one fails).
pub async fn open_meta(
    config: &Config,
    sdk: Option<&SdkConfig>,
    keys: &ProfileKeys,
) -> Result<Arc<dyn MetaStore>, StoreError> {
    let storage = &config.storage;
    Ok(match (storage.meta, sdk) {
        (MetaBackend::Dynamodb, Some(sdk)) => Arc::new(
            meta::dynamodb::DynamoMetaStore::connect(
                sdk,
                &storage.dynamodb,
                storage.auto_create,
                keys,
            )
            .await?,
        ),
        _ => {
            let db_path = sqlite_path(config);
            let keys = keys.clone();
            Arc::new(
                tokio::task::spawn_blocking(move || {
                    meta::sqlite::SqliteMetaStore::open(&db_path, &keys)
                })
                .await
                .map_err(|err| StoreError::Backend(Box::new(err)))??,
            )
        }
    })
}

/// The object store alone (`open`'s second half).
pub async fn open_blobs(
    config: &Config,
    sdk: Option<&SdkConfig>,
) -> Result<Arc<dyn BlobStore>, StoreError> {
    let storage = &config.storage;
    Ok(match (storage.blob, sdk) {
        (BlobBackend::S3, Some(sdk)) => Arc::new(MeteredBlobs::new(
            Arc::new(blob::s3::S3BlobStore::connect(sdk, &storage.s3, storage.auto_create).await?),
            "s3",
        )),
        _ => Arc::new(MeteredBlobs::new(
            Arc::new(blob::fs::FsBlobStore::open(&objects_dir(config))?),
            "fs",
        )),
    })
}

/// The embedded metadata store's file (`storage.meta = "sqlite"`).
pub fn sqlite_path(config: &Config) -> PathBuf {
    config.data_dir.join("strongroom.db")
}

/// The embedded object store's folder (`storage.blob = "fs"`).
pub fn objects_dir(config: &Config) -> PathBuf {
    config.data_dir.join("objects")
}

/// Errors of every storage backend. "Not found" and "conflict" are values, never
/// strings to parse.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit; nothing was written.
    #[error("{0} taken")]
    Conflict(Conflict),
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
    /// The accounts in the metadata store are sealed under another token
    /// secret than the one given: nobody could log in, and every email could
    /// sign up again, so the store does not open.
    #[error(
        "the accounts in the metadata store are sealed under another token secret: start with \
         the `token_secret_file` they were written with"
    )]
    ForeignSecret,
    /// Stored data does not have the expected shape.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// An upload stopped before its end (the client went away or failed):
    /// the object is not stored.
    #[error("the upload was abandoned")]
    Abandoned,
    /// The user has as many files and folders as allowed; nothing was written.
    #[error("node limit reached")]
    NodeLimit,
    /// The invite does not exist (any more) or has expired; nothing was written.
    #[error("the invite cannot be used")]
    InviteUnusable,
    #[error("backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which uniqueness rule a write hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// An account with that email exists.
    #[error("email")]
    Email,
    /// Something of that name is in the folder.
    #[error("name")]
    Name,
    /// A record with that id exists (or another uniqueness rule of the schema).
    #[error("id")]
    Id,
}
