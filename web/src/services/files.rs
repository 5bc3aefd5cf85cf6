//! Folders and files: list, create, rename, move, delete, search, download.

use gloo_net::http::Method;
use strongroom_shared::{
    CreateFolderRequest, DownloadUrl, FolderListing, Node, SearchResults, UpdateNodeRequest,
};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::paths;

/// Items per page of a folder listing.
pub const PAGE: u32 = 200;

pub async fn list(folder: Option<Uuid>, cursor: Option<&str>) -> Result<FolderListing, ApiError> {
    api::json(Method::GET, &paths::children(folder, cursor, PAGE), NO_BODY).await
}

pub async fn create_folder(parent: Uuid, name: &str) -> Result<Node, ApiError> {
    let request = CreateFolderRequest {
        parent_id: parent.to_string(),
        name: name.to_owned(),
    };
    api::json(Method::POST, &paths::folders(), Some(&request)).await
}

pub async fn rename(id: Uuid, name: &str) -> Result<Node, ApiError> {
    let request = UpdateNodeRequest {
        name: Some(name.to_owned()),
        parent_id: None,
    };
    api::json(Method::PATCH, &paths::node(id), Some(&request)).await
}

pub async fn move_to(id: Uuid, parent: Uuid) -> Result<Node, ApiError> {
    let request = UpdateNodeRequest {
        name: None,
        parent_id: Some(parent.to_string()),
    };
    api::json(Method::PATCH, &paths::node(id), Some(&request)).await
}

pub async fn delete(id: Uuid) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::node(id), NO_BODY).await
}

pub async fn search(query: &str) -> Result<SearchResults, ApiError> {
    api::json(Method::GET, &paths::search(query), NO_BODY).await
}

/// Hands the file to the browser's own download manager through a
/// short-lived download URL, so nothing is buffered in the app's memory.
pub async fn download(id: Uuid) -> Result<(), ApiError> {
    download_from(&paths::download_url(id)).await
}

/// Asks `path` for a short-lived download URL, then lets the browser follow
/// it: the current content's, or an earlier version's.
pub(super) async fn download_from(path: &str) -> Result<(), ApiError> {
    let link: DownloadUrl = api::json(Method::POST, path, NO_BODY).await?;
    save(&link.url).ok_or(ApiError::Network)
}

/// Follows `url` with a hidden `<a download>`: the answer is
/// `Content-Disposition: attachment`, so the browser saves it with its name
/// and the app stays where it is. `None` when there is no page to save from.
pub(super) fn save(url: &str) -> Option<()> {
    let document = web_sys::window().and_then(|window| window.document())?;
    let anchor = document
        .create_element("a")
        .ok()
        .and_then(|element| element.dyn_into::<web_sys::HtmlAnchorElement>().ok())?;
    anchor.set_href(url);
    anchor.set_download("");
    anchor.set_hidden(true);
    if let Some(body) = document.body() {
        let _ = body.append_child(&anchor);
        anchor.click();
        anchor.remove();
    }
    Some(())
}
