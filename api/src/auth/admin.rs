//! What the server's administrator does to accounts (`strongroom admin`):
//! list them, disable and enable them, set quotas, make invites, delete.
//! Through the same stores as requests, with no request around them.

use strongroom_shared::validate::normalize_email;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::accounts::{invite_hash, now_seconds};
use super::wraps::new_recovery_code;
use super::{Accounts, AuthError};
use crate::store::meta::{InviteRecord, UserRecord};

/// An invite as made: the code is shown once and never stored.
pub struct Invite {
    pub code: String,
    pub expires_at: OffsetDateTime,
}

impl Accounts {
    pub async fn all_users(&self) -> Result<Vec<UserRecord>, AuthError> {
        Ok(self.meta.all_users().await?)
    }

    /// The account of an email; `AccountGone` when there is none.
    pub async fn user_by_email(&self, email: &str) -> Result<UserRecord, AuthError> {
        let email = normalize_email(email).map_err(|e| AuthError::invalid_field("email", e))?;
        self.meta
            .user_by_email(&email)
            .await?
            .ok_or(AuthError::AccountGone)
    }

    /// Disabling ends every session of the account at once.
    pub async fn set_disabled(&self, id: Uuid, disabled: bool) -> Result<(), AuthError> {
        self.meta.set_disabled(id, disabled).await?;
        if disabled {
            self.meta.delete_sessions_except(id, None).await?;
        }
        tracing::info!(user = %id, disabled, "account disabled or enabled by the administrator");
        Ok(())
    }

    pub async fn set_quota(&self, id: Uuid, quota_bytes: u64) -> Result<(), AuthError> {
        self.meta.set_quota(id, quota_bytes).await?;
        tracing::info!(user = %id, quota_bytes, "quota set by the administrator");
        Ok(())
    }

    pub async fn create_invite(&self, valid_for: Duration) -> Result<Invite, AuthError> {
        let code = new_recovery_code();
        let created_at = now_seconds();
        let expires_at = created_at + valid_for;
        self.meta
            .create_invite(&InviteRecord {
                code_hash: invite_hash(&code),
                created_at,
                expires_at,
            })
            .await?;
        Ok(Invite {
            code: code.to_string(),
            expires_at,
        })
    }

    /// Deletes an account's records without its password; returns the
    /// objects its files pointed at (`AppState::remove_account` deletes those).
    pub async fn remove_account(&self, id: Uuid) -> Result<Vec<Uuid>, AuthError> {
        let objects = self.meta.object_ids(id).await?;
        self.meta.delete_user(id).await?;
        tracing::info!(user = %id, "account deleted by the administrator");
        Ok(objects)
    }
}
