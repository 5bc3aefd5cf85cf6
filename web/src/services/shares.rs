//! Share links: the owner's calls (make, list, revoke), and the public ones a
//! link's page makes for whoever holds it. The public calls go without the
//! access token and send the link's token only to these endpoints.

use gloo_net::http::Method;
use strongroom_shared::{
    CreateShareRequest, DownloadUrl, PublicListing, PublicShare, Share, ShareList,
};
use uuid::Uuid;

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::files::save;
use super::paths;

pub async fn create(node: Uuid, request: &CreateShareRequest) -> Result<Share, ApiError> {
    api::json(Method::POST, &paths::node_shares(node), Some(request)).await
}

pub async fn list() -> Result<ShareList, ApiError> {
    api::json(Method::GET, &paths::shares(), NO_BODY).await
}

pub async fn revoke(id: Uuid) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::share(id), NO_BODY).await
}

/// What the link opens.
pub async fn open(token: &str, password: Option<&str>) -> Result<PublicShare, ApiError> {
    let answer = api::public(Method::GET, &paths::public_share(token), password).await?;
    api::decode_json(answer).await
}

/// A folder inside a shared folder (`path` empty: the shared folder).
pub async fn children(
    token: &str,
    path: &str,
    password: Option<&str>,
) -> Result<PublicListing, ApiError> {
    let answer = api::public(Method::GET, &paths::public_children(token, path), password).await?;
    api::decode_json(answer).await
}

/// Asks for a one-minute download URL (which counts a download), then lets
/// the browser follow it, as the owner's own downloads do.
async fn save_from(path: &str, password: Option<&str>) -> Result<(), ApiError> {
    let answer = api::public(Method::POST, path, password).await?;
    let link: DownloadUrl = api::decode_json(answer).await?;
    save(&link.url).ok_or(ApiError::Network)
}

/// The shared file.
pub async fn download(token: &str, password: Option<&str>) -> Result<(), ApiError> {
    save_from(&paths::public_download_url(token), password).await
}

/// One file inside a shared folder.
pub async fn download_file(
    token: &str,
    file: Uuid,
    password: Option<&str>,
) -> Result<(), ApiError> {
    save_from(&paths::public_file_download_url(token, file), password).await
}

/// The whole shared folder as a zip: a plain link when there is no
/// password, else a one-minute URL asked for with it.
pub async fn download_zip(token: &str, password: Option<&str>) -> Result<(), ApiError> {
    match password {
        None => save(&paths::public_zip(token)).ok_or(ApiError::Network),
        Some(_) => save_from(&paths::public_zip_url(token), password).await,
    }
}
