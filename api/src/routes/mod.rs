//! HTTP routes. Handlers are thin: extract, call a plain function, answer.

mod accounts;
mod health;

use actix_web::web;

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(
            web::scope("/api/v1")
                .configure(accounts::configure)
                .default_service(web::to(not_found)),
        )
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}
