//! A shared folder, for whoever holds its link: browse it, fetch one file
//! (or a one-minute URL for it), or all of it as a zip (or a URL for that).

use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use strongroom_shared::{DownloadUrl, Problem, PublicListing};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::ApiError;
use crate::middleware::WasHead;
use crate::state::AppState;

use super::client::ClientAddr;
use super::download;
use super::public_shares::link;
use super::responses::{Download, FileBytes, Public, RateLimited};
use super::throttle::Throttle;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_children)
        .service(public_entry_content)
        .service(public_entry_download_url)
        .service(public_zip)
        .service(public_zip_url)
        .service(zip_by_url);
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ChildrenQuery {
    /// Folder names from the shared folder down, `/`-separated; empty for
    /// the shared folder itself.
    #[serde(default)]
    #[param(max_length = 4096)]
    pub path: String,
}

fn entry_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw).map_err(|_| ApiError::not_found())
}

/// A folder inside a shared folder: folders first, then files, by name.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"), ChildrenQuery,
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, body = PublicListing, description = "the folder's entries"),
        (status = 400, body = Problem, content_type = "application/problem+json",
            description = "`invalid_query`: the query could not be read"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`; or `not_found`: no such folder in the share"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the link is a file's"),
        RateLimited, Public,
    ))]
#[get("/public/shares/{token}/children")]
pub(crate) async fn public_children(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    query: web::Query<ChildrenQuery>,
    req: HttpRequest,
) -> Result<web::Json<PublicListing>, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    Ok(web::Json(
        state.vault.public_children(link, &query.path).await?,
    ))
}

/// One file of a shared folder (`Range` works), counted like a download.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("id", description = "the file's `id` in a listing"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
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
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`; or `not_found`: no such file in the share"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the link is a file's; `not_a_file`: the id is a folder's"),
        Download, RateLimited, Public,
    ))]
#[get("/public/shares/{token}/files/{id}/content")]
pub(crate) async fn public_entry_content(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (token, id) = path.into_inner();
    let link = link(&req, &token, &throttle, &client)?;
    let counted = req.extensions().get::<WasHead>().is_none();
    let conditions = download::conditions(req.headers());
    Ok(download::respond(
        state
            .vault
            .public_entry_content(link, entry_id(&id)?, conditions, counted)
            .await?,
    ))
}

/// A one-minute URL for one file of a shared folder (for a browser's plain
/// link). Making it counts one download.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("id", description = "the file's `id` in a listing"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, body = DownloadUrl, description = "the URL and when it stops working"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`; or `not_found`: no such file in the share"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the link is a file's; `not_a_file`: the id is a folder's"),
        RateLimited, Public,
    ))]
#[post("/public/shares/{token}/files/{id}/download-url")]
pub(crate) async fn public_entry_download_url(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    let (token, id) = path.into_inner();
    let link = link(&req, &token, &throttle, &client)?;
    Ok(web::Json(
        state
            .vault
            .public_entry_download_url(link, entry_id(&id)?)
            .await?,
    ))
}

/// The whole shared folder as a zip, streamed as it is made (stored, not
/// compressed: the files are what they are). Counts one download.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, description = "the folder as a zip", headers(
            ("Content-Disposition" = String, description = "`attachment` named after the folder")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "application/zip"))),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: never made, expired, revoked, out of downloads or its folder gone (all alike)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the link is a file's"),
        RateLimited, Public,
    ))]
#[get("/public/shares/{token}/zip")]
pub(crate) async fn public_zip(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    let counted = req.extensions().get::<WasHead>().is_none();
    Ok(zip_answer(state.vault.public_zip(link, counted).await?))
}

/// A one-minute URL for the shared folder's zip, for a browser's plain link
/// (which cannot carry the password header). Following it counts the download.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, body = DownloadUrl, description = "the URL and when it stops working"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: never made, expired, revoked, out of downloads or its folder gone (all alike)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_folder`: the link is a file's"),
        RateLimited, Public,
    ))]
#[post("/public/shares/{token}/zip-url")]
pub(crate) async fn public_zip_url(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    Ok(web::Json(state.vault.public_zip_url(link).await?))
}

/// Follow a zip URL (no header needed; valid about a minute).
#[utoipa::path(tag = "public",
    params(("token", description = "the last segment of a zip URL")),
    responses(
        (status = 200, description = "the folder as a zip", headers(
            ("Content-Disposition" = String, description = "`attachment` named after the folder")),
            content((FileBytes = "application/octet-stream"), (FileBytes = "application/zip"))),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`invalid_token` or `token_expired`: ask for a new zip URL"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: the share ended meanwhile"),
        Public,
    ))]
#[get("/download/zip/{token}")]
pub(crate) async fn zip_by_url(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let counted = req.extensions().get::<WasHead>().is_none();
    Ok(zip_answer(
        state.vault.follow_zip_url(&token, counted).await?,
    ))
}

fn zip_answer(zip: crate::vault::shared_folder::ZipDownload) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, "application/zip"))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            download::disposition(&zip.name),
        ))
        .insert_header((actix_web::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header(("Cross-Origin-Resource-Policy", "same-origin"))
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ))
        .streaming(zip.body)
}
