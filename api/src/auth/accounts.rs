//! Account operations as plain async functions over the app state, so handlers
//! stay thin and tests can call them. Argon2 always runs on the blocking pool.

use data_encoding::BASE32_NOPAD;
use strongroom_shared::validate::{check_password, normalize_display_name, normalize_email};
use strongroom_shared::{
    ChangePasswordRequest, DeleteAccountRequest, FieldError, LoginRequest, RecoverRequest,
    RecoverResponse, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use zeroize::Zeroizing;

use super::AuthUser;
use super::tokens::RefreshSecret;
use crate::app::AppState;
use crate::crypto::keys::{self, KdfParams, Kek, Umk};
use crate::error::{ApiError, Unauthorized};
use crate::store::StoreError;
use crate::store::meta::{SessionRecord, SessionRotation, UserKeys, UserRecord};

/// Bytes of randomness in a recovery code: 120 bits, 24 base32 characters.
const RECOVERY_CODE_BYTES: usize = 15;

/// Runs CPU-heavy key work (Argon2) off the async runtime, at most
/// `AppState::key_work` permits at a time: each hash takes 19 MiB and a core, so
/// a flood of log-ins queues instead of exhausting memory.
async fn blocking<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = state.key_work.acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// A fresh recovery code, shown as six groups of four (`ABCD-EFGH-...`).
fn new_recovery_code() -> Zeroizing<String> {
    let raw = Zeroizing::new(
        BASE32_NOPAD.encode(
            keys::Key32::random()
                .as_bytes()
                .get(..RECOVERY_CODE_BYTES)
                .unwrap_or_default(),
        ),
    );
    let groups: Vec<&str> = raw
        .as_bytes()
        .chunks(4)
        .filter_map(|chunk| std::str::from_utf8(chunk).ok())
        .collect();
    Zeroizing::new(groups.join("-"))
}

/// What the KDF sees of a recovery code: case, spaces and dashes don't matter.
fn canonical_recovery_code(code: &str) -> Zeroizing<String> {
    Zeroizing::new(
        code.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect(),
    )
}

fn recovery_aad(user_id: Uuid) -> Vec<u8> {
    [b"umk-recovery".as_slice(), user_id.as_bytes()].concat()
}

/// Wraps the UMK under a password, returning the salt, params and wrapped key.
fn wrap_under_password(
    password: &str,
    params: KdfParams,
    user_id: Uuid,
    umk: &Umk,
) -> Result<([u8; 16], Vec<u8>), ApiError> {
    let salt = keys::random_salt();
    let kek = keys::derive_kek(password.as_bytes(), &salt, params)?;
    Ok((salt, keys::wrap_umk(&kek, umk, user_id.as_bytes()).to_vec()))
}

fn wrap_under_recovery(
    code: &str,
    params: KdfParams,
    user_id: Uuid,
    umk: &Umk,
) -> Result<([u8; 16], Vec<u8>), ApiError> {
    let salt = keys::random_salt();
    let kek = keys::derive_kek(canonical_recovery_code(code).as_bytes(), &salt, params)?;
    Ok((
        salt,
        keys::wrap_key(&kek_as_key(&kek), umk.as_bytes(), &recovery_aad(user_id)).to_vec(),
    ))
}

fn kek_as_key(kek: &Kek) -> keys::Key32 {
    keys::Key32::from_bytes(*kek.as_bytes())
}

/// Argon2 parameters as stored next to each wrapped key: `m=19456,t=2,p=1`.
fn encode_params(params: KdfParams) -> String {
    format!("m={},t={},p={}", params.m_kib, params.t, params.p)
}

fn decode_params(encoded: &str) -> Option<KdfParams> {
    let mut fields = encoded.split(',').map(|field| field.split_once('='));
    let mut next = |key: &str| match fields.next() {
        Some(Some((k, v))) if k == key => v.parse::<u32>().ok(),
        _ => None,
    };
    let params = KdfParams {
        m_kib: next("m")?,
        t: next("t")?,
        p: next("p")?,
    };
    fields.next().is_none().then_some(params)
}

fn stored_params(encoded: &str) -> Result<KdfParams, ApiError> {
    decode_params(encoded)
        .ok_or_else(|| ApiError::internal(StoreError::Corrupt("kdf params".to_owned())))
}

pub fn profile(user: &UserRecord) -> UserProfile {
    UserProfile {
        id: user.id,
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        quota_bytes: user.quota_bytes,
        used_bytes: user.used_bytes,
        created_at: user.created_at,
    }
}

pub async fn signup(state: &AppState, req: SignupRequest) -> Result<SignupResponse, ApiError> {
    let mut errors: Vec<FieldError> = Vec::new();
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
        return Err(ApiError::Validation(errors));
    };

    let params = state.config.kdf.params();
    let user_id = Uuid::now_v7();
    let password = Zeroizing::new(req.password);
    let recovery_code = new_recovery_code();
    let code = recovery_code.clone();
    let (password_hash, keys) = blocking(state, move || {
        let umk = Umk::random();
        let password_hash = keys::hash_password(password.as_bytes(), params)?;
        let (kek_salt, wrapped_umk) = wrap_under_password(&password, params, user_id, &umk)?;
        let (recovery_salt, recovery_wrapped_umk) =
            wrap_under_recovery(&code, params, user_id, &umk)?;
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
        ))
    })
    .await?;

    let user = UserRecord {
        id: user_id,
        email,
        display_name,
        password_hash,
        keys,
        quota_bytes: state.config.default_quota_bytes,
        used_bytes: 0,
        created_at: now_seconds(),
    };
    state
        .meta
        .create_user(&user)
        .await
        .map_err(|err| match err {
            StoreError::Conflict(_) => ApiError::Conflict {
                code: "email_taken",
                detail: "an account with this email already exists".to_owned(),
            },
            other => other.into(),
        })?;
    tracing::info!(user = %user.id, "account created");
    Ok(SignupResponse {
        user: profile(&user),
        recovery_code: recovery_code.to_string(),
    })
}

