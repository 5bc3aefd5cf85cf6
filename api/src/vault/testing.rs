//! A vault over SQLite and a folder in a temporary directory, and a user in
//! it, for the vault's own tests.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use tempfile::TempDir;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Vault, VaultLimits};
use crate::auth::{Caller, Credential, KeyWork, TokenSecret, TokenService};
use crate::crypto::keys::{KdfParams, Key32, ProfileKeys, Umk};
use crate::store::blob::BlobStore;
use crate::store::blob::fs::FsBlobStore;
use crate::store::meta::sqlite::SqliteMetaStore;
use crate::store::meta::{MetaStore, UserKeys, UserRecord};

pub struct Fixture {
    pub vault: Vault,
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub _dir: TempDir,
}

impl Fixture {
    /// Another vault over the same stores, with nothing kept in memory: a
    /// second server, or this one after a restart.
    pub fn another_vault(&self) -> Vault {
        vault_over(Arc::clone(&self.meta), Arc::clone(&self.blobs))
    }
}

pub fn fixture() -> Fixture {
    let dir = TempDir::new().unwrap();
    let profile = ProfileKeys::derive(&Key32::from_bytes([3; 32]));
    let meta: Arc<dyn MetaStore> =
        Arc::new(SqliteMetaStore::open(&dir.path().join("meta.db"), &profile).unwrap());
    let blobs: Arc<dyn BlobStore> = Arc::new(FsBlobStore::open(&dir.path().join("blobs")).unwrap());
    Fixture {
        vault: vault_over(Arc::clone(&meta), Arc::clone(&blobs)),
        meta,
        blobs,
        _dir: dir,
    }
}

fn vault_over(meta: Arc<dyn MetaStore>, blobs: Arc<dyn BlobStore>) -> Vault {
    let tokens = Arc::new(TokenService::new(&TokenSecret::from_bytes([4; 32]), 60));
    let limits = VaultLimits {
        max_upload_bytes: 1 << 20,
        download_url_ttl_secs: 60,
        folder_depth: 32,
        nodes_per_account: 1000,
        uploads_per_account: 4,
        trash_retention_days: 30,
        versions_kept: 0,
        share_kdf: KdfParams::TESTING,
        listing_cache_bytes: 1 << 20,
    };
    Vault::new(meta, blobs, tokens, Arc::new(KeyWork::per_core(4)), limits)
}

pub async fn caller(meta: &dyn MetaStore) -> Caller {
    let id = Uuid::new_v4();
    let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let user = UserRecord {
        id,
        email: format!("{}@example.com", id.simple()),
        display_name: None,
        password_hash: "$argon2id$v=19$m=256,t=1,p=1$c2FsdA$aGFzaA".to_owned(),
        keys: UserKeys {
            kek_salt: [1; 16],
            kek_params: "m=256,t=1,p=1".to_owned(),
            wrapped_umk: vec![1; 60],
            recovery_salt: [2; 16],
            recovery_params: "m=256,t=1,p=1".to_owned(),
            recovery_wrapped_umk: vec![2; 60],
        },
        quota_bytes: 1 << 20,
        used_bytes: 0,
        created_at: now,
        disabled: false,
    };
    meta.create_user(&user, None).await.unwrap();
    Caller {
        user_id: id,
        session_id: Uuid::new_v4(),
        umk: Umk::random(),
        credential: Credential::Session,
    }
}
