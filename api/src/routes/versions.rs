//! The earlier versions of a file: list, download, restore, delete.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use strongroom_shared::{DownloadUrl, Node, Problem, VersionList};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::download;
use super::responses::{Authenticated, Download, FileBytes};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use crate::vault::VaultError;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_versions)
        .service(version_content)
        .service(version_download_url)
        .service(restore_version)
        .service(delete_version);
}

fn file_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found())
}

fn version_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| VaultError::VersionNotFound.into())
}

/// The file's earlier contents, newest first (the current one is the file).
#[utoipa::path(tag = "versions",
    params(("id", description = "a file id")),
    responses(
        (status = 200, body = VersionList, description = "the file's versions"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such file of the caller's"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/files/{id}/versions")]
pub(crate) async fn list_versions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<VersionList>, ApiError> {
    Ok(web::Json(
        state.vault.versions(&caller, file_id(&id)?).await?,
    ))
}

/// A version's bytes, named like the file. `Range` gives 206; `If-None-Match` 304.
#[utoipa::path(tag = "versions",
    params(("id", description = "a file id"), ("vid", description = "a version id")),
    responses(
        (status = 200, description = "the whole version", headers(
            ("ETag" = String, description = "the version's entity tag"),
            ("Content-Disposition" = String, description = "`attachment` with the file's name"),
            ("Accept-Ranges" = String, description = "`bytes`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 206, description = "the requested range", headers(
            ("ETag" = String, description = "the version's entity tag"),
            ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such file of the caller's; `version_not_found`: the file has no such version"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        Download, Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/files/{id}/versions/{vid}/content")]
pub(crate) async fn version_content(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (id, vid) = path.into_inner();
    let conditions = download::conditions(req.headers());
    Ok(download::respond(
        state
            .vault
            .version_download(&caller, file_id(&id)?, version_id(&vid)?, conditions)
            .await?,
    ))
}

/// A short-lived URL that downloads this version without any header.
#[utoipa::path(tag = "versions",
    params(("id", description = "a file id"), ("vid", description = "a version id")),
    responses(
        (status = 200, body = DownloadUrl, description = "the URL and when it stops working"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such file of the caller's; `version_not_found`: the file has no such version"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/files/{id}/versions/{vid}/download-url")]
pub(crate) async fn version_download_url(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    let (id, vid) = path.into_inner();
    Ok(web::Json(
        state
            .vault
            .version_download_url(&caller, file_id(&id)?, version_id(&vid)?)
            .await?,
    ))
}

/// Make a version the file's content again. The current content becomes
/// the newest version in turn, so nothing is lost.
#[utoipa::path(tag = "versions",
    params(("id", description = "a file id"), ("vid", description = "a version id")),
    responses(
        (status = 200, body = Node, description = "the file, with the version's content"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such file of the caller's; `version_not_found`: the file has no such version"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/files/{id}/versions/{vid}/restore")]
pub(crate) async fn restore_version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<Node>, ApiError> {
    let (id, vid) = path.into_inner();
    Ok(web::Json(
        state
            .vault
            .restore_version(&caller, file_id(&id)?, version_id(&vid)?)
            .await?,
    ))
}

/// Delete one version for good, freeing its space at once.
#[utoipa::path(tag = "versions",
    params(("id", description = "a file id"), ("vid", description = "a version id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such file of the caller's; `version_not_found`: the file has no such version"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/files/{id}/versions/{vid}")]
pub(crate) async fn delete_version(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, vid) = path.into_inner();
    state
        .vault
        .delete_version(&caller, file_id(&id)?, version_id(&vid)?)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
