//! Share links, the owner's operations: make one, list them, revoke one.
//! What a link holder does is in `public_shares.rs` (a shared file) and
//! `shared_folders.rs` (a shared folder).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, web};
use strongroom_shared::{CreateShareRequest, Problem, Share, ShareList};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

use super::json::JsonObject;
use super::responses::{Authenticated, JsonBody, NodeNotFound};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_share)
        .service(list_shares)
        .service(revoke_share);
}

/// Share a file or a folder by link. The answer carries the link's token
/// and page URL, once: only a hash of its secret is kept. A folder share is
/// live and read-only: what the owner adds, renames, moves out or deletes
/// inside shows through the link as it happens.
#[utoipa::path(tag = "shares", request_body = CreateShareRequest,
    params(("id", description = "the file's id")),
    responses(
        (status = 201, body = Share, description = "the share, with `token` and `url` shown this once"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`invalid_move`: the root folder (the whole vault) is not shared by one link"),
        NodeNotFound, JsonBody, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/nodes/{id}/shares")]
pub(crate) async fn create_share(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: JsonObject<CreateShareRequest>,
) -> Result<(web::Json<Share>, StatusCode), ApiError> {
    let id = Uuid::try_parse(&id).map_err(|_| ApiError::not_found())?;
    let share = state
        .vault
        .create_share(&caller, id, body.into_inner())
        .await?;
    Ok((web::Json(share), StatusCode::CREATED))
}

/// The caller's live shares, newest first (without their tokens).
#[utoipa::path(tag = "shares",
    responses((status = 200, body = ShareList, description = "the caller's shares"), Authenticated),
    security(("bearer" = [])))]
#[get("/shares")]
pub(crate) async fn list_shares(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<ShareList>, ApiError> {
    Ok(web::Json(state.vault.shares(&caller).await?))
}

/// Revoke a share: its link opens nothing from now on.
#[utoipa::path(tag = "shares",
    params(("id", description = "the share's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: no such share of the caller's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/shares/{id}")]
pub(crate) async fn revoke_share(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::try_parse(&id)
        .map_err(|_| ApiError::from(crate::vault::VaultError::ShareNotFound))?;
    state.vault.revoke_share(&caller, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
