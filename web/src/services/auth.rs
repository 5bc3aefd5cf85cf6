//! Accounts: sign up, log in and out, recover, and the caller's own account.

use gloo_net::http::Method;
use strongroom_shared::{
    ChangePasswordRequest, DeleteAccountRequest, LoginRequest, RecoverRequest, RecoverResponse,
    SignupInfo, SignupPolicy, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};

use super::api::{self, NO_BODY};
use super::error::ApiError;
use super::paths::API;
use super::session;

/// Who may sign up here: anyone, holders of an invite, or nobody.
pub async fn signup_policy() -> Result<SignupPolicy, ApiError> {
    let info: SignupInfo =
        api::json_once(Method::GET, &format!("{API}/auth/signup"), NO_BODY).await?;
    Ok(info.policy)
}

pub async fn signup(request: &SignupRequest) -> Result<SignupResponse, ApiError> {
    api::json_once(Method::POST, &format!("{API}/auth/signup"), Some(request)).await
}

/// Logs in with the refresh token kept in the HttpOnly cookie, and answers
/// the profile of who is now signed in.
pub async fn login(email: &str, password: &str) -> Result<UserProfile, ApiError> {
    let request = LoginRequest {
        email: email.to_owned(),
        password: password.to_owned(),
        session_cookie: true,
    };
    let tokens: TokenResponse =
        api::json_once(Method::POST, &format!("{API}/auth/login"), Some(&request)).await?;
    session::set_access_token(Some(tokens.access_token));
    me().await
}

/// On start-up: is there still a session cookie? Then who is it.
pub async fn resume() -> Result<Option<UserProfile>, ApiError> {
    match session::refresh().await? {
        true => me().await.map(Some),
        false => Ok(None),
    }
}

/// Ends the session on the server (which also clears the cookie), then
/// forgets the access token whatever the server said.
pub async fn logout() {
    let _ = api::no_content(Method::POST, &format!("{API}/auth/logout"), NO_BODY).await;
    session::set_access_token(None);
}

pub async fn recover(request: &RecoverRequest) -> Result<RecoverResponse, ApiError> {
    api::json_once(Method::POST, &format!("{API}/auth/recover"), Some(request)).await
}

pub async fn me() -> Result<UserProfile, ApiError> {
    api::json(Method::GET, &format!("{API}/me"), NO_BODY).await
}

pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ApiError> {
    api::no_content(Method::PUT, &format!("{API}/me/password"), Some(request)).await
}

pub async fn delete_account(request: &DeleteAccountRequest) -> Result<(), ApiError> {
    api::no_content(Method::DELETE, &format!("{API}/me"), Some(request)).await?;
    session::set_access_token(None);
    Ok(())
}
