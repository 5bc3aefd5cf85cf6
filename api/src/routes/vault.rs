//! Files and folders by id, search, and download URLs.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use futures_util::StreamExt;
use serde::Deserialize;
use strongroom_shared::{
    CreateFolderRequest, DownloadUrl, FolderListing, Node, Problem, SearchResults,
    UpdateNodeRequest,
};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::vault::download::{self, KeySource};
use crate::vault::upload::{self, Target};
use crate::vault::{Names, links, tree};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list_children)
        .service(create_folder)
        .service(upload_raw)
        .service(upload_multipart)
        .service(get_node)
        .service(update_node)
        .service(delete_node)
        .service(file_content)
        .service(create_download_url)
        .service(download_by_url)
        .service(search);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// Replace a file of the same name instead of answering 409.
    #[serde(default)]
    pub overwrite: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Case-insensitive part of a name.
    pub q: String,
}

fn uuid(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::NotFound)
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
                    ApiError::bad_request(
                        "invalid_content_length",
                        "Content-Length is not a number",
                    )
                })
        })
        .transpose()
}

/// List a folder: folders first, then files, each by name.
#[utoipa::path(get, path = "/api/v1/folders/{id}/children", tag = "folders",
    params(("id" = String, Path, description = "`root` or a folder id"), PageQuery),
    responses(
        (status = 200, body = FolderListing),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "bad cursor or limit, or not a folder"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/folders/{id}/children")]
pub(crate) async fn list_children(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<FolderListing>, ApiError> {
    let folder = tree::parse_ref(&auth, &id)?;
    let query = query.into_inner();
    Ok(web::Json(
        tree::list(&state, &auth, folder, query.cursor.as_deref(), query.limit).await?,
    ))
}

/// Create a folder.
#[utoipa::path(post, path = "/api/v1/folders", tag = "folders", request_body = CreateFolderRequest,
    responses(
        (status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"),
        (status = 201, body = Node),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "invalid name"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "no such parent folder"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "name taken"),
    ),
    security(("bearer" = [])))]
#[post("/folders")]
pub(crate) async fn create_folder(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<CreateFolderRequest>,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let node = tree::create_folder(&state, &auth, body.into_inner()).await?;
    Ok((web::Json(node), StatusCode::CREATED))
}

/// Upload one file as the raw request body (`curl -T file`). 201 when created,
/// 200 when an existing file was overwritten.
#[utoipa::path(put, path = "/api/v1/folders/{id}/files/{name}", tag = "files",
    params(("id" = String, Path, description = "`root` or a folder id"), ("name" = String, Path, description = "file name"), UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = Node, description = "created"),
        (status = 200, body = Node, description = "overwritten"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "name taken"),
        (status = 413, body = Problem, content_type = "application/problem+json", description = "larger than the upload limit"),
        (status = 507, body = Problem, content_type = "application/problem+json", description = "quota exceeded"),
    ),
    security(("bearer" = [])))]
