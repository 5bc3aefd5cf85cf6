//! A file's earlier versions: list, download, restore, delete. Uploading a
//! file over one of the same name is what keeps its content as a version.

use gloo_net::http::Method;
use strongroom_shared::{Node, VersionList};
use uuid::Uuid;

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::files::download_from;
use super::paths;

/// Newest first; the current content is the file itself, not listed.
pub async fn list(file: Uuid) -> Result<VersionList, ApiError> {
    api::json(Method::GET, &paths::versions(file), NO_BODY).await
}

/// Through the browser's download manager, as the current content is.
pub async fn download(file: Uuid, version: Uuid) -> Result<(), ApiError> {
    download_from(&paths::version_download_url(file, version)).await
}

/// Makes the version the file's content again; the content it replaces
/// becomes a version in turn.
pub async fn restore(file: Uuid, version: Uuid) -> Result<Node, ApiError> {
    api::json(
        Method::POST,
        &paths::version_restore(file, version),
        NO_BODY,
    )
    .await
}

pub async fn delete(file: Uuid, version: Uuid) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::version(file, version), NO_BODY).await
}
