//! Log-in, refresh, log-out, and recognising the caller of a request: an
//! access token is good only while its session still exists, so log-out,
//! password changes and account deletion take effect at once.

use std::net::IpAddr;
use strongroom_shared::validate::normalize_email;
use strongroom_shared::{LoginRequest, TokenResponse};

use time::OffsetDateTime;
use uuid::Uuid;

use super::accounts::now_seconds;
use super::app_passwords::is_app_password;
use super::tokens::RefreshSecret;
use super::typed::{Form, TypedPassword};
use super::wraps::{encode_params, stored_params, wrap_under_password};
use super::{Accounts, AuthError, Caller, Credential, Unauthorized};
use crate::crypto::keys::{self, KdfParams, Umk};
use crate::store::StoreError;
use crate::store::meta::{SessionRecord, SessionRotation, UserKeys, UserRecord};

/// A user whose password checked out, with their master key and, when the
/// stored hash is older than the settings, the credentials to store instead.
struct Unlocked {
    user: UserRecord,
    umk: Umk,
    upgrade: Option<(String, UserKeys)>,
}

/// What to store instead of an old user's credentials, if anything. A hash of
/// the password as typed (an account older than normalisation) is made again
/// from the normalised form, together with the master key's wrap under it;
/// a hash made with weaker parameters than configured is made again alone.
fn upgraded_credentials(
    user: &UserRecord,
    password: &TypedPassword,
    form: Form,
    configured: KdfParams,
    umk: &Umk,
) -> Result<Option<(String, UserKeys)>, AuthError> {
    let normalized = password.normalized();
    if form == Form::AsTyped {
        let hash = keys::hash_password(normalized.as_bytes(), configured)?;
        let (kek_salt, wrapped_umk) = wrap_under_password(normalized, configured, user.id, umk)?;
        let keys = UserKeys {
            kek_salt,
            kek_params: encode_params(configured),
            wrapped_umk,
            ..user.keys.clone()
        };
        return Ok(Some((hash, keys)));
    }
    if keys::hash_is_weaker(&user.password_hash, configured)? {
        let hash = keys::hash_password(normalized.as_bytes(), configured)?;
        return Ok(Some((hash, user.keys.clone())));
    }
    Ok(None)
}

impl Accounts {
    /// Log-in. `client` is the caller's address, for the log of failures.
    pub async fn login(
        &self,
        req: LoginRequest,
        client: IpAddr,
    ) -> Result<TokenResponse, AuthError> {
        // An address that cannot exist is treated like an unknown one: same
        // answer, same work, same lock-out.
        let email = normalize_email(&req.email).ok();
        let account = self.lockout.account(email.as_deref().unwrap_or(&req.email));
        self.attempt(&account).await?;
        let user = match &email {
            Some(email) => self.meta.user_by_email(email).await?,
            None => None,
        };
        let Some(unlocked) = self.unlock_with_password(user, req.password).await? else {
            tracing::warn!(%client, "log-in failed");
            return Err(Unauthorized::InvalidCredentials.into());
        };
        self.attempt_succeeded(&account).await?;
        let Unlocked { user, umk, upgrade } = unlocked;
        if user.disabled {
            return Err(AuthError::AccountDisabled);
        }
        if let Some((password_hash, keys)) = upgrade {
            self.upgrade_credentials(&user, &password_hash, &keys)
                .await?;
        }
        let tokens = self.start_session(user.id, &umk).await?;
        tracing::info!(user = %user.id, %client, "logged in");
        Ok(tokens)
    }

    /// Verifies a password against a user's hash and unwraps their UMK. A user
    /// that does not exist is checked against the dummy hash (made from the
    /// configured parameters), so both take the same time.
    async fn unlock_with_password(
        &self,
        user: Option<UserRecord>,
        password: String,
    ) -> Result<Option<Unlocked>, AuthError> {
        let password = TypedPassword::new(password);
        let dummy = self.dummy_hash.clone();
        let configured = self.settings.kdf;
        self.key_work
            .run(move || {
                let Some(user) = user else {
                    let _ = password.check(&dummy);
                    return Ok(None);
                };
                let Some(form) = password.check(&user.password_hash)? else {
                    return Ok(None);
                };
                let params = stored_params(&user.keys.kek_params)?;
                let typed = password.form(form).as_bytes();
                let kek = keys::derive_kek(typed, &user.keys.kek_salt, params)?;
                let umk = keys::unwrap_umk(&kek, &user.keys.wrapped_umk, user.id.as_bytes())?;
                let upgrade = upgraded_credentials(&user, &password, form, configured, &umk)?;
                Ok(Some(Unlocked { user, umk, upgrade }))
            })
            .await
    }

    /// Writes re-made credentials unless the password changed meanwhile.
    async fn upgrade_credentials(
        &self,
        user: &UserRecord,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), AuthError> {
        let upgraded = self
            .meta
            .upgrade_credentials(user.id, &user.password_hash, password_hash, keys)
            .await?;
        if upgraded {
            tracing::info!(user = %user.id, "password hash re-made with the current settings");
        }
        Ok(())
    }

