//! The account service: what it holds, sign-up, the caller's profile and the
//! records side of account deletion. Log-in and sessions are in `sessions`,
//! password changes in `password`, recovery in `recovery`. Argon2 always runs
//! through `KeyWork`, never on the async runtime.

use std::sync::Arc;

use strongroom_shared::validate::{check_password, normalize_display_name, normalize_email};
use strongroom_shared::{FieldError, SignupRequest, SignupResponse, UserProfile};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::key_work::KeyWork;
use super::lockout::Lockout;
use super::typed::TypedPassword;
use super::wraps::{encode_params, new_recovery_code, wrap_under_password, wrap_under_recovery};
use super::{AuthError, Caller, TokenService};
use crate::config::Config;
use crate::config::SignupPolicy;
use crate::crypto::keys::{self, BindingKey, KdfParams, Umk};
use crate::store::meta::{InviteUse, Usage, UserKeys, UserRecord};
use crate::store::{Conflict, MetaStore, StoreError};

/// What account operations need to know of the configuration.
#[derive(Clone, Copy, Debug)]
pub struct AccountSettings {
    pub kdf: KdfParams,
    pub default_quota_bytes: u64,
    /// A session ends after this long without a refresh.
    pub refresh_ttl: Duration,
    /// A session ends this long after its log-in, refreshed or not.
    pub session_max_age: Duration,
    pub signup: SignupPolicy,
}

impl AccountSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            kdf: config.kdf.params(),
            default_quota_bytes: config.default_quota_bytes,
            refresh_ttl: Duration::seconds(
                i64::try_from(config.refresh_token_ttl_secs).unwrap_or(i64::MAX),
            ),
            session_max_age: Duration::seconds(
                i64::try_from(config.session_max_age_secs).unwrap_or(i64::MAX),
            ),
            signup: config.signup,
        }
    }
}

/// Accounts and their sessions.
pub struct Accounts {
    pub(super) meta: Arc<dyn MetaStore>,
    pub(super) tokens: Arc<TokenService>,
    pub(super) key_work: Arc<KeyWork>,
    pub(super) lockout: Lockout,
    pub(super) settings: AccountSettings,
    /// Unknown emails' log-ins are checked against it (`keys::dummy_password_hash`).
    pub(super) dummy_hash: Arc<str>,
}

/// What the store keeps of an invite code: its SHA-256, over the code as
/// `canonical_recovery_code` spells it (case, spaces and dashes ignored).
pub fn invite_hash(code: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(super::wraps::canonical_recovery_code(code).as_bytes()).into()
}

/// Whole seconds: what the stores keep, so answers match later reads.
pub(super) fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// The wire profile; `usage` says how much of `used_bytes` the trash and the
/// versions take.
pub fn profile(user: &UserRecord, usage: Usage) -> UserProfile {
    UserProfile {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        quota_bytes: user.quota_bytes,
        used_bytes: user.used_bytes,
        trash_bytes: usage.trash_bytes,
        version_bytes: usage.version_bytes,
        created_at: user.created_at,
    }
}

impl Accounts {
    pub fn new(
        meta: Arc<dyn MetaStore>,
        tokens: Arc<TokenService>,
        lockout: Lockout,
        key_work: Arc<KeyWork>,
        settings: AccountSettings,
    ) -> Self {
        let dummy_hash = keys::dummy_password_hash(settings.kdf)
            .unwrap_or_else(|_| keys::FALLBACK_DUMMY_HASH.to_owned());
        Self {
            meta,
            tokens,
            key_work,
            lockout,
            settings,
            dummy_hash: dummy_hash.into(),
        }
    }

    pub async fn signup(&self, req: SignupRequest) -> Result<SignupResponse, AuthError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let invite = match self.settings.signup {
            SignupPolicy::Closed => return Err(AuthError::SignupClosed),
            SignupPolicy::Open => None,
            SignupPolicy::Invite => match req.invite_code.as_deref().map(str::trim) {
                Some(code) if !code.is_empty() => Some(InviteUse {
                    code_hash: invite_hash(code),
                    now: OffsetDateTime::now_utc(),
                }),
                _ => {
                    errors.push(FieldError {
                        field: "invite_code".to_owned(),
                        code: "invite_required".to_owned(),
                        message: "sign-up on this server needs an invite code".to_owned(),
                    });
                    None
                }
            },
        };
        let email = normalize_email(&req.email)
            .map_err(|e| errors.push(e.for_field("email")))
            .ok();
        if let Err(e) = check_password(&req.password, email.as_deref()) {
            errors.push(e.for_field("password"));
        }
        let display_name = normalize_display_name(req.display_name.as_deref())
            .map_err(|e| errors.push(e.for_field("display_name")))
            .ok()
            .flatten();
        let (Some(email), true) = (email, errors.is_empty()) else {
            return Err(AuthError::Invalid(errors));
        };

