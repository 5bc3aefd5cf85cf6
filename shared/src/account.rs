//! Accounts and authentication.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /api/v1/auth/signup`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// Trimmed and lower-cased before use.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::Email))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::NewPassword))]
    pub password: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::DisplayName>))]
    pub display_name: Option<String>,
    /// Needed when the server's sign-up policy is `invite`: a single-use code
    /// from its administrator. Ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite_code: Option<String>,
}

/// Who may create an account on this server.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SignupPolicy {
    /// Anyone.
    #[default]
    Open,
    /// Holders of a single-use invite code.
    Invite,
    /// Nobody.
    Closed,
}

/// `GET /api/v1/auth/signup`: how to sign up here.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignupInfo {
    pub policy: SignupPolicy,
}

/// Answer to a sign-up. The recovery code is shown exactly once: store it now.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SignupResponse {
    pub user: UserProfile,
    /// Sets a new password without losing any file. Never shown again.
    #[cfg_attr(feature = "openapi", schema(example = "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"))]
    pub recovery_code: String,
}

/// `POST /api/v1/auth/login`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Any string: an address with no account answers like a wrong password.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
    /// Keep the refresh token in an HttpOnly, SameSite=Strict session cookie
    /// instead of returning it (the browser app asks for this, so no script
    /// can read it). Off by default: API clients get it in the answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub session_cookie: bool,
}

/// Answer to log in and refresh.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Lifetime of the access token in seconds.
    pub expires_in: u64,
    /// `id.secret`; single use: each refresh returns a new one. Absent when
    /// it was put in the session cookie instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/refresh`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// Omitted (body `{}`) to use the refresh token in the session cookie;
    /// the new one then goes back into the cookie.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// `POST /api/v1/auth/recover`: set a new password with the recovery code.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoverRequest {
    /// Any string: an address with no account answers like a wrong code.
    #[cfg_attr(feature = "openapi", schema(example = "ada@example.com"))]
    pub email: String,
    /// Case, spaces and dashes are ignored.
    pub recovery_code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::NewPassword))]
    pub new_password: String,
}

/// Answer to a recovery: the old code is spent, this one replaces it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoverResponse {
    pub recovery_code: String,
}

/// `PUT /api/v1/me/password`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub current_password: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::NewPassword))]
    pub new_password: String,
}

/// `DELETE /api/v1/me`: the password confirms the wish.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeleteAccountRequest {
    #[cfg_attr(feature = "openapi", schema(format = Password))]
    pub password: String,
}

/// `GET /api/v1/me`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserProfile {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub quota_bytes: u64,
    /// Everything stored: the files' current contents, their versions and
    /// the trash.
    pub used_bytes: u64,
    /// The part of `used_bytes` the trash takes (emptying it frees that).
    pub trash_bytes: u64,
    /// The part of `used_bytes` earlier versions of files take.
    pub version_bytes: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
}
