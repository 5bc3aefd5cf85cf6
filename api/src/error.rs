//! The one error type of the HTTP edge, mapped once to RFC 9457
//! problem+json. Every answer's code, status and title come from the shared
//! table (`strongroom_shared::kinds`); the domain errors of the services
//! (`AuthError`, `VaultError`, `StoreError`) are translated here and nowhere
//! else. Clients get the code and a sentence; causes go to the log only.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpResponse, ResponseError, error::JsonPayloadError};
use strongroom_shared::problem::PROBLEM_CONTENT_TYPE;
use strongroom_shared::{FieldError, Problem, ProblemKind, kinds};

use crate::auth::{AuthError, Unauthorized};
use crate::crypto::CryptoError;
use crate::store::StoreError;
use crate::vault::VaultError;

type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub struct ApiError {
    kind: ProblemKind,
    /// One sentence for people; never a secret, never a cause's internals.
    detail: String,
    /// What only some answers carry, boxed so results stay small.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Default)]
struct Extra {
    /// Which fields broke which rule (validation failures).
    errors: Vec<FieldError>,
    /// A header the answer needs: `Allow`, `Content-Range`, `WWW-Authenticate`.
    header: Option<(HeaderName, String)>,
    /// For the log only.
    cause: Option<Cause>,
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            extra: None,
        }
    }

    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    fn extra(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Box::default)
    }

    fn with_header(mut self, name: HeaderName, value: String) -> Self {
        self.extra().header = Some((name, value));
        self
    }

    fn caused_by(mut self, cause: impl Into<Cause>) -> Self {
        self.extra().cause = Some(cause.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(kinds::NOT_FOUND, "not found")
    }

    /// The path exists; `allow` lists the methods it takes.
    pub fn method_not_allowed(allow: String) -> Self {
        Self::new(
            kinds::METHOD_NOT_ALLOWED,
            format!("this path does not take this method; it takes {allow}"),
        )
        .with_header(header::ALLOW, allow)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut err = Self::new(kinds::VALIDATION_FAILED, "the request has invalid fields");
        err.extra().errors = errors;
        err
    }

    pub fn unauthorized(why: Unauthorized) -> Self {
        let kind = match why {
            Unauthorized::InvalidCredentials => kinds::INVALID_CREDENTIALS,
            Unauthorized::MissingToken => kinds::MISSING_TOKEN,
            Unauthorized::MissingRefreshToken => kinds::MISSING_REFRESH_TOKEN,
            Unauthorized::InvalidToken => kinds::INVALID_TOKEN,
            Unauthorized::TokenExpired => kinds::TOKEN_EXPIRED,
            Unauthorized::SessionEnded => kinds::SESSION_ENDED,
            Unauthorized::RefreshTokenReused => kinds::REFRESH_TOKEN_REUSED,
            Unauthorized::InvalidRecovery => kinds::INVALID_RECOVERY,
        };
        Self::new(kind, why.to_string()).with_header(header::WWW_AUTHENTICATE, "Bearer".to_owned())
    }

    pub fn unsupported_media_type(expected: &str) -> Self {
        Self::new(
            kinds::UNSUPPORTED_MEDIA_TYPE,
            format!("the request body must be {expected}"),
        )
    }

    /// 429 `rate_limited`, to be tried again after `secs`.
    pub fn rate_limited(secs: u64) -> Self {
        Self::new(
            kinds::RATE_LIMITED,
            format!("too many attempts; try again in {secs} seconds"),
        )
        .with_header(header::RETRY_AFTER, secs.max(1).to_string())
    }

    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::new(kinds::INTERNAL, "internal error").caused_by(cause)
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_uri: Problem::type_uri_for(self.kind.code),
            title: self.kind.title.to_owned(),
            status: self.kind.status,
            code: self.kind.code.to_owned(),
            detail: Some(self.detail.clone()),
            errors: self
                .extra
                .as_ref()
                .map(|extra| extra.errors.clone())
                .unwrap_or_default(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.extra
            .as_ref()
            .and_then(|extra| extra.cause.as_deref())
            .map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(code = self.kind.code, error = %ErrorChain(self), "request failed");
        } else {
            tracing::debug!(code = self.kind.code, error = %self, "request refused");
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, PROBLEM_CONTENT_TYPE));
        if let Some((name, value)) = self.extra.as_ref().and_then(|extra| extra.header.as_ref()) {
            response.insert_header((name.clone(), value.clone()));
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
            StoreError::NotFound => Self::not_found(),
            StoreError::QuotaExceeded => Self::new(kinds::QUOTA_EXCEEDED, err.to_string()),
            StoreError::Unavailable(_) => Self::new(
                kinds::STORAGE_UNAVAILABLE,
                "storage is unavailable, try again shortly",
            )
            .caused_by(err),
            other => Self::internal(other),
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(err: CryptoError) -> Self {
        Self::internal(err)
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        let detail = err.to_string();
        match err {
            AuthError::Invalid(errors) => Self::invalid(errors),
            AuthError::EmailTaken => Self::new(kinds::EMAIL_TAKEN, detail),
            AuthError::Unauthorized(why) => Self::unauthorized(why),
            AuthError::WrongPassword => Self::new(kinds::WRONG_PASSWORD, detail),
            AuthError::AccountGone => Self::not_found(),
            AuthError::AccountDisabled => Self::new(kinds::ACCOUNT_DISABLED, detail),
            AuthError::ReadOnly => Self::new(kinds::READ_ONLY, detail),
            AuthError::SessionRequired => Self::new(kinds::SESSION_REQUIRED, detail),
            AuthError::Locked { retry_after_secs } => Self::rate_limited(retry_after_secs),
            AuthError::Busy => {
                Self::new(kinds::BUSY, detail).with_header(header::RETRY_AFTER, "1".to_owned())
            }
            AuthError::SignupClosed => Self::new(kinds::SIGNUP_CLOSED, detail),
            AuthError::InviteInvalid => Self::new(kinds::INVITE_INVALID, detail),
            AuthError::Store(err) => err.into(),
            AuthError::Crypto(err) => Self::internal(err),
            AuthError::Internal(_) => Self::internal(err),
        }
    }
}

