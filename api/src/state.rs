//! What every handler can reach: the account and vault services over the
//! configured stores. Built once at start-up; below the routes, above the
//! services it holds, and it imports nothing above it.

use std::sync::Arc;

use uuid::Uuid;

use crate::auth::{
    AccountSettings, Accounts, AuthError, Caller, KeyWork, Lockout, TokenSecret, TokenService,
};
use crate::config::Config;
use crate::dav::locks::DavLocks;
use crate::store::Stores;
use crate::vault::{Vault, VaultLimits};

pub struct AppState {
    pub config: Arc<Config>,
    pub stores: Stores,
    pub accounts: Accounts,
    pub vault: Vault,
    /// WebDAV locks, one table for the process (each request takes its
    /// caller's part). In memory, per instance: several instances behind a
    /// load balancer need sticky routing for `/dav`.
    pub dav_locks: DavLocks,
}

impl AppState {
    pub fn new(config: Config, stores: Stores, secret: &TokenSecret) -> Self {
        let tokens = Arc::new(TokenService::new(secret, config.access_token_ttl_secs));
        // One queue for all Argon2 work: log-ins and share passwords alike.
        let key_work = Arc::new(KeyWork::per_core(config.limits.key_work_queue));
        Self {
            accounts: Accounts::new(
                stores.meta.clone(),
                tokens.clone(),
                Lockout::new(secret, &config.limits),
                key_work.clone(),
                AccountSettings::from_config(&config),
            ),
            vault: Vault::new(
                stores.meta.clone(),
                stores.blobs.clone(),
                tokens,
                key_work,
                VaultLimits::from_config(&config),
            ),
            dav_locks: DavLocks::new(),
            stores,
            config: Arc::new(config),
        }
    }

    /// Ends an account: its records first (the wrapped master key with them,
    /// so nothing of it opens from then on), then its objects.
    pub async fn delete_account(&self, caller: &Caller, password: String) -> Result<(), AuthError> {
        let objects = self.accounts.delete_account(caller, password).await?;
        self.vault.delete_objects(caller.user_id, objects).await;
        Ok(())
    }

    /// The administrator's deletion: no password, the same order.
    pub async fn remove_account(&self, id: Uuid) -> Result<(), AuthError> {
        let objects = self.accounts.remove_account(id).await?;
        self.vault.delete_objects(id, objects).await;
        Ok(())
    }
}