        let user_id = Uuid::now_v7();
        let recovery_code = new_recovery_code();
        let password = TypedPassword::new(req.password);
        let (password_hash, keys, all_bound) = self
            .new_keys(user_id, password, recovery_code.clone())
            .await?;
        let user = UserRecord {
            id: user_id,
            email,
            display_name,
            password_hash,
            keys,
            quota_bytes: self.settings.default_quota_bytes,
            used_bytes: 0,
            created_at: now_seconds(),
            disabled: false,
        };
        self.meta
            .create_user(&user, invite.as_ref())
            .await
            .map_err(|err| match err {
                StoreError::Conflict(Conflict::Email) => AuthError::EmailTaken,
                StoreError::InviteUnusable => AuthError::InviteInvalid,
                other => other.into(),
            })?;
        // A new account has no old file records: from now on a file record
        // without a binding is an altered one. (Should this write fail, the
        // first download makes it.)
        if let Err(err) = self
            .meta
            .bind_node(user_id, user_id, None, &all_bound)
            .await
        {
            tracing::warn!(user = %user.id, error = %err, "root not marked as bound");
        }
        tracing::info!(user = %user.id, "account created");
        Ok(SignupResponse {
            user: profile(&user, Usage::default()),
            recovery_code: recovery_code.to_string(),
        })
    }

    /// A new user's master key, wrapped under the password and the recovery
    /// code, the password's hash, and the mark that all the user's records
    /// are bound (`BindingKey::all_bound_mark`).
    async fn new_keys(
        &self,
        user_id: Uuid,
        password: TypedPassword,
        code: Zeroizing<String>,
    ) -> Result<(String, UserKeys, [u8; 32]), AuthError> {
        let params = self.settings.kdf;
        self.key_work
            .run(move || {
                let umk = Umk::random();
                let password = password.normalized();
                let password_hash = keys::hash_password(password.as_bytes(), params)?;
                let (kek_salt, wrapped_umk) = wrap_under_password(password, params, user_id, &umk)?;
                let (recovery_salt, recovery_wrapped_umk) =
                    wrap_under_recovery(&code, params, user_id, &umk)?;
                let all_bound = BindingKey::derive(&umk).all_bound_mark(user_id.as_bytes());
                Ok((
                    password_hash,
                    UserKeys {
                        kek_salt,
                        kek_params: encode_params(params),
                        wrapped_umk,
                        recovery_salt,
                        recovery_params: encode_params(params),
                        recovery_wrapped_umk,
                    },
                    all_bound,
                ))
            })
            .await
    }

    pub async fn me(&self, caller: &Caller) -> Result<UserProfile, AuthError> {
        let (user, usage) = tokio::try_join!(self.user(caller.user_id), async {
            Ok(self.meta.usage(caller.user_id).await?)
        })?;
        Ok(profile(&user, usage))
    }

    pub(super) async fn user(&self, id: Uuid) -> Result<UserRecord, AuthError> {
        self.meta
            .user_by_id(id)
            .await?
            .ok_or(AuthError::AccountGone)
    }

    /// Deletes the account's records after checking its password, and returns
    /// the objects its files pointed at: removing those is the vault's job
    /// (`AppState::delete_account` does both).
    pub async fn delete_account(
        &self,
        caller: &Caller,
        password: String,
    ) -> Result<Vec<Uuid>, AuthError> {
        caller.require_session()?;
        let user = self.confirm_password(caller, password).await?;
        let objects = self.meta.object_ids(user.id).await?;
        // Deleting the record deletes the wrapped UMK: whatever else of the user's
        // might linger is unreadable from this moment (crypto-shredding).
        self.meta.delete_user(user.id).await?;
        tracing::info!(user = %user.id, "account deleted");
        Ok(objects)
    }
}
