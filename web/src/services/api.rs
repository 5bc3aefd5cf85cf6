//! The one typed request function. It adds the access token, and when the
//! server says the token has expired it refreshes silently and retries once.

use gloo_net::http::{Method, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::session;

/// Sends a call, refreshing and retrying once on 401.
pub async fn send<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let response = send_once(method.clone(), path, body).await?;
    if response.status() != 401 {
        return Ok(response);
    }
    match session::renew().await? {
        true => send_once(method, path, body).await,
        false => Ok(response),
    }
}

/// One request with the current access token, no retry.
pub(super) async fn send_once<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<Response, ApiError> {
    let bearer = session::access_token().map(|token| format!("Bearer {token}"));
    request(
        method,
        path,
        body,
        bearer
            .as_ref()
            .map(|value| ("Authorization", value.as_str())),
    )
    .await
}

/// One request, with one header of the caller's (the access token, or a
/// share's password).
async fn request<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
    header: Option<(&str, &str)>,
) -> Result<Response, ApiError> {
    let mut builder = RequestBuilder::new(path)
        .method(method)
        .header("Accept", "application/json");
    if let Some((name, value)) = header {
        builder = builder.header(name, value);
    }
    let request = match body {
        Some(body) => builder.json(body),
        None => builder.build(),
    }
    .map_err(|_| ApiError::Network)?;
    request.send().await.map_err(|_| ApiError::Network)
}

/// A call of a share link's public page: without the access token (the
/// link is the credential, whoever is signed in here) and without a refresh
/// (a 401 there is about the share's password), with that password in its
/// header when there is one.
pub async fn public(
    method: Method,
    path: &str,
    password: Option<&str>,
) -> Result<Response, ApiError> {
    let value = password.map(crate::sharing::header_value);
    let header = value
        .as_deref()
        .map(|value| (strongroom_shared::SHARE_PASSWORD_HEADER, value));
    request(method, path, NO_BODY, header).await
}

/// Turns a failed answer into its problem (with its `Retry-After`).
pub async fn failure(response: Response) -> ApiError {
    let content_type = response.headers().get("content-type");
    let retry_after = response.headers().get("retry-after");
    let body = response.text().await.unwrap_or_default();
    ApiError::from_answer(response.status(), content_type.as_deref(), &body)
        .with_retry_after(retry_after.as_deref())
}

pub async fn decode_json<R: DeserializeOwned>(response: Response) -> Result<R, ApiError> {
    if !response.ok() {
        return Err(failure(response).await);
    }
    let status = response.status();
    response
        .json::<R>()
        .await
        .map_err(|_| ApiError::Unexpected { status })
}

/// A call answered with JSON.
pub async fn json<R: DeserializeOwned, B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<R, ApiError> {
    decode_json(send(method, path, body).await?).await
}

/// A call made without a session (sign up, log in, recover): sent once, as
/// a 401 there is the answer (wrong password, wrong code), not an access
/// token to refresh; refreshing would only end a session that is not there
/// and tell the app so.
pub async fn json_once<R: DeserializeOwned, B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<R, ApiError> {
    decode_json(send_once(method, path, body).await?).await
}

/// A call answered with 204 No Content.
pub async fn no_content<B: Serialize + ?Sized>(
    method: Method,
    path: &str,
    body: Option<&B>,
) -> Result<(), ApiError> {
    let response = send(method, path, body).await?;
    match response.ok() {
        true => Ok(()),
        false => Err(failure(response).await),
    }
}

/// No body: a type for the `B` of calls that send none.
pub const NO_BODY: Option<&()> = None;
