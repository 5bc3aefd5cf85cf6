//! Sign up, log in, sessions, and the caller's own account.

use actix_session::Session;
use actix_web::{HttpResponse, delete, get, post, put, web};
use strongroom_shared::{
    ChangePasswordRequest, DeleteAccountRequest, LoginRequest, RecoverRequest, RecoverResponse,
    RefreshRequest, SignupInfo, SignupRequest, SignupResponse, TokenResponse, UserProfile,
};

use super::client::ClientAddr;
use super::json::JsonObject;
use super::throttle::{Bucket, Throttle};
use crate::auth::{AuthError, Caller, Unauthorized};
use crate::error::ApiError;
use crate::state::AppState;

use super::session_cookie as cookie;
use strongroom_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;

use super::responses::{Authenticated, JsonBody, Public, RateLimited};

/// `/api/v1/auth/...`: mounted in a scope that carries the session middleware,
/// the only place the session cookie is read or written.
pub fn configure_auth(cfg: &mut ServiceConfig) {
    cfg.service(signup_policy)
        .service(signup)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(recover);
}

/// `/api/v1/me...`
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(me).service(change_password).service(delete_me);
}

/// Who may sign up on this server: anyone, holders of an invite, or nobody.
#[utoipa::path(tag = "accounts",
    responses((status = 200, body = SignupInfo, description = "the sign-up policy")))]
#[get("/signup")]
pub(crate) async fn signup_policy(state: web::Data<AppState>) -> web::Json<SignupInfo> {
    web::Json(SignupInfo {
        policy: state.config.signup,
    })
}

/// Create an account. The answer holds the recovery code, shown only once.
/// With `signup = "invite"` it needs `invite_code`, which it uses up.
#[utoipa::path(tag = "accounts", request_body = SignupRequest,
    responses(
        (status = 201, body = SignupResponse, description = "created; store the recovery code now"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`signup_closed`: this server takes no sign-ups; `invite_invalid`: the invite code is not one, was used, or has expired"),
        (status = 409, body = Problem, content_type = "application/problem+json",
            description = "`email_taken`: an account with this email exists (with `signup = \"invite\"`, said only to the holder of a valid invite)"),
        JsonBody, RateLimited, Public,
    ))]
#[post("/signup")]
pub(crate) async fn signup(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    body: JsonObject<SignupRequest>,
) -> Result<(web::Json<SignupResponse>, actix_web::http::StatusCode), ApiError> {
    throttle.check(Bucket::Signup, client.0)?;
    let created = state.accounts.signup(body.into_inner()).await?;
    Ok((web::Json(created), actix_web::http::StatusCode::CREATED))
}

/// Log in: an access token and a refresh token.
///
/// With `session_cookie: true` (what the browser app sends) the refresh token
/// is not in the answer: it goes into the `strongroom_session` cookie, which is
/// encrypted, `HttpOnly`, `SameSite=Strict`, limited to `Path=/api/v1/auth`
/// and `Secure` when the server is configured for HTTPS.
#[utoipa::path(tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse,
            description = "logged in; with `session_cookie: true` the refresh token is in the session cookie instead of the answer",
            headers(("Set-Cookie" = String, description = "only with `session_cookie: true`: `strongroom_session=...; HttpOnly; SameSite=Strict; Path=/api/v1/auth`"))),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`invalid_credentials`: the email or the password is wrong (which, is not said)"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`account_disabled`: the password is right, but the administrator disabled the account"),
        JsonBody, RateLimited, Public,
    ))]
#[post("/login")]
pub(crate) async fn login(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    session: Session,
    body: JsonObject<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let request = body.into_inner();
    let in_cookie = request.session_cookie;
    throttle.check(Bucket::Login, client.0)?;
    let mut tokens = state.accounts.login(request, client.0).await?;
    if in_cookie && let Some(refresh_token) = tokens.refresh_token.take() {
        cookie::store_refresh_token(&session, refresh_token)?;
    }
    Ok(web::Json(tokens))
}

