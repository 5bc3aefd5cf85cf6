//! App passwords: make one, list them, revoke one. Using one is any API
//! route with `Authorization: Bearer sr_app_…` (`routes/caller.rs`).
//! Managing them takes a log-in session: an app password cannot mint,
//! list or revoke app passwords (403 `session_required`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use strongroom_shared::{AppPassword, AppPasswordList, CreateAppPasswordRequest, Problem};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

use super::json::JsonObject;
use super::responses::{Authenticated, JsonBody};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_app_password)
        .service(list_app_passwords)
        .service(revoke_app_password);
}

/// Make an app password, for scripts, CI and file managers: use it as
/// `Authorization: Bearer` on the API. The answer carries it, once: only a
/// hash of its secret is kept. A read-only one is refused every write.
#[utoipa::path(tag = "app-passwords", request_body = CreateAppPasswordRequest,
    responses(
        (status = 201, body = AppPassword, description = "the app password, with `password` shown this once"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`session_required`: the request came with an app password, not a log-in session"),
        JsonBody, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/me/app-passwords")]
pub(crate) async fn create_app_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonObject<CreateAppPasswordRequest>,
) -> Result<(web::Json<AppPassword>, StatusCode), ApiError> {
    let created = state
        .accounts
        .create_app_password(&caller, body.into_inner())
        .await?;
    Ok((web::Json(created), StatusCode::CREATED))
}

/// The caller's app passwords, newest first (without the passwords).
#[utoipa::path(tag = "app-passwords",
    responses(
        (status = 200, body = AppPasswordList, description = "the caller's app passwords"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`session_required`: the request came with an app password, not a log-in session"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/me/app-passwords")]
pub(crate) async fn list_app_passwords(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<AppPasswordList>, ApiError> {
    Ok(web::Json(state.accounts.app_passwords(&caller).await?))
}

/// Revoke an app password: it opens nothing from the next request on.
#[utoipa::path(tag = "app-passwords",
    params(("id", description = "the app password's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`session_required`: the request came with an app password, not a log-in session"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such app password of the caller's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/me/app-passwords/{id}")]
pub(crate) async fn revoke_app_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::not_found())?;
    state.accounts.revoke_app_password(&caller, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
