//! Liveness and readiness for load balancers and orchestrators.

use actix_web::{get, web};
use strongroom_shared::Health;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, description = "alive", body = Health)))]
#[get("/healthz")]
pub(crate) async fn healthz() -> web::Json<Health> {
    web::Json(Health {
        status: "ok".to_owned(),
    })
}

/// Every backend answers.
#[utoipa::path(tag = "health", responses((status = 200, description = "ready", body = Health),
    (status = 503, body = strongroom_shared::Problem, content_type = "application/problem+json",
        description = "`storage_unavailable`: a backend does not answer")))]
#[get("/readyz")]
pub(crate) async fn readyz(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    state.stores.ping().await.map_err(|err| match err {
        StoreError::Unavailable(_) => ApiError::from(err),
        // Whatever stops a backend from answering makes the server unready.
        other => ApiError::from(StoreError::Unavailable(other.to_string())),
    })?;
    Ok(web::Json(Health {
        status: "ready".to_owned(),
    }))
}
