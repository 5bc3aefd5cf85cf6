//! Uploads (raw body, multipart form) and downloads (by id, by download URL).

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use futures_util::StreamExt;
use serde::Deserialize;
use strongroom_shared::{DownloadUrl, Node, Problem};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, is_too_slow};
use crate::state::AppState;
use crate::vault::download::KeySource;
use crate::vault::upload::Target;
use crate::vault::{Names, tree};
use strongroom_shared::kinds;

use super::{body, download};

use super::responses::{
    Authenticated, Download, FileBytes, NodeNotFound, Public, Upload, UploadForm,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_raw)
        .service(upload_multipart)
        .service(file_content)
        .service(create_download_url)
        .service(download_by_url);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Replace a file of the same name instead of answering 409.
    #[serde(default)]
    #[param(nullable = false)]
    pub overwrite: bool,
}

fn uuid(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found())
}

/// The declared body length, when the client sent one.
pub fn content_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    headers
        .get(header::CONTENT_LENGTH)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiError::new(
                        kinds::INVALID_CONTENT_LENGTH,
                        "Content-Length is not a number",
                    )
                })
        })
        .transpose()
}

/// Upload one file as the raw request body (`curl -T file`). 201 when created,
/// 200 when an existing file was overwritten. No body is an empty file.
#[utoipa::path(tag = "files",
    params(
        ("id", description = "`root` or a folder id"),
        ("name" = strongroom_shared::schema::FileName, Path, description = "the file's name"),
        UploadQuery,
    ),
    request_body(content = Option<FileBytes>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Node, description = "created"),
        (status = 200, body = Node, description = "an existing file was overwritten"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`validation_failed` (the name), `invalid_query`, `invalid_content_length` or `incomplete_upload`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such folder"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken`: something of that name is in the folder and `overwrite` is not set (or it is a folder); `not_a_folder`: the id is a file's"),
        Upload, Authenticated,
    ),
    security(("bearer" = [])))]
#[put("/folders/{id}/files/{name}")]
pub(crate) async fn upload_raw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let (folder, name) = path.into_inner();
    let target = Target {
        parent_id: tree::parse_ref(&caller, &folder)?,
        name: Names::check("name", &name)?,
        overwrite: query.overwrite,
    };
    let uploaded = state
        .vault
        .upload(
            &caller,
            target,
            content_length(req.headers())?,
            body.map(|piece| piece.map_err(body::from_payload)),
        )
        .await?;
    let status = if uploaded.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((web::Json(uploaded.node), status))
}

/// The form field that carries files.
const FILE_PART: &str = "file";

/// Upload one or more files as `multipart/form-data` (the browser-form way):
/// each in a part named `file`, with its filename.
#[utoipa::path(tag = "files",
    params(("id", description = "`root` or a folder id"), UploadQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Vec<Node>, description = "every file of the form, in order"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`no_files`, `invalid_multipart` (also for a part not named `file` or without a filename), `validation_failed` (a filename) or `invalid_query`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: no such folder"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`name_taken`: a filename is taken in the folder and `overwrite` is not set (the files before it are stored); `not_a_folder`: the id is a file's"),
        (status = 415, body = Problem, content_type = "application/problem+json",
            description = "`unsupported_media_type`: the body is not `multipart/form-data`"),
        Upload, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/folders/{id}/files")]
pub(crate) async fn upload_multipart(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<(web::Json<Vec<Node>>, StatusCode), ApiError> {
    let parent_id = tree::parse_ref(&caller, &id)?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if !is_multipart {
        return Err(ApiError::unsupported_media_type("multipart/form-data"));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut stored = Vec::new();
    let max_parts = state.config.limits.form_parts;
    while let Some(field) = form.next().await {
        if stored.len() >= max_parts {
            return Err(ApiError::new(
                kinds::TOO_MANY_PARTS,
                format!("a form takes at most {max_parts} files"),
            ));
        }
        let field = field.map_err(|err| match err {
            MultipartError::Payload(err) if is_too_slow(&err) => ApiError::new(
                kinds::REQUEST_TIMEOUT,
                "the request body arrived too slowly",
            ),
            err => ApiError::new(kinds::INVALID_MULTIPART, err.to_string()),
        })?;
        // Only files, each in a part named `file` (the form the document
        // describes); anything else is refused, not silently dropped.
        let filename = field
            .content_disposition()
            .filter(|cd| cd.get_name() == Some(FILE_PART))
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned)
            .ok_or_else(|| {
                ApiError::new(kinds::INVALID_MULTIPART,
                    "every part of the form must be a file in a field named `file`, with a filename",
                )
            })?;
        let target = Target {
            parent_id,
            name: Names::check("filename", &filename)?,
            overwrite: query.overwrite,
        };
        let body = field.map(|piece| piece.map_err(body::from_multipart));
        stored.push(state.vault.upload(&caller, target, None, body).await?.node);
    }
    if stored.is_empty() {
        return Err(ApiError::new(
            kinds::NO_FILES,
            "the form holds no file part",
        ));
    }
    Ok((web::Json(stored), StatusCode::CREATED))
}

/// The file's bytes. `Range` gives 206; `If-None-Match` 304.
#[utoipa::path(tag = "files",
    params(("id", description = "a file id")),
    responses(
        (status = 200, description = "the whole file", headers(
            ("ETag" = String, description = "changes whenever the content does"),
            ("Content-Disposition" = String, description = "`attachment` with the file's name"),
            ("Accept-Ranges" = String, description = "`bytes`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 206, description = "the requested range", headers(
            ("ETag" = String, description = "changes whenever the content does"),
            ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        NodeNotFound, Download, Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/files/{id}/content")]
pub(crate) async fn file_content(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let node = state.vault.node(&caller, uuid(&id)?).await?;
    let name = Names::new(&caller.umk).open(&node)?;
    let conditions = download::conditions(req.headers());
    Ok(download::respond(
        state
            .vault
            .download(&node, name, KeySource::Umk(&caller.umk), conditions)
            .await?,
    ))
}

/// A short-lived URL that downloads this one file without any header.
#[utoipa::path(tag = "files",
    params(("id", description = "a file id")),
    responses(
        (status = 200, body = DownloadUrl, description = "the URL and when it stops working"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the id is a folder's"),
        NodeNotFound, Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/files/{id}/download-url")]
pub(crate) async fn create_download_url(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    Ok(web::Json(
        state.vault.download_url(&caller, uuid(&id)?).await?,
    ))
}

/// Follow a download URL (no header needed; valid about a minute).
#[utoipa::path(tag = "files",
    params(("token", description = "the last segment of a download URL")),
    responses(
        (status = 200, description = "the whole file", headers(
            ("ETag" = String, description = "changes whenever the content does"),
            ("Content-Disposition" = String, description = "`attachment` with the file's name"),
            ("Accept-Ranges" = String, description = "`bytes`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 206, description = "the requested range", headers(
            ("ETag" = String, description = "changes whenever the content does"),
            ("Content-Range" = String, description = "`bytes <first>-<last>/<size>`")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "*/*"))),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`invalid_token` or `token_expired`: make a new download URL"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`not_found`: the file is gone or its content was replaced"),
        Download, Public,
    ))]
#[get("/download/{token}")]
pub(crate) async fn download_by_url(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let conditions = download::conditions(req.headers());
    Ok(download::respond(
        state.vault.follow_download_url(&token, conditions).await?,
    ))
}
