//! The trash: list what was deleted, restore it, purge it.

use actix_web::{HttpResponse, delete, get, post, web};
use strongroom_shared::{Node, Problem, RestoreRequest, TrashListing};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::json::JsonObject;
use super::responses::{Authenticated, JsonBody, NodeNotFound};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_trash)
        .service(restore)
        .service(purge)
        .service(empty_trash);
}

fn uuid(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found())
}

/// What the caller deleted, most recently deleted first. Each item is kept
/// `retention_days` after its deletion, counted against the quota, then
/// purged.
#[utoipa::path(tag = "trash",
    responses((status = 200, body = TrashListing, description = "the caller's trash"), Authenticated),
    security(("bearer" = [])))]
#[get("/trash")]
pub(crate) async fn list_trash(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<TrashListing>, ApiError> {
    Ok(web::Json(state.vault.trash(&caller).await?))
}

/// Put a deleted file or folder (with everything it held) back: into the
/// folder it was deleted from, or the root when that is gone, or where
/// `parent_id` says, under its name or `name`.
#[utoipa::path(tag = "trash", request_body = RestoreRequest,
    params(("id", description = "the deleted node's id (`TrashItem.id`)")),
    responses(
        (status = 200, body = Node, description = "restored"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken`: something of that name is in the target folder now: give another `name` or `parent_id`; `not_a_folder`: `parent_id` is a file's; `too_deep`: the folder would be deeper than allowed there"),
        NodeNotFound, JsonBody, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/trash/{id}/restore")]
pub(crate) async fn restore(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: JsonObject<RestoreRequest>,
) -> Result<web::Json<Node>, ApiError> {
    let node = state
        .vault
        .restore(&caller, uuid(&id)?, body.into_inner())
        .await?;
    Ok(web::Json(node))
}

/// Delete one item of the trash for good, freeing its space at once.
#[utoipa::path(tag = "trash",
    params(("id", description = "the deleted node's id (`TrashItem.id`)")),
    responses((status = 204, description = "purged"), NodeNotFound, Authenticated),
    security(("bearer" = [])))]
#[delete("/trash/{id}")]
pub(crate) async fn purge(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.vault.purge(&caller, uuid(&id)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Empty the trash: everything in it is deleted for good.
#[utoipa::path(tag = "trash",
    responses((status = 204, description = "the trash is empty"), Authenticated),
    security(("bearer" = [])))]
#[delete("/trash")]
pub(crate) async fn empty_trash(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    state.vault.empty_trash(&caller).await?;
    Ok(HttpResponse::NoContent().finish())
}
