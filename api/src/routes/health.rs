//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};

use crate::app::AppState;
use crate::error::ApiError;

/// The process is alive.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Every backend answers.
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.meta.ping().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
