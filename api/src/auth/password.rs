//! Changing the password: only the master key's wrap changes, no file is
//! re-encrypted; every other session ends.

use super::typed::TypedPassword;
use super::wraps::{encode_params, wrap_under_password};
use super::{Accounts, AuthError, Caller};
use crate::crypto::keys::{self, Umk};
use crate::store::meta::{UserKeys, UserRecord};
use strongroom_shared::ChangePasswordRequest;
use strongroom_shared::validate::check_password;

impl Accounts {
    /// Checks the caller's password again before a sensitive change; wrong
    /// ones count towards the account's lock-out like a failed log-in.
    pub(super) async fn confirm_password(
        &self,
        caller: &Caller,
        password: String,
    ) -> Result<UserRecord, AuthError> {
        let user = self.user(caller.user_id).await?;
        let account = self.lockout.account(&user.email);
        self.attempt(&account).await?;
        let password = TypedPassword::new(password);
        let hash = user.password_hash.clone();
        let form = self
            .key_work
            .run(move || Ok(password.check(&hash)?))
            .await?;
        if form.is_none() {
            return Err(AuthError::WrongPassword);
        }
        self.attempt_succeeded(&account).await?;
        Ok(user)
    }

    pub async fn change_password(
        &self,
        caller: &Caller,
        req: ChangePasswordRequest,
    ) -> Result<(), AuthError> {
        caller.require_session()?;
        let user = self.user(caller.user_id).await?;
        check_password(&req.new_password, Some(&user.email))
            .map_err(|e| AuthError::invalid_field("new_password", e))?;
        let user = self.confirm_password(caller, req.current_password).await?;
        let params = self.settings.kdf;
        let new_password = TypedPassword::new(req.new_password);
        let umk = Umk::from_bytes(*caller.umk.as_bytes());
        let user_id = user.id;
        let (password_hash, kek_salt, wrapped_umk) = self
            .key_work
            .run(move || {
                let new_password = new_password.normalized();
                let hash = keys::hash_password(new_password.as_bytes(), params)?;
                let (salt, wrapped) = wrap_under_password(new_password, params, user_id, &umk)?;
                Ok((hash, salt, wrapped))
            })
            .await?;
        let keys = UserKeys {
            kek_salt,
            kek_params: encode_params(params),
            wrapped_umk,
            ..user.keys
        };
        self.meta
            .update_credentials(user.id, &password_hash, &keys)
            .await?;
        self.meta
            .delete_sessions_except(user.id, Some(caller.session_id))
            .await?;
        // App passwords stay: each unwraps the UMK (unchanged) from its own
        // secret, and scripts and mounts should not break with a password
        // change; the account page lists them for revoking.
        tracing::info!(user = %user.id, "password changed; other sessions ended");
        Ok(())
    }
}
