//! App passwords: list, make (the answer holds the password, this once) and
//! revoke. All three take a log-in session, which the app always has.

use gloo_net::http::Method;
use strongroom_shared::{AppPassword, AppPasswordList, CreateAppPasswordRequest};
use uuid::Uuid;

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::paths;

pub async fn list() -> Result<AppPasswordList, ApiError> {
    api::json(Method::GET, &paths::app_passwords(), NO_BODY).await
}

pub async fn create(request: &CreateAppPasswordRequest) -> Result<AppPassword, ApiError> {
    api::json(Method::POST, &paths::app_passwords(), Some(request)).await
}

pub async fn revoke(id: Uuid) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &paths::app_password(id), NO_BODY).await
}