    async fn start_session(&self, user_id: Uuid, umk: &Umk) -> Result<TokenResponse, AuthError> {
        let now = now_seconds();
        let session_id = Uuid::new_v4();
        let secret = RefreshSecret::generate();
        self.meta
            .create_session(&SessionRecord {
                id: session_id,
                user_id,
                secret_hash: secret.hash(),
                wrapped_umk: secret.wrap_umk(session_id, user_id, umk),
                created_at: now,
                expires_at: self.session_expiry(now, now),
            })
            .await?;
        self.token_response(user_id, session_id, umk, &secret)
    }

    fn token_response(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        umk: &Umk,
        secret: &RefreshSecret,
    ) -> Result<TokenResponse, AuthError> {
        Ok(TokenResponse {
            access_token: self.tokens.issue_access(
                user_id,
                session_id,
                umk,
                OffsetDateTime::now_utc(),
            )?,
            token_type: "Bearer".to_owned(),
            expires_in: self.tokens.access_ttl_secs(),
            refresh_token: Some(secret.token(session_id)),
        })
    }

    /// Exchanges a refresh token (from the body or the session cookie) for new
    /// tokens; the answer carries the next refresh token.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, AuthError> {
        let (session_id, presented) =
            RefreshSecret::parse(refresh_token.trim()).ok_or(Unauthorized::InvalidToken)?;
        let session = self
            .meta
            .session_by_id(session_id)
            .await?
            .ok_or(Unauthorized::SessionEnded)?;
        let now = now_seconds();
        if !self.session_may_go_on(&session, now).await? {
            self.meta
                .delete_session(session.user_id, session_id)
                .await?;
            return Err(Unauthorized::SessionEnded.into());
        }
        if !presented.matches(&session.secret_hash) {
            let retired = self.meta.retired_secret_hashes(session_id).await?;
            if retired.iter().any(|hash| presented.matches(hash)) {
                // A rotated secret came back: someone holds a copy. End the session for both.
                self.meta
                    .delete_session(session.user_id, session_id)
                    .await?;
                tracing::warn!(user = %session.user_id, "refresh token reused; session ended");
                return Err(Unauthorized::RefreshTokenReused.into());
            }
            return Err(Unauthorized::InvalidToken.into());
        }
        let umk = presented
            .unwrap_umk(session_id, session.user_id, &session.wrapped_umk)
            .ok_or_else(|| StoreError::Corrupt("session key".to_owned()))?;
        let next = RefreshSecret::generate();
        let rotation = SessionRotation {
            secret_hash: next.hash(),
            wrapped_umk: next.wrap_umk(session_id, session.user_id, &umk),
            expires_at: self.session_expiry(session.created_at, now),
        };
        if !self
            .meta
            .rotate_session(session_id, &session.secret_hash, &rotation)
            .await?
        {
            // Another refresh with the same secret won the race.
            return Err(Unauthorized::InvalidToken.into());
        }
        self.token_response(session.user_id, session_id, &umk, &next)
    }

    /// Whether a session may be refreshed at `now`. A session outlives
    /// nothing: not its account (deleted, even half-way), nor its being
    /// disabled, nor its absolute lifetime. The store only hands out unexpired
    /// sessions, and expiries never pass the absolute end, but the lifetime
    /// may have been shortened since this session began.
    async fn session_may_go_on(
        &self,
        session: &SessionRecord,
        now: OffsetDateTime,
    ) -> Result<bool, AuthError> {
        if self.session_end(session.created_at) <= now {
            return Ok(false);
        }
        let user = self.meta.user_by_id(session.user_id).await?;
        Ok(user.is_some_and(|user| !user.disabled))
    }

    /// When a session that began at `created_at`, used at `now`, expires: the
    /// idle lifetime from now, but never past its absolute end.
    fn session_expiry(&self, created_at: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
        now.saturating_add(self.settings.refresh_ttl)
            .min(self.session_end(created_at))
    }

    fn session_end(&self, created_at: OffsetDateTime) -> OffsetDateTime {
        created_at.saturating_add(self.settings.session_max_age)
    }

    pub async fn logout(&self, caller: &Caller) -> Result<(), AuthError> {
        // An app password has no session to end: revoking it is the way.
        caller.require_session()?;
        self.meta
            .delete_session(caller.user_id, caller.session_id)
            .await?;
        Ok(())
    }

    /// The caller behind an access token, checked once per request: a valid
    /// signature is not enough, the session must still exist. An app
    /// password (`sr_app_…`) is told apart by its prefix before any JWT
    /// parsing and checked in `authenticate_app_password`.
    pub async fn authenticate(&self, access_token: Option<&str>) -> Result<Caller, AuthError> {
        let token = access_token.ok_or(Unauthorized::MissingToken)?;
        if is_app_password(token) {
            return self.authenticate_app_password(token).await;
        }
        let grant = self.tokens.verify_access(token)?;
        self.meta
            .session(grant.user_id, grant.session_id)
            .await?
            .ok_or(Unauthorized::SessionEnded)?;
        Ok(Caller {
            user_id: grant.user_id,
            session_id: grant.session_id,
            umk: grant.umk,
            credential: Credential::Session,
        })
    }
}
