//! The browser app's refresh token lives in an encrypted, HttpOnly,
//! SameSite=Strict session cookie (actix-session's cookie store) scoped to
//! `/api/v1/auth`: no script can read it, no other site can send it, and the
//! server keeps no copy. The cookie key is derived from the token secret, so
//! every instance sharing that secret reads every cookie.

use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::auth::TokenSecret;
use crate::config::Config;
use crate::error::ApiError;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "strongroom_session";
/// The only path the browser sends the cookie to.
pub const COOKIE_PATH: &str = "/api/v1/auth";
/// Where the refresh token sits inside the session state.
const REFRESH_TOKEN: &str = "refresh_token";

/// The 64-byte cookie key (signing and encryption halves) for a token secret:
/// HKDF-SHA256 with its own info string, independent of every other key.
pub fn cookie_key(secret: &TokenSecret) -> Key {
    let hk = Hkdf::<Sha256>::new(None, secret.key().as_bytes());
    let mut okm = Zeroizing::new([0u8; 64]);
    // `expand` only fails for outputs longer than 255 * 32 bytes.
    if hk
        .expand(b"strongroom session cookie v1", okm.as_mut_slice())
        .is_err()
    {
        unreachable!("HKDF-SHA256 output of 64 bytes is always valid");
    }
    Key::from(okm.as_slice())
}

/// The session middleware for the `/api/v1/auth` scope. Private (encrypted and
/// authenticated) content, lasting as long as a refresh token does.
pub fn middleware(key: Key, config: &Config) -> SessionMiddleware<CookieSessionStore> {
    // No session outlives either lifetime, so neither does its cookie.
    let ttl = config
        .refresh_token_ttl_secs
        .min(config.session_max_age_secs);
    let ttl = i64::try_from(ttl).unwrap_or(i64::MAX);
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(COOKIE_NAME.to_owned())
        .cookie_path(COOKIE_PATH.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Strict)
        .cookie_secure(config.cookies_secure())
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(
            PersistentSession::default()
                .session_ttl(actix_web::cookie::time::Duration::seconds(ttl)),
        )
        .build()
}

/// The refresh token the cookie holds, if any (an unreadable one counts as none).
pub fn refresh_token(session: &Session) -> Option<String> {
    session.get::<String>(REFRESH_TOKEN).ok().flatten()
}

/// Puts a refresh token in the cookie (replacing the one there).
pub fn store_refresh_token(session: &Session, token: String) -> Result<(), ApiError> {
    session
        .insert(REFRESH_TOKEN, token)
        .map_err(ApiError::internal)
}

/// Empties the session; the answer then expires the cookie.
pub fn clear(session: &Session) {
    session.purge();
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_key_is_derived_and_distinct_per_secret() {
        let a = cookie_key(&TokenSecret::from_bytes([1; 32]));
        let again = cookie_key(&TokenSecret::from_bytes([1; 32]));
        let b = cookie_key(&TokenSecret::from_bytes([2; 32]));
        assert_eq!(a.master(), again.master());
        assert_ne!(a.master(), b.master());
        assert_eq!(a.master().len(), 64);
        // Not the secret itself, nor any of the JWT keys' derivations.
        assert_ne!(&a.master()[..32], [1; 32].as_slice());
        let jwt = crate::crypto::keys::hkdf_sha256(&[1; 32], b"strongroom jwt signing");
        assert_ne!(&a.master()[..32], jwt.as_bytes().as_slice());
    }
}
