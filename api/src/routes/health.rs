//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{HttpResponse, get, web};

use crate::app::AppState;
use crate::error::ApiError;

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "alive")))]
#[get("/healthz")]
pub(crate) async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Every backend answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready"),
    (status = 503, body = strongroom_shared::Problem, content_type = "application/problem+json", description = "a backend does not answer")))]
#[get("/readyz")]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    tokio::try_join!(state.meta.ping(), state.blobs.ping()).map_err(|err| match err {
        crate::store::StoreError::Unavailable(_) => ApiError::from(err),
        other => ApiError::Unavailable(crate::store::StoreError::Unavailable(other.to_string())),
    })?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
}