impl From<VaultError> for ApiError {
    fn from(err: VaultError) -> Self {
        let detail = err.to_string();
        let kind = match err {
            VaultError::Invalid(errors) => return Self::invalid(errors),
            VaultError::Store(err) => return err.into(),
            VaultError::Link(why) => return Self::unauthorized(why),
            VaultError::RangeNotSatisfiable { size } => {
                return Self::new(kinds::RANGE_NOT_SATISFIABLE, detail)
                    .with_header(header::CONTENT_RANGE, format!("bytes */{size}"));
            }
            VaultError::Integrity(err) => {
                return Self::new(kinds::INTEGRITY_ERROR, detail).caused_by(err);
            }
            VaultError::Internal(_) => return Self::internal(err),
            VaultError::NotFound => kinds::NOT_FOUND,
            VaultError::NotAFolder => kinds::NOT_A_FOLDER,
            VaultError::NotAFile => kinds::NOT_A_FILE,
            VaultError::NameTaken => kinds::NAME_TAKEN,
            VaultError::InvalidMove => kinds::INVALID_MOVE,
            VaultError::InvalidCursor => kinds::INVALID_CURSOR,
            VaultError::InvalidLimit { .. } => kinds::INVALID_LIMIT,
            VaultError::EmptyQuery => kinds::INVALID_QUERY,
            VaultError::UploadTooLarge { .. } => kinds::UPLOAD_TOO_LARGE,
            VaultError::QuotaExceeded | VaultError::QuotaExceededFreeable { .. } => {
                kinds::QUOTA_EXCEEDED
            }
            VaultError::RestoreNameTaken => kinds::NAME_TAKEN,
            VaultError::VersionNotFound => kinds::VERSION_NOT_FOUND,
            VaultError::IncompleteUpload => kinds::INCOMPLETE_UPLOAD,
            VaultError::BodyTooSlow => kinds::REQUEST_TIMEOUT,
            VaultError::TooDeep { .. } => kinds::TOO_DEEP,
            VaultError::NodeLimit { .. } => kinds::NODE_LIMIT,
            VaultError::TooManyUploads { .. } => {
                return Self::new(kinds::TOO_MANY_UPLOADS, detail)
                    .with_header(header::RETRY_AFTER, "5".to_owned());
            }
            VaultError::Busy => {
                return Self::new(kinds::BUSY, detail)
                    .with_header(header::RETRY_AFTER, "1".to_owned());
            }
            VaultError::PropsTooLarge { .. } => kinds::PAYLOAD_TOO_LARGE,
            VaultError::ShareNotFound => kinds::SHARE_NOT_FOUND,
            VaultError::SharePasswordRequired => kinds::SHARE_PASSWORD_REQUIRED,
            VaultError::SharePasswordWrong => kinds::SHARE_PASSWORD_WRONG,
        };
        Self::new(kind, detail)
    }
}

