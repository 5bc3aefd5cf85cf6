//! The signed-in caller as a handler argument: the bearer token (an access
//! token, or an app password) is verified once per request, and its session
//! or app password must still exist (`Accounts::authenticate`).
//!
//! Two rules for app passwords live here, in one place for every route:
//! a read-only one is refused every request that writes (403 `read_only`),
//! and a wrong one counts against the address's log-in rate limit.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::client::client_addr;
use super::throttle::{Bucket, Throttle};
use crate::auth::{AuthError, Caller};
use crate::crypto::keys::APP_PASSWORD_PREFIX;
use crate::error::ApiError;
use crate::state::AppState;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let throttle = req.app_data::<web::Data<Throttle>>().cloned();
        let token = bearer_token(req);
        let reads = only_reads(req);
        let client = state
            .as_ref()
            .and_then(|state| client_addr(req, &state.config.trusted_proxies));
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::internal("application state is not registered"))?;
            let app_password = token
                .as_deref()
                .is_some_and(|token| token.starts_with(APP_PASSWORD_PREFIX));
            let caller = match state.accounts.authenticate(token.as_deref()).await {
                Ok(caller) => caller,
                Err(err @ AuthError::Unauthorized(_)) if app_password => {
                    // Guessing goes through here: charge the address's
                    // log-in budget, and once it is spent answer 429.
                    if let (Some(throttle), Some(client)) = (throttle, client) {
                        throttle.check(Bucket::Login, client)?;
                    }
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            };
            if caller.is_read_only() && !reads {
                return Err(AuthError::ReadOnly.into());
            }
            Ok(caller)
        })
    }
}

/// Whether the request only reads: GET, HEAD and OPTIONS, and the POSTs
/// that mint a download URL (a read that needs a body-less POST so the URL
/// is not cached or prefetched). Everything else writes.
fn only_reads(req: &HttpRequest) -> bool {
    let method = req.method();
    if [Method::GET, Method::HEAD, Method::OPTIONS].contains(method) {
        return true;
    }
    *method == Method::POST
        && req
            .match_pattern()
            .is_some_and(|pattern| pattern.ends_with("/download-url"))
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}
