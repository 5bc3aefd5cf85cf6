//! Sign up, log in, sessions, and the caller's own account.

use actix_web::{HttpResponse, delete, get, post, put, web};
use strongroom_shared::{
    ChangePasswordRequest, DeleteAccountRequest, LoginRequest, RecoverRequest, RecoverResponse,
    RefreshRequest, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};

use crate::app::AppState;
use crate::auth::{AuthUser, accounts};
use crate::error::ApiError;
use strongroom_shared::Problem;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(signup)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(recover)
        .service(me)
        .service(change_password)
        .service(delete_me);
}

/// Create an account. The answer holds the recovery code, shown only once.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "accounts", request_body = SignupRequest,
    responses((status = 201, body = SignupResponse), (status = 400, body = Problem, content_type = "application/problem+json", description = "invalid fields or body"), (status = 409, body = Problem, content_type = "application/problem+json", description = "email taken"), (status = 413, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json")))]
#[post("/auth/signup")]
pub(crate) async fn signup(
    state: web::Data<AppState>,
    body: web::Json<SignupRequest>,
) -> Result<(web::Json<SignupResponse>, actix_web::http::StatusCode), ApiError> {
    let created = accounts::signup(&state, body.into_inner()).await?;
    Ok((web::Json(created), actix_web::http::StatusCode::CREATED))
}

/// Log in: an access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses((status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"), (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"), (status = 200, body = TokenResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json", description = "email or password wrong")))]
#[post("/auth/login")]
pub(crate) async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(accounts::login(&state, body.into_inner()).await?))
}

/// Exchange a refresh token (single use) for new tokens.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "accounts", request_body = RefreshRequest,
    responses((status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"), (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"), (status = 200, body = TokenResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json", description = "invalid, used or ended")))]
#[post("/auth/refresh")]
pub(crate) async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(
        accounts::refresh(&state, body.into_inner()).await?,
    ))
}

/// End this session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204, description = "the session has ended"), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[post("/auth/logout")]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &auth).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Set a new password with the recovery code; answers a new recovery code.
#[utoipa::path(post, path = "/api/v1/auth/recover", tag = "accounts", request_body = RecoverRequest,
    responses((status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"), (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"), (status = 200, body = RecoverResponse), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json", description = "email or recovery code wrong")))]
#[post("/auth/recover")]
pub(crate) async fn recover(
    state: web::Data<AppState>,
    body: web::Json<RecoverRequest>,
) -> Result<web::Json<RecoverResponse>, ApiError> {
    Ok(web::Json(
        accounts::recover(&state, body.into_inner()).await?,
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = UserProfile), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
#[get("/me")]
pub(crate) async fn me(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(accounts::me(&state, &auth).await?))
}

/// Change the password (re-wraps the master key; ends other sessions).
#[utoipa::path(put, path = "/api/v1/me/password", tag = "accounts", request_body = ChangePasswordRequest,
    responses((status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"), (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"), (status = 204, description = "changed; other sessions ended"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json", description = "current password wrong")),
    security(("bearer" = [])))]
#[put("/me/password")]
pub(crate) async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::change_password(&state, &auth, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete the account and every file in it.
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = DeleteAccountRequest,
    responses((status = 413, body = Problem, content_type = "application/problem+json", description = "body too large"), (status = 415, body = Problem, content_type = "application/problem+json", description = "not application/json"), (status = 204, description = "the account and all its files are gone"), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json", description = "password wrong")),
    security(("bearer" = [])))]
#[delete("/me")]
pub(crate) async fn delete_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete_account(&state, &auth, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