#[put("/folders/{id}/files/{name}")]
pub(crate) async fn upload_raw(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<(String, String)>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<(web::Json<Node>, StatusCode), ApiError> {
    let (folder, name) = path.into_inner();
    let target = Target {
        parent_id: tree::parse_ref(&auth, &folder)?,
        name: Names::check("name", &name)?,
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

/// Upload one or more files as `multipart/form-data` (the browser-form way).
#[utoipa::path(post, path = "/api/v1/folders/{id}/files", tag = "files",
    params(("id" = String, Path, description = "`root` or a folder id"), UploadQuery),
    request_body(content = String, content_type = "multipart/form-data", description = "one or more parts with a filename"),
    responses(
        (status = 201, body = Vec<Node>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 507, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[post("/folders/{id}/files")]
pub(crate) async fn upload_multipart(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    query: web::Query<UploadQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<(web::Json<Vec<Node>>, StatusCode), ApiError> {
    let parent_id = tree::parse_ref(&auth, &id)?;
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
        return Err(ApiError::UnsupportedMediaType {
            expected: "multipart/form-data",
        });
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut stored = Vec::new();
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|err| ApiError::bad_request("invalid_multipart", err.to_string()))?;
        let Some(filename) = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned)
        else {
            // Plain form fields carry no file; skip them.
            while field.next().await.is_some() {}
            continue;
        };
        let target = Target {
            parent_id,
            name: Names::check("filename", &filename)?,
            overwrite: query.overwrite,
        };
        stored.push(
            upload::upload(&state, &auth, target, None, &mut field)
                .await?
                .node,
        );
    }
    if stored.is_empty() {
        return Err(ApiError::bad_request(
            "no_files",
            "the form holds no file part",
        ));
    }
    Ok((web::Json(stored), StatusCode::CREATED))
}

/// A file or folder.
#[utoipa::path(get, path = "/api/v1/nodes/{id}", tag = "nodes",
    params(("id" = String, Path, description = "a node id, or `root`")),
    responses(
        (status = 200, body = Node),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/nodes/{id}")]
pub(crate) async fn get_node(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<web::Json<Node>, ApiError> {
    let id = tree::parse_ref(&auth, &id)?;
    Ok(web::Json(tree::get(&state, &auth, id).await?))
}

/// Rename and/or move a file or folder.
#[utoipa::path(patch, path = "/api/v1/nodes/{id}", tag = "nodes", request_body = UpdateNodeRequest,
    params(("id" = String, Path, description = "a node id")),
    responses(
        (status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"),
        (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"),
        (status = 200, body = Node),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "name taken, or a folder moved into itself"),
    ),
    security(("bearer" = [])))]
#[patch("/nodes/{id}")]
pub(crate) async fn update_node(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    body: web::Json<UpdateNodeRequest>,
) -> Result<web::Json<Node>, ApiError> {
    let id = tree::parse_ref(&auth, &id)?;
    Ok(web::Json(
        tree::update(&state, &auth, id, body.into_inner()).await?,
    ))
}

/// Delete a file, or a folder with everything below it.
#[utoipa::path(delete, path = "/api/v1/nodes/{id}", tag = "nodes",
    params(("id" = String, Path, description = "a node id")),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json", description = "the root cannot be deleted"),
    ),
    security(("bearer" = [])))]
#[delete("/nodes/{id}")]
pub(crate) async fn delete_node(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = tree::parse_ref(&auth, &id)?;
    tree::delete(&state, &auth, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The file's bytes. `Range` gives 206; `If-None-Match` 304.
#[utoipa::path(get, path = "/api/v1/files/{id}/content", tag = "files",
    params(("id" = String, Path, description = "a file id")),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, content_type = "application/octet-stream", body = Vec<u8>, description = "the requested range"),
        (status = 304, description = "not modified"),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "not a file"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 416, body = Problem, content_type = "application/problem+json"),
        (status = 500, body = Problem, content_type = "application/problem+json", description = "the stored object failed its integrity check"),
    ),
    security(("bearer" = [])))]
#[get("/files/{id}/content")]
pub(crate) async fn file_content(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let node = tree::node(&state, &auth, uuid(&id)?).await?;
    let name = Names::new(&auth.umk).open(&node)?;
    download::respond(
        &state,
        &node,
        &name,
        KeySource::Umk(&auth.umk),
        req.headers(),
    )
    .await
}

/// A short-lived URL that downloads this one file without any header.
#[utoipa::path(post, path = "/api/v1/files/{id}/download-url", tag = "files",
    params(("id" = String, Path, description = "a file id")),
    responses(
        (status = 200, body = DownloadUrl),
        (status = 400, body = Problem, content_type = "application/problem+json", description = "not a file"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[post("/files/{id}/download-url")]
pub(crate) async fn create_download_url(
    state: web::Data<AppState>,
    auth: AuthUser,
    id: web::Path<String>,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    Ok(web::Json(links::create(&state, &auth, uuid(&id)?).await?))
}

/// Follow a download URL (no header needed; valid about a minute).
#[utoipa::path(get, path = "/api/v1/download/{token}", tag = "files",
    params(("token" = String, Path, description = "from a download URL")),
    responses(
        (status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid or expired"),
        (status = 404, body = Problem, content_type = "application/problem+json", description = "the file is gone or was replaced"),
    ))]
#[get("/download/{token}")]
pub(crate) async fn download_by_url(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    links::serve(&state, &token, req.headers()).await
}

/// Search the caller's files and folders by name.
#[utoipa::path(get, path = "/api/v1/search", tag = "nodes", params(SearchQuery),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
#[get("/search")]
pub(crate) async fn search(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<SearchQuery>,
) -> Result<web::Json<SearchResults>, ApiError> {
    Ok(web::Json(tree::search(&state, &auth, &query.q).await?))
}
