//! The trash: list it, restore or purge an item, empty it. Deleting itself
//! is `files::delete`, which moves the item here.

use std::cell::Cell;

use gloo_net::http::Method;
use strongroom_shared::{Node, RestoreRequest, TrashListing};
use uuid::Uuid;

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::paths;

thread_local! {
    /// The server's retention, from the last listing: a setting of the
    /// server, so one listing per visit of the app is enough to know it.
    static RETENTION_DAYS: Cell<Option<u32>> = const { Cell::new(None) };
}

pub async fn list() -> Result<TrashListing, ApiError> {
    let listing: TrashListing = api::json(Method::GET, &paths::trash(), NO_BODY).await?;
    RETENTION_DAYS.with(|days| days.set(Some(listing.retention_days)));
    Ok(listing)
}

/// Days the trash keeps an item (0: the server keeps no trash), asking the
/// server only the first time.
pub async fn retention_days() -> Result<u32, ApiError> {
    match RETENTION_DAYS.with(Cell::get) {
        Some(days) => Ok(days),
        None => list().await.map(|listing| listing.retention_days),
    }
}

/// Back where it was (or to the root when that folder is gone); `name`
/// when its own is taken there (the server answers `name_taken`).
pub async fn restore(id: Uuid, name: Option<String>) -> Result<Node, ApiError> {
    let request = RestoreRequest {
        parent_id: None,
        name,
    };
    api::json(Method::POST, &paths::trash_restore(id), Some(&request)).await
}

/// Deletes one item (and all it holds) for good.
pub async fn purge(id: Uuid) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::trash_item(id), NO_BODY).await
}

/// Deletes everything in the trash for good.
pub async fn empty() -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::trash(), NO_BODY).await
}
