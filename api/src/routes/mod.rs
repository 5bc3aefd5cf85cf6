//! HTTP routes. Handlers are thin: extract, call a plain function, answer.

pub(crate) mod accounts;
pub(crate) mod fs;
pub(crate) mod health;
pub(crate) mod vault;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::web;

use crate::error::ApiError;

/// Every route. The session middleware (the browser's refresh-token cookie)
/// wraps `/api/v1/auth` only; whatever no route answers goes to the browser
/// app (`frontend::serve`), which hands `/api/...` back to `not_found`.
pub fn configure(cfg: &mut web::ServiceConfig, session: SessionMiddleware<CookieSessionStore>) {
    // The docs UI also serves /api/v1/openapi.json, so it comes before the scope.
    cfg.service(utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}").url(
        "/api/v1/openapi.json",
        <crate::openapi::ApiDoc as utoipa::OpenApi>::openapi(),
    ))
    .service(health::healthz)
    .service(health::readyz)
    .service(
        web::scope("/api/v1")
            .service(
                web::scope("/auth")
                    .wrap(session)
                    .configure(accounts::configure_auth)
                    .default_service(web::to(not_found)),
            )
            .configure(accounts::configure)
            .configure(vault::configure)
            .configure(fs::configure)
            .default_service(web::to(not_found)),
    )
    .default_service(web::to(crate::frontend::serve));
}

/// Nothing answered: 405 when the path exists for other methods, else 404.
pub(crate) async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    if req.resource_map().has_resource(req.path()) {
        return Err(ApiError::MethodNotAllowed);
    }
    Err(ApiError::NotFound)
}