/// Whole seconds: what the stores keep, so answers match later reads.
fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// Verifies a password against a user's hash and unwraps their UMK. A user that
/// does not exist is checked against a dummy hash, so both take the same time.
async fn unlock_with_password(
    state: &AppState,
    user: Option<UserRecord>,
    password: String,
) -> Result<Option<(UserRecord, Umk)>, ApiError> {
    let password = Zeroizing::new(password);
    blocking(state, move || {
        let Some(user) = user else {
            let _ = keys::verify_password(password.as_bytes(), keys::dummy_password_hash());
            return Ok(None);
        };
        if !keys::verify_password(password.as_bytes(), &user.password_hash)? {
            return Ok(None);
        }
        let params = stored_params(&user.keys.kek_params)?;
        let kek = keys::derive_kek(password.as_bytes(), &user.keys.kek_salt, params)?;
        let umk = keys::unwrap_umk(&kek, &user.keys.wrapped_umk, user.id.as_bytes())?;
        Ok(Some((user, umk)))
    })
    .await
}

async fn start_session(
    state: &AppState,
    user_id: Uuid,
    umk: &Umk,
) -> Result<TokenResponse, ApiError> {
    let now = now_seconds();
    let session_id = Uuid::new_v4();
    let secret = RefreshSecret::generate();
    state
        .meta
        .create_session(&SessionRecord {
            id: session_id,
            user_id,
            secret_hash: secret.hash(),
            wrapped_umk: secret.wrap_umk(session_id, user_id, umk),
            created_at: now,
            expires_at: now + refresh_ttl(state),
        })
        .await?;
    token_response(state, user_id, session_id, umk, &secret)
}

fn refresh_ttl(state: &AppState) -> Duration {
    Duration::seconds(i64::try_from(state.config.refresh_token_ttl_secs).unwrap_or(i64::MAX))
}

fn token_response(
    state: &AppState,
    user_id: Uuid,
    session_id: Uuid,
    umk: &Umk,
    secret: &RefreshSecret,
) -> Result<TokenResponse, ApiError> {
    Ok(TokenResponse {
        access_token: state.tokens.issue_access(
            user_id,
            session_id,
            umk,
            OffsetDateTime::now_utc(),
        )?,
        token_type: "Bearer".to_owned(),
        expires_in: state.tokens.access_ttl_secs(),
        refresh_token: Some(secret.token(session_id)),
    })
}

