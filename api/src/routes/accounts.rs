//! Sign up, log in, sessions, and the caller's own account.

use actix_web::{HttpResponse, delete, get, post, put, web};
use strongroom_shared::{
    ChangePasswordRequest, DeleteAccountRequest, LoginRequest, RecoverRequest, RecoverResponse,
    RefreshRequest, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};

use crate::app::AppState;
use crate::auth::{AuthUser, accounts};
use crate::error::ApiError;

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

#[post("/auth/signup")]
async fn signup(
    state: web::Data<AppState>,
    body: web::Json<SignupRequest>,
) -> Result<(web::Json<SignupResponse>, actix_web::http::StatusCode), ApiError> {
    let created = accounts::signup(&state, body.into_inner()).await?;
    Ok((web::Json(created), actix_web::http::StatusCode::CREATED))
}

#[post("/auth/login")]
async fn login(
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(accounts::login(&state, body.into_inner()).await?))
}

#[post("/auth/refresh")]
async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    Ok(web::Json(
        accounts::refresh(&state, body.into_inner()).await?,
    ))
}

#[post("/auth/logout")]
async fn logout(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state, &auth).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[post("/auth/recover")]
async fn recover(
    state: web::Data<AppState>,
    body: web::Json<RecoverRequest>,
) -> Result<web::Json<RecoverResponse>, ApiError> {
    Ok(web::Json(
        accounts::recover(&state, body.into_inner()).await?,
    ))
}

#[get("/me")]
async fn me(
    state: web::Data<AppState>,
    auth: AuthUser,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(accounts::me(&state, &auth).await?))
}

#[put("/me/password")]
async fn change_password(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::change_password(&state, &auth, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[delete("/me")]
async fn delete_me(
    state: web::Data<AppState>,
    auth: AuthUser,
    body: web::Json<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    accounts::delete_account(&state, &auth, body.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
