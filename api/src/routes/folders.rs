//! Folder listings and folder creation.

use actix_web::http::StatusCode;
use actix_web::{get, post, web};
use serde::Deserialize;
use strongroom_shared::{CreateFolderRequest, FolderListing, Node, Problem};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::json::JsonObject;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::vault::tree;

use super::responses::{Authenticated, JsonBody};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_children).service(create_folder);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    #[param(nullable = false)]
    pub cursor: Option<String>,
    /// Items per page (default 100).
    #[param(minimum = 1, maximum = 1000, nullable = false)]
    pub limit: Option<usize>,
}

impl PageQuery {
    /// The page asked for, checked before anything is looked up.
    pub fn page(self) -> Result<tree::Page, ApiError> {
        Ok(tree::Page::new(self.cursor, self.limit)?)
    }
}

/// List a folder: folders first, then files, each by name.
#[utoipa::path(tag = "folders",
    params(("id", description = "`root` or a folder id"), PageQuery),
    responses(
        (status = 200, body = FolderListing, description = "one page of the folder"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`invalid_limit` or `invalid_query`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such folder; `invalid_cursor`: no such page (a cursor this folder's listing never gave)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the id is a file's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/folders/{id}/children")]
pub(crate) async fn list_children(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<FolderListing>, ApiError> {
    let page = query.into_inner().page()?;
    let folder = tree::parse_ref(&caller, &id)?;
    Ok(web::Json(state.vault.list(&caller, folder, page).await?))
}

/// Create a folder.
#[utoipa::path(tag = "folders", request_body = CreateFolderRequest,
    responses(
        (status = 201, body = Node, description = "created"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such parent folder"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken`: something of that name is in the folder"),
        JsonBody, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/folders")]
pub(crate) async fn create_folder(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonObject<CreateFolderRequest>,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let node = state
        .vault
        .create_folder(&caller, body.into_inner())
        .await?;
    Ok((web::Json(node), StatusCode::CREATED))
}
