//! The one error type of the HTTP edge, mapped once to RFC 9457 problem+json.
//! Clients get a stable `code` and a human message; causes go to the log only.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError, error::JsonPayloadError};
use strongroom_shared::problem::PROBLEM_CONTENT_TYPE;
use strongroom_shared::{FieldError, Problem};

use crate::crypto::CryptoError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more fields broke a rule.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// The request could not be read at all (malformed JSON, wrong types, ...).
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    #[error("{0}")]
    Unauthorized(Unauthorized),
    /// The signed-in caller confirmed a sensitive change with the wrong password.
    #[error("the password is wrong")]
    WrongPassword,
    #[error("not found")]
    NotFound,
    /// The request is well formed but names a file where a folder is needed
    /// (409, as the target is in the wrong state, not the request malformed).
    #[error("this is not a folder")]
    NotAFolder,
    #[error("this is not a file")]
    NotAFile,
    /// A listing cursor this folder's listings never gave: the page it names
    /// does not exist (404; the query is part of the resource asked for).
    #[error("the cursor is not one of this folder's listing")]
    InvalidCursor,
    /// The root cannot move, and a folder cannot move into itself or below itself.
    #[error("a folder cannot move into itself or one of its subfolders, and the root cannot move")]
    InvalidMove,
    #[error("the file is larger than the largest upload allowed ({limit} bytes)")]
    UploadTooLarge { limit: u64 },
    #[error("not enough storage quota left for this file")]
    QuotaExceeded,
    #[error("the requested range is outside the file")]
    RangeNotSatisfiable { size: u64 },
    /// A stored object failed authentication: it was altered or damaged.
    #[error("the stored file failed its integrity check and cannot be delivered")]
    Integrity(#[source] CryptoError),
    #[error("the upload ended before the whole body arrived")]
    IncompleteUpload,
    /// The path exists; `allow` lists the methods it takes.
    #[error("this path does not take this method; it takes {allow}")]
    MethodNotAllowed { allow: String },
    /// `web_dir` holds no built browser app; the API works regardless.
    #[error(
        "the browser app is not built on this server; the API is at /api/v1 and its documentation at /api/docs/"
    )]
    AppNotBuilt,
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("the request body is larger than allowed")]
    PayloadTooLarge,
    #[error("the request body must be {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("storage is unavailable, try again shortly")]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a request was not authenticated. Deliberately coarse: log in never says
/// whether the email or the password was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unauthorized {
    #[error("email or password is wrong")]
    InvalidCredentials,
    #[error("a bearer token is required")]
    MissingToken,
    #[error("a refresh token is required, in the body or the session cookie")]
    MissingRefreshToken,
    #[error("the token is invalid")]
    InvalidToken,
    #[error("the token has expired")]
    TokenExpired,
    #[error("the session has ended; log in again")]
    SessionEnded,
    #[error("this refresh token was already used; the session has been ended for safety")]
    RefreshTokenReused,
    #[error("email or recovery code is wrong")]
    InvalidRecovery,
}

impl Unauthorized {
    fn code(self) -> &'static str {
        match self {
            Self::InvalidCredentials => "invalid_credentials",
            Self::MissingToken => "missing_token",
            Self::MissingRefreshToken => "missing_refresh_token",
            Self::InvalidToken => "invalid_token",
            Self::TokenExpired => "token_expired",
            Self::SessionEnded => "session_ended",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::InvalidRecovery => "invalid_recovery",
        }
    }
}

impl ApiError {
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(err))
    }

    pub fn invalid_field(field: &str, invalid: strongroom_shared::validate::Invalid) -> Self {
        Self::Validation(vec![invalid.for_field(field)])
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest { code, .. } | Self::Conflict { code, .. } => code,
            Self::Unauthorized(why) => why.code(),
            Self::WrongPassword => "wrong_password",
            Self::NotFound => "not_found",
            Self::NotAFolder => "not_a_folder",
            Self::NotAFile => "not_a_file",
            Self::InvalidCursor => "invalid_cursor",
            Self::InvalidMove => "invalid_move",
            Self::UploadTooLarge { .. } => "upload_too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::Integrity(_) => "integrity_error",
            Self::IncompleteUpload => "incomplete_upload",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::AppNotBuilt => "app_not_built",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::Unavailable(_) => "storage_unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Validation(_) => "Invalid request fields",
            Self::BadRequest { .. } => "Bad request",
            Self::Unauthorized(_) => "Not authenticated",
            Self::WrongPassword => "Wrong password",
            Self::NotFound => "Not found",
            Self::NotAFolder => "Not a folder",
            Self::NotAFile => "Not a file",
            Self::InvalidCursor => "No such page",
            Self::InvalidMove => "Invalid move",
            Self::UploadTooLarge { .. } => "Upload too large",
            Self::QuotaExceeded => "Quota exceeded",
            Self::RangeNotSatisfiable { .. } => "Range not satisfiable",
            Self::Integrity(_) => "Integrity check failed",
            Self::IncompleteUpload => "Incomplete upload",
            Self::MethodNotAllowed { .. } => "Method not allowed",
            Self::AppNotBuilt => "Browser app not built",
            Self::Conflict { .. } => "Conflict",
            Self::PayloadTooLarge => "Payload too large",
            Self::UnsupportedMediaType { .. } => "Unsupported media type",
            Self::Unavailable(_) => "Service unavailable",
            Self::Internal(_) => "Internal server error",
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        Problem {
            type_uri: Problem::type_uri_for(code),
            title: self.title().to_owned(),
            status: self.status_code().as_u16(),
            code: code.to_owned(),
            // Internal and storage errors say nothing about their cause.
            detail: Some(self.to_string()),
            errors: match self {
                Self::Validation(errors) => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) | Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::WrongPassword => StatusCode::FORBIDDEN,
            Self::NotFound | Self::AppNotBuilt | Self::InvalidCursor => StatusCode::NOT_FOUND,
            Self::IncompleteUpload => StatusCode::BAD_REQUEST,
            Self::NotAFolder | Self::NotAFile | Self::InvalidMove => StatusCode::CONFLICT,
            Self::UploadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::QuotaExceeded => StatusCode::INSUFFICIENT_STORAGE,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Integrity(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %ErrorChain(self), "request failed");
        } else {
            tracing::debug!(code = self.code(), error = %self, "request refused");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if matches!(self, Self::Unauthorized(_)) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let Self::MethodNotAllowed { allow } = self {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        if let Self::RangeNotSatisfiable { size } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{size}")));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// Formats an error with all its causes, for the log.
struct ErrorChain<'a>(&'a dyn std::error::Error);

impl std::fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::QuotaExceeded => Self::QuotaExceeded,
            StoreError::InvalidMove => Self::InvalidMove,
            StoreError::Unavailable(_) => Self::Unavailable(err),
            other => Self::internal(other),
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(err: CryptoError) -> Self {
        Self::internal(err)
    }
}

/// How the JSON extractor's failures reach the client: a problem with a reason,
/// never serde's internals beyond the field and position it names.
pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType {
            expected: "application/json",
        },
        JsonPayloadError::Deserialize(err) if err.is_data() => ApiError::bad_request(
            "invalid_body",
            format!("the body does not match the expected shape: {err}"),
        ),
        JsonPayloadError::Deserialize(err) => ApiError::bad_request(
            "malformed_json",
            format!("the body is not valid JSON: {err}"),
        ),
        other => ApiError::bad_request("invalid_body", other.to_string()),
    }
}
