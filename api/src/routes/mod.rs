//! HTTP routes. Handlers are thin: extract, call a plain function, answer.
//!
//! Each route is stated once: its actix attribute gives method and path, its
//! `#[utoipa::path]` what it answers, and `configure` registers it through
//! `utoipa-actix-web`, which adds it to the OpenAPI document as it adds it to
//! the server. The document is therefore also the table of which methods a
//! path allows (`allow`).

pub(crate) mod accounts;
pub mod allow;
mod app_passwords;
mod body;
pub(crate) mod caller;
pub mod client;
mod download;
pub(crate) mod files;
pub(crate) mod folders;
pub mod frontend;
pub(crate) mod fs;
pub(crate) mod health;
mod json;
pub(crate) mod nodes;
pub(crate) mod public_shares;
pub mod responses;
pub mod session_cookie;
pub(crate) mod shared_folders;
pub(crate) mod shares;
pub mod throttle;
pub(crate) mod trash;
pub(crate) mod versions;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

pub use allow::AllowedMethods;

/// Every API route. The session middleware (the browser's refresh-token
/// cookie) wraps `/api/v1/auth` only. What no route answers under `/api/v1`
/// goes to `not_found`.
pub fn configure(cfg: &mut ServiceConfig, session: SessionMiddleware<CookieSessionStore>) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            scope::scope("/api/v1")
                .service(
                    scope::scope("/auth")
                        .wrap(session)
                        .configure(accounts::configure_auth)
                        .default_service(web::to(not_found)),
                )
                .configure(accounts::configure)
                .configure(app_passwords::configure)
                .configure(folders::configure)
                .configure(files::configure)
                .configure(nodes::configure)
                .configure(fs::configure)
                .configure(shares::configure)
                .configure(public_shares::configure)
                .configure(shared_folders::configure)
                .configure(trash::configure)
                .configure(versions::configure)
                .default_service(web::to(not_found)),
        );
}

/// Nothing answered. For a path that exists: `OPTIONS` is answered with the
/// methods it allows, any other method is 405 with the same `Allow` (RFC 9110
/// §15.5.6). Otherwise 404.
pub(crate) async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let allowed = req
        .app_data::<web::Data<AllowedMethods>>()
        .and_then(|table| table.for_request(&req));
    match allowed {
        Some(allow) if req.method() == Method::OPTIONS => Ok(allow::options(&allow)),
        Some(allow) => Err(ApiError::method_not_allowed(allow)),
        None => Err(ApiError::not_found()),
    }
}
