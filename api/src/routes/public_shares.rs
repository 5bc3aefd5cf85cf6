//! A share link, for whoever holds it (no account): what it opens, and a
//! shared file's bytes. Public answers never name the owner; the log names
//! only the route pattern, never the token. A shared folder's operations
//! are in `shared_folders.rs`.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, post, web};
use strongroom_shared::{DownloadUrl, Problem, PublicShare, SHARE_PASSWORD_HEADER};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::crypto::keys::ShareSecret;
use crate::error::ApiError;
use crate::middleware::WasHead;
use crate::state::AppState;
use crate::vault::shared::Link;

use super::client::ClientAddr;
use super::download;
use super::responses::{Download, FileBytes, Public, RateLimited};
use super::throttle::{Bucket, Throttle};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(public_share)
        .service(public_share_content)
        .service(public_share_download_url);
}

/// The link as presented, after the per-address budget and, when a password
/// comes with it, the share's own budget of password attempts.
pub(super) fn link<'a>(
    req: &'a HttpRequest,
    token: &'a str,
    throttle: &Throttle,
    client: &ClientAddr,
) -> Result<Link<'a>, ApiError> {
    throttle.check(Bucket::Share, client.0)?;
    let password = req
        .headers()
        .get(SHARE_PASSWORD_HEADER)
        // UTF-8, as curl and browsers send it (`to_str` would take ASCII only).
        .map(|value| {
            std::str::from_utf8(value.as_bytes())
                .map_err(|_| ApiError::from(crate::vault::VaultError::SharePasswordWrong))
        })
        .transpose()?;
    if password.is_some()
        && let Some((id, _)) = ShareSecret::parse(token)
    {
        throttle.check_share_password(id)?;
    }
    Ok(Link { token, password })
}

/// What a share link opens: its name, size and expiry. No account needed.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, body = PublicShare, description = "what the link opens"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: never made, expired, revoked, out of downloads or its file gone (all alike)"),
        RateLimited, Public,
    ))]
#[get("/public/shares/{token}")]
pub(crate) async fn public_share(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<PublicShare>, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    Ok(web::Json(state.vault.public_share(link).await?))
}

/// A shared file's bytes (`Range` works), as an attachment with its name:
/// `curl -OJ …/content`. Each download from the start counts against the
/// share's limit; `HEAD` and later ranges do not.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
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
            description = "`share_not_found`: never made, expired, revoked, out of downloads or its file gone (all alike)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the link is a folder's (use `children`, `files/{id}/content` or `zip`)"),
        Download, RateLimited, Public,
    ))]
#[get("/public/shares/{token}/content")]
pub(crate) async fn public_share_content(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    let counted = req.extensions().get::<WasHead>().is_none();
    let conditions = download::conditions(req.headers());
    Ok(download::respond(
        state
            .vault
            .public_share_content(link, conditions, counted)
            .await?,
    ))
}

/// A one-minute URL that downloads the shared file with no header (for a
/// browser's plain link). Making it counts one download.
#[utoipa::path(tag = "public",
    params(("token", description = "the share link's token (`{id}.{secret}`)"),
        ("X-Share-Password" = Option<String>, Header, nullable = false, description = "the share's password, when it has one")),
    responses(
        (status = 200, body = DownloadUrl, description = "the URL and when it stops working"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`share_password_required` or `share_password_wrong`"),
        (status = 404, body = Problem, content_type = "application/problem+json",
            description = "`share_not_found`: never made, expired, revoked, out of downloads or its file gone (all alike)"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`not_a_file`: the link is a folder's (use `files/{id}/download-url`)"),
        RateLimited, Public,
    ))]
#[post("/public/shares/{token}/download-url")]
pub(crate) async fn public_share_download_url(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<web::Json<DownloadUrl>, ApiError> {
    let link = link(&req, &token, &throttle, &client)?;
    Ok(web::Json(
        state.vault.public_share_download_url(link).await?,
    ))
}