/// Exchange a refresh token (single use) for new tokens.
///
/// The token comes from the body, or, with a body of `{}`, from the session
/// cookie set by log in with `session_cookie: true`. A body token gets its
/// successor in the answer and leaves the cookie alone; a cookie token gets
/// its successor in a new cookie and none in the answer. A cookie whose token
/// is refused because its session ended (or it was used before, which ends
/// the session) is cleared.
#[utoipa::path(tag = "accounts", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse,
            description = "new tokens; the refresh token is in the answer or, when it came from the cookie, in a new cookie",
            headers(("Set-Cookie" = String, description = "only when the refresh token came from the session cookie: its successor"))),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`missing_refresh_token`, `invalid_token`, `session_ended` or `refresh_token_reused` (which ends the session); a cookie whose session ended is cleared"),
        JsonBody, RateLimited, Public,
    ))]
#[post("/refresh")]
pub(crate) async fn refresh(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    session: Session,
    body: JsonObject<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    throttle.check(Bucket::Refresh, client.0)?;
    if let Some(refresh_token) = body.into_inner().refresh_token {
        return Ok(web::Json(state.accounts.refresh(&refresh_token).await?));
    }
    let refresh_token = cookie::refresh_token(&session)
        .ok_or(ApiError::unauthorized(Unauthorized::MissingRefreshToken))?;
    match state.accounts.refresh(&refresh_token).await {
        Ok(mut tokens) => {
            if let Some(next) = tokens.refresh_token.take() {
                cookie::store_refresh_token(&session, next)?;
            }
            Ok(web::Json(tokens))
        }
        Err(
            err @ AuthError::Unauthorized(
                Unauthorized::SessionEnded | Unauthorized::RefreshTokenReused,
            ),
        ) => {
            // The session is gone: this cookie will never work again. (Not on
            // `invalid_token`, which a refresh losing a race to its twin also
            // gets: the winner's new cookie may be arriving.)
            cookie::clear(&session);
            Err(err.into())
        }
        Err(err) => Err(err.into()),
    }
}

/// End this session (and clear the session cookie, if one came along).
#[utoipa::path(tag = "accounts",
    responses(
        (status = 204, description = "the session has ended; a session cookie sent along is expired",
            headers(("Set-Cookie" = String, description = "when the session cookie came along: its removal"))),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[post("/logout")]
pub(crate) async fn logout(
    state: web::Data<AppState>,
    session: Session,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    state.accounts.logout(&caller).await?;
    cookie::clear(&session);
    Ok(HttpResponse::NoContent().finish())
}

/// Set a new password with the recovery code; answers a new recovery code.
#[utoipa::path(tag = "accounts", request_body = RecoverRequest,
    responses(
        (status = 200, body = RecoverResponse, description = "the password is set; store the new recovery code now"),
        (status = 401, body = Problem, content_type = "application/problem+json",
            description = "`invalid_recovery`: the email or the recovery code is wrong"),
        JsonBody, RateLimited, Public,
    ))]
#[post("/recover")]
pub(crate) async fn recover(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    body: JsonObject<RecoverRequest>,
) -> Result<web::Json<RecoverResponse>, ApiError> {
    throttle.check(Bucket::Login, client.0)?;
    Ok(web::Json(state.accounts.recover(body.into_inner()).await?))
}

/// The signed-in user.
#[utoipa::path(tag = "accounts",
    responses(
        (status = 200, body = UserProfile, description = "the caller's account"),
        Authenticated,
    ),
    security(("bearer" = [])))]
#[get("/me")]
pub(crate) async fn me(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(state.accounts.me(&caller).await?))
}

/// Change the password (re-wraps the master key; ends other sessions).
#[utoipa::path(tag = "accounts", request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed; other sessions ended"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`wrong_password`: the current password is wrong"),
        JsonBody, RateLimited, Authenticated,
    ),
    security(("bearer" = [])))]
#[put("/me/password")]
pub(crate) async fn change_password(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    caller: Caller,
    body: JsonObject<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.check(Bucket::Login, client.0)?;
    state
        .accounts
        .change_password(&caller, body.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete the account and every file in it.
#[utoipa::path(tag = "accounts", request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "the account and all its files are gone"),
        (status = 403, body = Problem, content_type = "application/problem+json",
            description = "`wrong_password`: the password is wrong"),
        JsonBody, RateLimited, Authenticated,
    ),
    security(("bearer" = [])))]
#[delete("/me")]
pub(crate) async fn delete_me(
    state: web::Data<AppState>,
    throttle: web::Data<Throttle>,
    client: ClientAddr,
    caller: Caller,
    body: JsonObject<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    throttle.check(Bucket::Login, client.0)?;
    state
        .delete_account(&caller, body.into_inner().password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