pub async fn login(state: &AppState, req: LoginRequest) -> Result<TokenResponse, ApiError> {
    // An address that cannot exist is treated like an unknown one: same answer, same work.
    let user = match normalize_email(&req.email) {
        Ok(email) => state.meta.user_by_email(&email).await?,
        Err(_) => None,
    };
    let (user, umk) = unlock_with_password(state, user, req.password)
        .await?
        .ok_or(ApiError::Unauthorized(Unauthorized::InvalidCredentials))?;
    let tokens = start_session(state, user.id, &umk).await?;
    tracing::info!(user = %user.id, "logged in");
    Ok(tokens)
}

/// Exchanges a refresh token (from the body or the session cookie) for new
/// tokens; the answer carries the next refresh token.
pub async fn refresh(state: &AppState, refresh_token: &str) -> Result<TokenResponse, ApiError> {
    let invalid = ApiError::Unauthorized(Unauthorized::InvalidToken);
    let (session_id, presented) = RefreshSecret::parse(refresh_token.trim()).ok_or(invalid)?;
    let session = state
        .meta
        .session_by_id(session_id)
        .await?
        .ok_or(ApiError::Unauthorized(Unauthorized::SessionEnded))?;
    if !presented.matches(&session.secret_hash) {
        let retired = state.meta.retired_secret_hashes(session_id).await?;
        if retired.iter().any(|hash| presented.matches(hash)) {
            // A rotated secret came back: someone holds a copy. End the session for both.
            state
                .meta
                .delete_session(session.user_id, session_id)
                .await?;
            tracing::warn!(user = %session.user_id, "refresh token reused; session ended");
            return Err(ApiError::Unauthorized(Unauthorized::RefreshTokenReused));
        }
        return Err(ApiError::Unauthorized(Unauthorized::InvalidToken));
    }
    let umk = presented
        .unwrap_umk(session_id, session.user_id, &session.wrapped_umk)
        .ok_or_else(|| ApiError::internal(StoreError::Corrupt("session key".to_owned())))?;
    let next = RefreshSecret::generate();
    let rotation = SessionRotation {
        secret_hash: next.hash(),
        wrapped_umk: next.wrap_umk(session_id, session.user_id, &umk),
        expires_at: now_seconds() + refresh_ttl(state),
    };
    if !state
        .meta
        .rotate_session(session_id, &session.secret_hash, &rotation)
        .await?
    {
        // Another refresh with the same secret won the race.
        return Err(ApiError::Unauthorized(Unauthorized::InvalidToken));
    }
    token_response(state, session.user_id, session_id, &umk, &next)
}

pub async fn logout(state: &AppState, auth: &AuthUser) -> Result<(), ApiError> {
    state
        .meta
        .delete_session(auth.user_id, auth.session_id)
        .await?;
    Ok(())
}

