//! App passwords: created, listed and revoked by a log-in session, and
//! recognised on every API request that carries one as a bearer token.
//!
//! What happens to them (README, docs/design.md §7): a password change
//! keeps them (each wraps the unchanged UMK under its own secret); recovery
//! revokes them all (`recovery.rs`); a disabled account's are refused on
//! every request but kept, so re-enabling brings them back; account deletion
//! deletes them. The per-account lock-out does not apply: a 256-bit secret
//! cannot be guessed, and counting failures per account would let anyone
//! lock the owner's scripts out. Failures count against the per-address
//! log-in rate limit instead (`routes/caller.rs`).

use strongroom_shared::validate::normalize_app_password_name;
use strongroom_shared::{AppPassword, AppPasswordList, CreateAppPasswordRequest};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::accounts::now_seconds;
use super::{Accounts, AuthError, Caller, Credential, Unauthorized};
use crate::crypto::keys::{APP_PASSWORD_PREFIX, AppPasswordNames, AppPasswordSecret};
use crate::store::StoreError;
use crate::store::meta::AppPasswordRecord;

/// `last_used_at` is written at most this often per app password: a mount
/// sends many requests, and the list only needs to say roughly when.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Whether a bearer token is an app password (rather than a JWT).
pub(super) fn is_app_password(token: &str) -> bool {
    token.starts_with(APP_PASSWORD_PREFIX)
}

fn shown(record: &AppPasswordRecord, names: &AppPasswordNames) -> Result<AppPassword, AuthError> {
    Ok(AppPassword {
        id: record.id,
        name: names.open(record.id, record.user_id, &record.name_ct)?,
        read_only: record.read_only,
        created_at: record.created_at,
        last_used_at: record.last_used_at,
        password: None,
    })
}

impl Accounts {
    /// A new app password; the answer carries it, once.
    pub async fn create_app_password(
        &self,
        caller: &Caller,
        req: CreateAppPasswordRequest,
    ) -> Result<AppPassword, AuthError> {
        caller.require_session()?;
        let name = normalize_app_password_name(&req.name)
            .map_err(|e| AuthError::invalid_field("name", e))?;
        let id = Uuid::new_v4();
        let secret = AppPasswordSecret::generate();
        let names = AppPasswordNames::derive(&caller.umk);
        let record = AppPasswordRecord {
            id,
            user_id: caller.user_id,
            name_ct: names.seal(id, caller.user_id, &name),
            secret_hash: secret.hash(),
            wrapped_umk: secret.wrap_umk(id, caller.user_id, &caller.umk),
            read_only: req.read_only,
            created_at: now_seconds(),
            last_used_at: None,
        };
        self.meta.create_app_password(&record).await?;
        tracing::info!(user = %caller.user_id, app_password = %id, read_only = req.read_only, "app password created");
        Ok(AppPassword {
            password: Some(secret.token(id)),
            ..shown(&record, &names)?
        })
    }

    /// The caller's app passwords, newest first.
    pub async fn app_passwords(&self, caller: &Caller) -> Result<AppPasswordList, AuthError> {
        caller.require_session()?;
        let names = AppPasswordNames::derive(&caller.umk);
        let items = self
            .meta
            .app_passwords(caller.user_id)
            .await?
            .iter()
            .map(|record| shown(record, &names))
            .collect::<Result<_, _>>()?;
        Ok(AppPasswordList { items })
    }

    /// Revokes one of the caller's; effective at once (every request reads
    /// the record). `NotFound` (404) when the caller has none of that id.
    pub async fn revoke_app_password(&self, caller: &Caller, id: Uuid) -> Result<(), AuthError> {
        caller.require_session()?;
        if !self.meta.delete_app_password(caller.user_id, id).await? {
            return Err(StoreError::NotFound.into());
        }
        tracing::info!(user = %caller.user_id, app_password = %id, "app password revoked");
        Ok(())
    }

    /// The caller behind an app password: it must exist, its secret must
    /// hash to the stored hash (constant time), its account must exist and
    /// not be disabled, and the UMK is unwrapped from the secret. Every
    /// refusal is the same `InvalidToken`, but a disabled account's.
    pub(super) async fn authenticate_app_password(&self, token: &str) -> Result<Caller, AuthError> {
        let (id, secret) = AppPasswordSecret::parse(token).ok_or(Unauthorized::InvalidToken)?;
        let record = self
            .meta
            .app_password_by_id(id)
            .await?
            .ok_or(Unauthorized::InvalidToken)?;
        if !secret.matches(&record.secret_hash) {
            return Err(Unauthorized::InvalidToken.into());
        }
        let user = self
            .meta
            .user_by_id(record.user_id)
            .await?
            .ok_or(Unauthorized::InvalidToken)?;
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        let umk = secret
            .unwrap_umk(id, record.user_id, &record.wrapped_umk)
            .map_err(|_| StoreError::Corrupt("app password key".to_owned()))?;
        self.touch(&record).await;
        Ok(Caller {
            user_id: record.user_id,
            session_id: id,
            umk,
            credential: Credential::AppPassword {
                read_only: record.read_only,
            },
        })
    }

    /// Whether `email` (as typed; normalised here) is the address of the
    /// account `user_id`: a WebDAV client's Basic user name must be.
    pub async fn is_email_of(&self, email: &str, user_id: Uuid) -> Result<bool, AuthError> {
        let Ok(email) = strongroom_shared::validate::normalize_email(email) else {
            return Ok(false);
        };
        Ok(self
            .meta
            .user_by_email(&email)
            .await?
            .is_some_and(|user| user.id == user_id))
    }

    /// Records the use, at most once a minute; a failure to record it is
    /// logged, never the request's failure.
    async fn touch(&self, record: &AppPasswordRecord) {
        let now = OffsetDateTime::now_utc();
        if record.last_used_at.is_some_and(|at| now - at < TOUCH_EVERY) {
            return;
        }
        if let Err(err) = self
            .meta
            .touch_app_password(record.user_id, record.id, now_seconds())
            .await
        {
            tracing::warn!(error = %err, app_password = %record.id, "could not record an app password's use");
        }
    }
}
