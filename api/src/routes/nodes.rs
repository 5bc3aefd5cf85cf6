//! One file or folder by id: get, rename or move, delete; and search.

use actix_web::{HttpResponse, delete, get, patch, web};
use serde::Deserialize;
use strongroom_shared::{Node, Problem, SearchResults, UpdateNodeRequest};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::json::JsonObject;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::vault::tree;

use super::responses::{Authenticated, JsonBody, NodeNotFound};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_node)
        .service(update_node)
        .service(delete_node)
        .service(search);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Part of a name, compared ignoring case.
    #[param(min_length = 1)]
    pub q: String,
}

/// A file or folder.
#[utoipa::path(tag = "nodes",
    params(("id", description = "a node id, or `root`")),
    responses(
        (status = 200, body = Node, description = "the file or folder"),
        NodeNotFound, Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/nodes/{id}")]
pub(crate) async fn get_node(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Node>, ApiError> {
    let id = tree::parse_ref(&caller, &id)?;
    Ok(web::Json(state.vault.get(&caller, id).await?))
}

/// Rename and/or move a file or folder.
#[utoipa::path(tag = "nodes", request_body = UpdateNodeRequest,
    params(("id", description = "a node id")),
    responses(
        (status = 200, body = Node, description = "renamed and/or moved"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such node, or no such new parent folder"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken` in the target folder; `invalid_move`: a folder into itself or below, or the root"),
        JsonBody, Authenticated,
    ),
    security(("bearer" = [])))]
#[patch("/nodes/{id}")]
pub(crate) async fn update_node(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: JsonObject<UpdateNodeRequest>,
) -> Result<web::Json<Node>, ApiError> {
    let id = tree::parse_ref(&caller, &id)?;
    Ok(web::Json(
        state.vault.update(&caller, id, body.into_inner()).await?,
    ))
}

/// Delete a file, or a folder with everything below it: it goes to the
/// trash (`GET /trash`), from where it can be restored for
/// `trash_retention_days`; a server with the trash off deletes at once.
#[utoipa::path(tag = "nodes",
    params(("id", description = "a node id")),
    responses(
        (status = 204, description = "moved to the trash (or deleted, when the trash is off)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`invalid_move`: the root cannot be deleted"),
        NodeNotFound, Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/nodes/{id}")]
pub(crate) async fn delete_node(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = tree::parse_ref(&caller, &id)?;
    state.vault.delete(&caller, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Search the caller's files and folders by name.
#[utoipa::path(tag = "nodes", params(SearchQuery),
    responses(
        (status = 200, body = SearchResults, description = "matches, folders first, then by name (at most 500)"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`invalid_query`: `q` is missing or empty"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/search")]
pub(crate) async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    Ok(web::Json(state.vault.search(&caller, &query.q).await?))
}