/// Whether a body stopped because it came too slowly (`middleware::pace`).
pub fn is_too_slow(err: &actix_web::error::PayloadError) -> bool {
    matches!(err, actix_web::error::PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

/// How the JSON extractor's failures reach the client: a problem with a reason,
/// never serde's internals beyond the field and position it names.
pub fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(
                kinds::PAYLOAD_TOO_LARGE,
                "the request body is larger than allowed",
            )
        }
        JsonPayloadError::ContentType => ApiError::unsupported_media_type("application/json"),
        JsonPayloadError::Payload(err) if is_too_slow(&err) => ApiError::new(
            kinds::REQUEST_TIMEOUT,
            "the request body arrived too slowly",
        ),
        JsonPayloadError::Deserialize(err) if err.is_data() => ApiError::new(
            kinds::INVALID_BODY,
            format!("the body does not match the expected shape: {err}"),
        ),
        JsonPayloadError::Deserialize(err) => ApiError::new(
            kinds::MALFORMED_JSON,
            format!("the body is not valid JSON: {err}"),
        ),
        other => ApiError::new(kinds::INVALID_BODY, other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_takes_code_status_and_title_from_the_table() {
        let err: ApiError = VaultError::NameTaken.into();
        let problem = err.problem();
        assert_eq!(problem.code, kinds::NAME_TAKEN.code);
        assert_eq!(problem.status, 409);
        assert_eq!(problem.title, kinds::NAME_TAKEN.title);
        assert_eq!(err.status_code(), StatusCode::CONFLICT);
        let range: ApiError = VaultError::RangeNotSatisfiable { size: 10 }.into();
        let response = range.error_response();
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_RANGE)
                .map(|v| v.as_bytes()),
            Some(b"bytes */10".as_slice())
        );
        let unauthorized: ApiError = AuthError::Unauthorized(Unauthorized::TokenExpired).into();
        assert_eq!(unauthorized.kind(), kinds::TOKEN_EXPIRED);
        assert_eq!(
            unauthorized
                .error_response()
                .headers()
                .get(header::WWW_AUTHENTICATE)
                .map(|v| v.as_bytes()),
            Some(b"Bearer".as_slice())
        );
    }

    #[test]
    fn internal_errors_say_nothing_of_their_cause() {
        let err = ApiError::internal(StoreError::Corrupt("secret detail".to_owned()));
        let problem = err.problem();
        assert_eq!(problem.code, "internal");
        assert!(
            !serde_json::to_string(&problem)
                .unwrap_or_default()
                .contains("secret")
        );
    }
}
