//! A forgotten password: the recovery code unwraps the master key, which is
//! wrapped again under the new password and a new code. Every session ends.

use strongroom_shared::validate::{check_password, normalize_email};
use strongroom_shared::{RecoverRequest, RecoverResponse};
use uuid::Uuid;

use super::typed::TypedPassword;
use super::wraps::{
    canonical_recovery_code, encode_params, kek_as_key, new_recovery_code, recovery_aad,
    stored_params, wrap_under_password, wrap_under_recovery,
};
use super::{Accounts, AuthError, Unauthorized};
use crate::crypto::keys::{self, KdfParams, Umk};
use crate::store::meta::{UserKeys, UserRecord};

impl Accounts {
    pub async fn recover(&self, req: RecoverRequest) -> Result<RecoverResponse, AuthError> {
        let email = normalize_email(&req.email).ok();
        check_password(&req.new_password, email.as_deref())
            .map_err(|e| AuthError::invalid_field("new_password", e))?;
        let account = self.lockout.account(email.as_deref().unwrap_or(&req.email));
        self.attempt(&account).await?;
        let user = match &email {
            Some(email) => self.meta.user_by_email(email).await?,
            None => None,
        };
        let params = self.settings.kdf;
        let presented = canonical_recovery_code(&req.recovery_code);
        let new_password = TypedPassword::new(req.new_password);
        let next_code = new_recovery_code();
        let code = next_code.clone();
        let outcome = self
            .key_work
            .run(move || rewrap(user, &presented, new_password.normalized(), &code, params))
            .await?;
        let Some((user_id, password_hash, keys)) = outcome else {
            return Err(Unauthorized::InvalidRecovery.into());
        };
        self.attempt_succeeded(&account).await?;
        self.meta
            .update_credentials(user_id, &password_hash, &keys)
            .await?;
        self.meta.delete_sessions_except(user_id, None).await?;
        // App passwords go too: recovery is how an account is taken back
        // when its password is lost or known to someone else, and whoever
        // knew it could have made app passwords, which open the vault
        // without the password. Only the holder of the code is left in.
        self.meta.delete_app_passwords(user_id).await?;
        tracing::info!(user = %user_id, "password reset with the recovery code; all sessions and app passwords ended");
        Ok(RecoverResponse {
            recovery_code: next_code.to_string(),
        })
    }
}

/// The new password hash and key wraps, or `None` when the user does not
/// exist or the code does not open their key (the same work either way, so
/// the answer's timing says nothing).
fn rewrap(
    user: Option<UserRecord>,
    presented: &str,
    new_password: &str,
    next_code: &str,
    params: KdfParams,
) -> Result<Option<(Uuid, String, UserKeys)>, AuthError> {
    let Some(user) = user else {
        let _ = keys::derive_kek(presented.as_bytes(), &[0; 16], params)?;
        return Ok(None);
    };
    let recovery_params = stored_params(&user.keys.recovery_params)?;
    let kek = keys::derive_kek(
        presented.as_bytes(),
        &user.keys.recovery_salt,
        recovery_params,
    )?;
    let Ok(umk) = keys::unwrap_key(
        &kek_as_key(&kek),
        &user.keys.recovery_wrapped_umk,
        &recovery_aad(user.id),
    ) else {
        return Ok(None);
    };
    let umk = Umk::from_bytes(*umk.as_bytes());
    let password_hash = keys::hash_password(new_password.as_bytes(), params)?;
    let (kek_salt, wrapped_umk) = wrap_under_password(new_password, params, user.id, &umk)?;
    let (recovery_salt, recovery_wrapped_umk) =
        wrap_under_recovery(next_code, params, user.id, &umk)?;
    let keys = UserKeys {
        kek_salt,
        kek_params: encode_params(params),
        wrapped_umk,
        recovery_salt,
        recovery_params: encode_params(params),
        recovery_wrapped_umk,
    };
    Ok(Some((user.id, password_hash, keys)))
}