pub async fn me(state: &AppState, auth: &AuthUser) -> Result<UserProfile, ApiError> {
    let user = state
        .meta
        .user_by_id(auth.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(profile(&user))
}

/// Checks the caller's password again before a sensitive change.
async fn confirm_password(
    state: &AppState,
    auth: &AuthUser,
    password: String,
) -> Result<UserRecord, ApiError> {
    let user = state
        .meta
        .user_by_id(auth.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let password = Zeroizing::new(password);
    let hash = user.password_hash.clone();
    let ok = blocking(state, move || {
        Ok(keys::verify_password(password.as_bytes(), &hash)?)
    })
    .await?;
    if !ok {
        return Err(ApiError::WrongPassword);
    }
    Ok(user)
}

pub async fn change_password(
    state: &AppState,
    auth: &AuthUser,
    req: ChangePasswordRequest,
) -> Result<(), ApiError> {
    let user = state
        .meta
        .user_by_id(auth.user_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    check_password(&req.new_password, Some(&user.email))
        .map_err(|e| ApiError::invalid_field("new_password", e))?;
    let user = confirm_password(state, auth, req.current_password).await?;
    let params = state.config.kdf.params();
    let new_password = Zeroizing::new(req.new_password);
    let umk = Umk::from_bytes(*auth.umk.as_bytes());
    let user_id = user.id;
    // Only the UMK's wrap changes: no file is re-encrypted.
    let (password_hash, kek_salt, wrapped_umk) = blocking(state, move || {
        let hash = keys::hash_password(new_password.as_bytes(), params)?;
        let (salt, wrapped) = wrap_under_password(&new_password, params, user_id, &umk)?;
        Ok((hash, salt, wrapped))
    })
    .await?;
    let keys = UserKeys {
        kek_salt,
        kek_params: encode_params(params),
        wrapped_umk,
        ..user.keys
    };
    state
        .meta
        .update_credentials(user.id, &password_hash, &keys)
        .await?;
    state
        .meta
        .delete_sessions_except(user.id, Some(auth.session_id))
        .await?;
    tracing::info!(user = %user.id, "password changed; other sessions ended");
    Ok(())
}

pub async fn delete_account(
    state: &AppState,
    auth: &AuthUser,
    req: DeleteAccountRequest,
) -> Result<(), ApiError> {
    let user = confirm_password(state, auth, req.password).await?;
    let objects = state.meta.object_ids(user.id).await?;
    // Deleting the record deletes the wrapped UMK: whatever else of the user's
    // might linger is unreadable from this moment (crypto-shredding).
    state.meta.delete_user(user.id).await?;
    crate::vault::tree::delete_objects(state, user.id, objects).await;
    tracing::info!(user = %user.id, "account deleted");
    Ok(())
}

pub async fn recover(state: &AppState, req: RecoverRequest) -> Result<RecoverResponse, ApiError> {
    let email = normalize_email(&req.email).ok();
    check_password(&req.new_password, email.as_deref())
        .map_err(|e| ApiError::invalid_field("new_password", e))?;
    let user = match &email {
        Some(email) => state.meta.user_by_email(email).await?,
        None => None,
    };
    let params = state.config.kdf.params();
    let presented = canonical_recovery_code(&req.recovery_code);
    let new_password = Zeroizing::new(req.new_password);
    let next_code = new_recovery_code();
    let code = next_code.clone();
    let outcome = blocking(state, move || {
        let Some(user) = user else {
            // Same work as a real attempt, so the answer's timing says nothing.
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
        let (kek_salt, wrapped_umk) = wrap_under_password(&new_password, params, user.id, &umk)?;
        let (recovery_salt, recovery_wrapped_umk) =
            wrap_under_recovery(&code, params, user.id, &umk)?;
        let keys = UserKeys {
            kek_salt,
            kek_params: encode_params(params),
            wrapped_umk,
            recovery_salt,
            recovery_params: encode_params(params),
            recovery_wrapped_umk,
        };
        Ok(Some((user.id, password_hash, keys)))
    })
    .await?;
    let (user_id, password_hash, keys) =
        outcome.ok_or(ApiError::Unauthorized(Unauthorized::InvalidRecovery))?;
    state
        .meta
        .update_credentials(user_id, &password_hash, &keys)
        .await?;
    state.meta.delete_sessions_except(user_id, None).await?;
    tracing::info!(user = %user_id, "password reset with the recovery code; all sessions ended");
    Ok(RecoverResponse {
        recovery_code: next_code.to_string(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kdf_params_round_trip_and_reject_garbage() {
        let params = KdfParams::DEFAULT;
        assert_eq!(encode_params(params), "m=19456,t=2,p=1");
        assert_eq!(decode_params(&encode_params(params)), Some(params));
        for bad in [
            "",
            "m=1",
            "m=1,t=2",
            "m=1,t=2,p=3,x=4",
            "t=2,m=1,p=3",
            "m=x,t=2,p=1",
        ] {
            assert_eq!(decode_params(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn recovery_codes_are_grouped_base32_and_canonicalise() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 24 + 5, "{}", code.as_str());
        assert_eq!(code.split('-').count(), 6);
        let canonical = canonical_recovery_code(&code);
        assert_eq!(canonical.len(), 24);
        assert_eq!(
            BASE32_NOPAD.decode(canonical.as_bytes()).unwrap().len(),
            RECOVERY_CODE_BYTES
        );
        let sloppy = format!(" {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(canonical_recovery_code(&sloppy), canonical);
        assert_ne!(new_recovery_code(), code);
    }
}
