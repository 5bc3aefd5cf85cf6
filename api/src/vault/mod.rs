//! The vault: the files and folders of a signed-in user, their encrypted
//! names and contents. Plain Rust over the stores (`Vault`), returning domain
//! results (`Download`, `VaultError`); nothing here knows HTTP, which is the
//! edge's business (`crate::routes`).

mod binding;
pub mod download;
mod error;
mod folder_shares;
pub mod links;
mod listing_cache;
mod listing_snapshot;
mod listings;
pub mod names;
pub mod props;
mod running;
pub mod shared;
pub mod shared_folder;
pub mod shares;
pub mod sweeper;
#[cfg(test)]
mod testing;
pub mod trash;
pub mod tree;
pub mod upload;
mod versions;

use std::sync::Arc;

use uuid::Uuid;

use crate::auth::{KeyWork, TokenService};
use crate::config::Config;
use crate::crypto::keys::KdfParams;
use crate::store::{BlobStore, MetaStore, ObjectKey};

pub use error::VaultError;
use listings::Listings;
pub use names::Names;
pub use props::DeadProp;
use running::Running;

/// What vault operations need to know of the configuration.
#[derive(Clone, Copy, Debug)]
pub struct VaultLimits {
    pub max_upload_bytes: u64,
    pub download_url_ttl_secs: u64,
    pub folder_depth: usize,
    pub nodes_per_account: u64,
    pub uploads_per_account: usize,
    /// Days deleted nodes stay in the trash; `0`: a delete is final.
    pub trash_retention_days: u32,
    /// Earlier contents kept per file.
    pub versions_kept: usize,
    /// Argon2 parameters for share passwords (the accounts' own).
    pub share_kdf: KdfParams,
    /// Budget of the listing cache (`listing_cache.rs`); `0`: none.
    pub listing_cache_bytes: usize,
}

impl VaultLimits {
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_upload_bytes: config.max_upload_bytes,
            download_url_ttl_secs: config.download_url_ttl_secs,
            folder_depth: config.limits.folder_depth,
            nodes_per_account: config.limits.nodes_per_account,
            uploads_per_account: config.limits.uploads_per_account,
            trash_retention_days: config.trash_retention_days,
            versions_kept: config.versions_kept,
            share_kdf: config.kdf.params(),
            // Checked to be at most 16 GiB: a 32-bit target gets what it can address.
            listing_cache_bytes: usize::try_from(config.listing_cache_bytes).unwrap_or(usize::MAX),
        }
    }
}

/// Files and folders, over both stores.
pub struct Vault {
    meta: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    /// Signs download URLs.
    tokens: Arc<TokenService>,
    /// Argon2 for share passwords, shared with log-ins.
    key_work: Arc<KeyWork>,
    limits: VaultLimits,
    /// Uploads running on this server, per account, with the quota they hold.
    running: Running,
    /// Folder listings decrypted and sorted, per user and folder version,
    /// and their snapshots.
    listings: Listings,
}

impl Vault {
    pub fn new(
        meta: Arc<dyn MetaStore>,
        blobs: Arc<dyn BlobStore>,
        tokens: Arc<TokenService>,
        key_work: Arc<KeyWork>,
        limits: VaultLimits,
    ) -> Self {
        let listings = Listings::new(
            Arc::clone(&meta),
            Arc::clone(&blobs),
            limits.listing_cache_bytes,
        );
        Self {
            meta,
            blobs,
            tokens,
            key_work,
            listings,
            limits,
            running: Running::default(),
        }
    }

    /// Removes objects whose records are gone. A failure here leaves an orphan
    /// that the sweeper removes later, so it is logged, not returned.
    pub async fn delete_objects(&self, user_id: Uuid, objects: Vec<Uuid>) {
        for object_id in objects {
            if let Err(err) = self.blobs.delete(&ObjectKey::new(user_id, object_id)).await {
                tracing::warn!(%object_id, error = %err, "object not deleted; the sweeper will retry");
            }
        }
    }
}
