//! The same operations addressed by path, for curl users:
//! `GET /api/v1/fs/docs/2026/report.pdf` downloads, a folder path lists,
//! `PUT` uploads (`?parents=true` creates missing folders), `DELETE` deletes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use serde::Deserialize;
use strongroom_shared::{Node, NodeKind, Problem};
use utoipa::IntoParams;

use super::vault::{PageQuery, content_length};
use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::vault::download::{self, KeySource};
use crate::vault::tree;
use crate::vault::upload::{self, Target};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_root)
        .service(get_path)
        .service(put_path)
        .service(delete_path);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PutQuery {
    /// Create missing folders on the way.
    #[serde(default)]
    pub parents: bool,
    /// Replace a file of the same name instead of answering 409.
    #[serde(default)]
    pub overwrite: bool,
}

/// List the root folder.
#[utoipa::path(get, path = "/api/v1/fs", tag = "paths", params(PageQuery),
    responses((status = 400, body = Problem, content_type = "application/problem+json", description = "bad cursor or limit"), (status = 200, body = strongroom_shared::FolderListing),
        (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/fs")]
pub(crate) async fn get_root(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let listing = tree::list(
        &state,
        &auth,
        auth.user_id,
        query.cursor.as_deref(),
        query.limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(listing))
}

/// A file path downloads the file (with `Range`); a folder path lists it.
#[utoipa::path(get, path = "/api/v1/fs/{path}", tag = "paths",
    params(("path" = String, Path, description = "slash-separated names from the root"), PageQuery),
    responses(
        (status = 200, description = "the file's bytes, or the folder's listing (application/json)", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "the requested range of a file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/fs/{path:.*}")]
pub(crate) async fn get_path(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let segments = tree::split_path(&path)?;
    let node = tree::resolve(&state, &auth, &segments)
        .await?
        .ok_or(ApiError::NotFound)?;
    match node.kind {
        NodeKind::Folder => {
            let query = query.into_inner();
            let listing =
                tree::list(&state, &auth, node.id, query.cursor.as_deref(), query.limit).await?;
            Ok(HttpResponse::Ok().json(listing))
        }
        NodeKind::File => {
            let name = segments.last().cloned().unwrap_or_default();
            download::respond(
                &state,
                &node,
                &name,
                KeySource::Umk(&auth.umk),
                req.headers(),
            )
            .await
        }
    }
}

/// Upload the raw body to this path.
#[utoipa::path(put, path = "/api/v1/fs/{path}", tag = "paths",
    params(("path" = String, Path, description = "slash-separated names; the last is the file's"), PutQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Node, description = "created"),
        (status = 200, body = Node, description = "overwritten"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "a folder on the way is missing"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 507, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[put("/fs/{path:.*}")]
pub(crate) async fn put_path(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
    query: web::Query<PutQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let mut segments = tree::split_path(&path)?;
    let name = segments.pop().ok_or_else(|| {
        ApiError::bad_request("invalid_path", "the path must end with a file name")
    })?;
    let parent = tree::folder_at(&state, &auth, &segments, query.parents).await?;
    let target = Target {
        parent_id: parent.id,
        name,
        overwrite: query.overwrite,
    };
    let uploaded =
        upload::upload(&state, &auth, target, content_length(req.headers())?, body).await?;
    let status = if uploaded.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((web::Json(uploaded.node), status))
}

/// Delete the file or folder (recursively) at this path.
#[utoipa::path(delete, path = "/api/v1/fs/{path}", tag = "paths",
    params(("path" = String, Path, description = "slash-separated names from the root")),
    responses(
        (status = 400, body = Problem, content_type = "application/problem+json", description = "an invalid name in the path"),
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the root cannot be deleted"),
    ),
    security(("bearer" = [])))]
#[delete("/fs/{path:.*}")]
pub(crate) async fn delete_path(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let segments = tree::split_path(&path)?;
    let node = tree::resolve(&state, &auth, &segments)
        .await?
        .ok_or(ApiError::NotFound)?;
    tree::delete(&state, &auth, node.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
