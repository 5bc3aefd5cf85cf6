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
        let authenticating = authenticate(req, bearer_token(req));
        let reads = only_reads(req);
        Box::pin(async move {
            let caller = authenticating.await?;
            if caller.is_read_only() && !reads {
                return Err(AuthError::ReadOnly.into());
            }
            Ok(caller)
        })
    }
}

/// The caller behind a token (an access token or an app password; `None`
/// when the request carried none). A wrong app password counts against the
/// address's log-in budget, and once that is spent the answer is 429.
/// Whether the caller may write is the edge's to decide (`is_read_only`).
pub(crate) fn authenticate(
    req: &HttpRequest,
    token: Option<String>,
) -> impl Future<Output = Result<Caller, ApiError>> + 'static {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let charge = login_charge(req);
    async move {
        let state =
            state.ok_or_else(|| ApiError::internal("application state is not registered"))?;
        let app_password = token
            .as_deref()
            .is_some_and(|token| token.starts_with(APP_PASSWORD_PREFIX));
        match state.accounts.authenticate(token.as_deref()).await {
            Ok(caller) => Ok(caller),
            Err(err @ AuthError::Unauthorized(_)) if app_password => {
                charge()?;
                Err(err.into())
            }
            Err(err) => Err(err.into()),
        }
    }
}

/// Charges one failed credential to the request's address in the log-in
/// bucket: `Err` (429) once the budget is spent.
pub(crate) fn login_charge(req: &HttpRequest) -> impl FnOnce() -> Result<(), ApiError> + 'static {
    let throttle = req.app_data::<web::Data<Throttle>>().cloned();
    let client = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| client_addr(req, &state.config.trusted_proxies));
    move || {
        if let (Some(throttle), Some(client)) = (throttle, client) {
            throttle.check(Bucket::Login, client)?;
        }
        Ok(())
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

pub(crate) fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}
