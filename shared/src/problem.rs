//! RFC 9457 problem details, the body of every error answer.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Media type of every error answer.
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error answer. `code` is stable and machine-readable; `type` is
/// `urn:strongroom:problem:<code>`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Which request fields broke which rule, for validation failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One rule a request field broke.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn type_uri_for(code: &str) -> String {
        format!("urn:strongroom:problem:{code}")
    }
}
