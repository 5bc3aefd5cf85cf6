//! App passwords: long-lived, named, revocable credentials for scripts, CI
//! and (later) WebDAV clients, used as `Authorization: Bearer sr_app_…`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /api/v1/me/app-passwords`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAppPasswordRequest {
    /// What it is for ("laptop rclone"): 1 to 100 characters, no control
    /// characters; trimmed.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::AppPasswordName))]
    pub name: String,
    /// Refused every write (403 `read_only`) when true; false when absent.
    #[serde(default)]
    pub read_only: bool,
}

/// An app password as its owner sees it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppPassword {
    pub id: Uuid,
    pub name: String,
    pub read_only: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: OffsetDateTime,
    /// Roughly when it last authenticated a request (kept to the minute);
    /// absent when never.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub last_used_at: Option<OffsetDateTime>,
    /// The password itself (`sr_app_<id>_<secret>`): only in the answer that
    /// creates it, never stored, never shown again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `GET /api/v1/me/app-passwords`: the caller's app passwords, newest first.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AppPasswordList {
    pub items: Vec<AppPassword>,
}
