//! The same operations addressed by path, for curl users:
//! `GET /api/v1/fs/docs/2026/report.pdf` downloads, a folder path lists,
//! `PUT` uploads (`?parents=true` creates missing folders), `DELETE` deletes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use futures_util::StreamExt;
use serde::Deserialize;
use strongroom_shared::{Node, NodeKind, Problem};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::files::content_length;
use super::folders::PageQuery;
use super::responses::{Authenticated, FileBytes, Upload};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::vault::download::KeySource;
use crate::vault::tree;
use crate::vault::upload::Target;
use strongroom_shared::kinds;

use super::download;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_root)
        .service(get_path)
        .service(put_path)
        .service(delete_path);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PutQuery {
    /// Create missing folders on the way.
    #[serde(default)]
    #[param(nullable = false)]
    pub parents: bool,
    /// Replace a file of the same name instead of answering 409.
    #[serde(default)]
    #[param(nullable = false)]
    pub overwrite: bool,
}

/// List the root folder.
#[utoipa::path(tag = "paths", params(PageQuery),
    responses(
        (status = 200, body = strongroom_shared::FolderListing, description = "one page of the root folder"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`invalid_limit` or `invalid_query`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`invalid_cursor`: no such page (a cursor this folder's listing never gave)"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/fs")]
pub(crate) async fn get_root(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().page()?;
    let listing = state.vault.list(&caller, caller.user_id, page).await?;
    Ok(HttpResponse::Ok().json(listing))
}

/// A file path downloads the file (with `Range`); a folder path lists it.
#[utoipa::path(tag = "paths",
    params(("path" = strongroom_shared::schema::NodePath, Path, example = "docs/2026", description = "slash-separated names from the root (each slash may be sent as `%2F`)"), PageQuery),
    responses(
        // Bytes first: a generated client then hands over the raw answer for
        // both kinds instead of failing to parse a file as JSON.
        (status = 200, description = "a file's bytes, or a folder's listing (`application/json`)", headers(
            ("ETag" = String, description = "for a file: changes whenever the content does")),
            content((FileBytes = "application/octet-stream"), (strongroom_shared::FolderListing = "application/json"), (FileBytes = "*/*"))),
        (status = 206, description = "the requested range of a file", headers(
            ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`validation_failed` (a name in the path), `invalid_limit` or `invalid_query`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: nothing at this path; `invalid_cursor`: no such page of the folder"),
        super::responses::Download, Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/fs/{path:.*}")]
pub(crate) async fn get_path(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = query.into_inner().page()?;
    let segments = tree::split_path(&path)?;
    let node = state
        .vault
        .resolve(&caller, &segments)
        .await?
        .ok_or(ApiError::not_found())?;
    match node.kind {
        NodeKind::Folder => {
            let listing = state.vault.list(&caller, node.id, page).await?;
            Ok(HttpResponse::Ok().json(listing))
        }
        NodeKind::File => {
            let name = segments.last().cloned().unwrap_or_default();
            let conditions = download::conditions(req.headers());
            Ok(download::respond(
                state
                    .vault
                    .download(&node, name, KeySource::Umk(&caller.umk), conditions)
                    .await?,
            ))
        }
    }
}

/// Upload the raw body to this path. No body is an empty file.
#[utoipa::path(tag = "paths",
    params(("path" = strongroom_shared::schema::FilePath, Path, example = "docs/2026/report.pdf", description = "slash-separated names; the last is the file's"), PutQuery),
    request_body(content = Option<FileBytes>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Node, description = "created"),
        (status = 200, body = Node, description = "an existing file was overwritten"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`validation_failed` (a name in the path), `invalid_path` (no file name), `invalid_query`, `invalid_content_length` or `incomplete_upload`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: a folder on the way is missing and `parents` is not set"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken`: something of that name is there and `overwrite` is not set (or it is a folder); `not_a_folder`: a file on the way"),
        Upload, Authenticated,
    ),
    security(("bearer" = [])))]
#[put("/fs/{path:.*}")]
pub(crate) async fn put_path(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: web::Query<PutQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let mut segments = tree::split_path(&path)?;
    let name = segments
        .pop()
        .ok_or_else(|| ApiError::new(kinds::INVALID_PATH, "the path must end with a file name"))?;
    let parent = state
        .vault
        .folder_at(&caller, &segments, query.parents)
        .await?;
    let target = Target {
        parent_id: parent.id,
        name,
        overwrite: query.overwrite,
    };
    let uploaded = state
        .vault
        .upload(
            &caller,
            target,
            content_length(req.headers())?,
            body.map(|piece| piece.map_err(super::body::from_payload)),
        )
        .await?;
    let status = if uploaded.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((web::Json(uploaded.node), status))
}

/// Delete the file or folder (recursively) at this path: to the trash, as
/// `DELETE /nodes/{id}` does.
#[utoipa::path(tag = "paths",
    params(("path" = strongroom_shared::schema::NodePath, Path, example = "docs/2026", description = "slash-separated names from the root")),
    responses(
        (status = 204, description = "moved to the trash (or deleted, when the trash is off)"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`validation_failed`: an invalid name in the path"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: nothing at this path"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`invalid_move`: the root cannot be deleted"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/fs/{path:.*}")]
pub(crate) async fn delete_path(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let segments = tree::split_path(&path)?;
    let node = state
        .vault
        .resolve(&caller, &segments)
        .await?
        .ok_or(ApiError::not_found())?;
    state.vault.delete(&caller, node.id).await?;
    Ok(HttpResponse::NoContent().finish())
}
