//! `AuthUser`: the signed-in caller, validated once per request. The session must
//! still exist, so log out, password change and account deletion take effect at
//! once rather than when the access token expires.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use uuid::Uuid;

use crate::app::AppState;
use crate::crypto::keys::Umk;
use crate::error::{ApiError, Unauthorized};

pub struct AuthUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub umk: Umk,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal(MissingState))?;
            let token = token.ok_or(ApiError::Unauthorized(Unauthorized::MissingToken))?;
            let grant = state
                .tokens
                .verify_access(&token)
                .map_err(ApiError::Unauthorized)?;
            state
                .meta
                .session(grant.user_id, grant.session_id)
                .await?
                .ok_or(ApiError::Unauthorized(Unauthorized::SessionEnded))?;
            Ok(AuthUser {
                user_id: grant.user_id,
                session_id: grant.session_id,
                umk: grant.umk,
            })
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|token| !token.is_empty())
}

#[derive(Debug, thiserror::Error)]
#[error("application state is not registered")]
struct MissingState;
