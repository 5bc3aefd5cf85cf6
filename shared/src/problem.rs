//! RFC 9457 problem details, the body of every error answer, and the table of
//! every problem the API answers: one definition each (code, status, title),
//! which the server answers with and the browser app matches on.

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

    /// Whether this answer is a problem of that kind.
    pub fn is(&self, kind: ProblemKind) -> bool {
        self.code == kind.code
    }
}

/// One kind of problem: its stable code, the HTTP status it is answered
/// with, and its title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProblemKind {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
}

macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident = ($code:literal, $status:literal, $title:literal);)*) => {
        $(
            $(#[$doc])*
            pub const $name: ProblemKind = ProblemKind { code: $code, status: $status, title: $title };
        )*
        /// Every kind, for checks that codes are unique and documented.
        pub const ALL: &[ProblemKind] = &[$($name),*];
    };
}

/// Every problem the API answers with.
pub mod kinds {
    use super::ProblemKind;

    problems! {
        /// One or more fields broke a rule; `errors` names each field and rule.
        VALIDATION_FAILED = ("validation_failed", 400, "Invalid request fields");
        /// The body is not JSON.
        MALFORMED_JSON = ("malformed_json", 400, "Malformed JSON");
        /// The body is JSON of the wrong shape.
        INVALID_BODY = ("invalid_body", 400, "Invalid body");
        /// A query parameter could not be read.
        INVALID_QUERY = ("invalid_query", 400, "Invalid query");
        /// A path could not be read, or names no file where one is needed.
        INVALID_PATH = ("invalid_path", 400, "Invalid path");
        /// `limit` outside 1..=1000.
        INVALID_LIMIT = ("invalid_limit", 400, "Invalid limit");
        /// `Content-Length` is not a number.
        INVALID_CONTENT_LENGTH = ("invalid_content_length", 400, "Invalid Content-Length");
        /// The multipart form is malformed, or holds a part that is not a file named `file`.
        INVALID_MULTIPART = ("invalid_multipart", 400, "Invalid form");
        /// The multipart form holds no file.
        NO_FILES = ("no_files", 400, "No files");
        /// The body ended before its declared length.
        INCOMPLETE_UPLOAD = ("incomplete_upload", 400, "Incomplete upload");
        /// The request body arrived too slowly, or stalled.
        REQUEST_TIMEOUT = ("request_timeout", 408, "Request timeout");
        INVALID_CREDENTIALS = ("invalid_credentials", 401, "Not authenticated");
        MISSING_TOKEN = ("missing_token", 401, "Not authenticated");
        MISSING_REFRESH_TOKEN = ("missing_refresh_token", 401, "Not authenticated");
        INVALID_TOKEN = ("invalid_token", 401, "Not authenticated");
        TOKEN_EXPIRED = ("token_expired", 401, "Not authenticated");
        SESSION_ENDED = ("session_ended", 401, "Not authenticated");
        REFRESH_TOKEN_REUSED = ("refresh_token_reused", 401, "Not authenticated");
        INVALID_RECOVERY = ("invalid_recovery", 401, "Not authenticated");
        /// The share has a password and the request carries none (`X-Share-Password`).
        SHARE_PASSWORD_REQUIRED = ("share_password_required", 401, "Share password required");
        /// The share's password is not the one given.
        SHARE_PASSWORD_WRONG = ("share_password_wrong", 401, "Wrong share password");
        /// The signed-in caller confirmed a sensitive change with the wrong password.
        WRONG_PASSWORD = ("wrong_password", 403, "Wrong password");
        /// This server does not take sign-ups (`signup = "closed"`).
        SIGNUP_CLOSED = ("signup_closed", 403, "Sign-up closed");
        /// The invite code is not one, or was used, or has expired.
        INVITE_INVALID = ("invite_invalid", 403, "Invalid invite");
        /// The account is disabled by the server's administrator.
        ACCOUNT_DISABLED = ("account_disabled", 403, "Account disabled");
        /// The request came with a read-only app password and would change
        /// something.
        READ_ONLY = ("read_only", 403, "Read-only app password");
        /// Managing credentials (app passwords, log-out) takes a log-in
        /// session, not an app password.
        SESSION_REQUIRED = ("session_required", 403, "Log-in session required");
        /// No such thing of the caller's (another user's ids answer the same).
        NOT_FOUND = ("not_found", 404, "Not found");
        /// No such share: never made, expired, revoked, out of downloads, or
        /// its file or folder is gone (all answer the same).
        SHARE_NOT_FOUND = ("share_not_found", 404, "Share not found");
        /// The file exists, but has no version of that id.
        VERSION_NOT_FOUND = ("version_not_found", 404, "Version not found");
        /// A listing cursor no listing of this folder gave: no such page.
        INVALID_CURSOR = ("invalid_cursor", 404, "No such page");
        /// The server holds no built browser app; the API works regardless.
        APP_NOT_BUILT = ("app_not_built", 404, "Browser app not built");
        /// The path exists for other methods; `Allow` lists them.
        METHOD_NOT_ALLOWED = ("method_not_allowed", 405, "Method not allowed");
        /// A file where a folder is needed.
        NOT_A_FOLDER = ("not_a_folder", 409, "Not a folder");
        /// A folder where a file is needed.
        NOT_A_FILE = ("not_a_file", 409, "Not a file");
        /// A folder into itself or below itself, or the root moved or deleted.
        INVALID_MOVE = ("invalid_move", 409, "Invalid move");
        /// Something of that name is already in the folder.
        NAME_TAKEN = ("name_taken", 409, "Name taken");
        /// An account with that email exists.
        EMAIL_TAKEN = ("email_taken", 409, "Email taken");
        /// The folder would be deeper than `limits.folder_depth`.
        TOO_DEEP = ("too_deep", 409, "Too deep");
        /// The file is larger than the largest upload allowed.
        UPLOAD_TOO_LARGE = ("upload_too_large", 413, "Upload too large");
        /// The request body is larger than allowed.
        PAYLOAD_TOO_LARGE = ("payload_too_large", 413, "Payload too large");
        /// The multipart form has more parts than `limits.form_parts`.
        TOO_MANY_PARTS = ("too_many_parts", 413, "Too many parts");
        UNSUPPORTED_MEDIA_TYPE = ("unsupported_media_type", 415, "Unsupported media type");
        RANGE_NOT_SATISFIABLE = ("range_not_satisfiable", 416, "Range not satisfiable");
        /// Too many attempts from this address, or at this account; `Retry-After` says when.
        RATE_LIMITED = ("rate_limited", 429, "Too many requests");
        /// Too many uploads of this account at once; `Retry-After` says when to try again.
        TOO_MANY_UPLOADS = ("too_many_uploads", 429, "Too many uploads");
        /// A stored object or record failed its integrity check; nothing of it is served.
        INTEGRITY_ERROR = ("integrity_error", 500, "Integrity check failed");
        INTERNAL = ("internal", 500, "Internal server error");
        /// A storage backend does not answer; try again shortly.
        STORAGE_UNAVAILABLE = ("storage_unavailable", 503, "Service unavailable");
        /// The server has more key work queued than it takes; `Retry-After` says when.
        BUSY = ("busy", 503, "Busy");
        /// Not enough of the account's quota is left.
        QUOTA_EXCEEDED = ("quota_exceeded", 507, "Quota exceeded");
        /// The account holds as many files and folders as `limits.nodes_per_account`.
        NODE_LIMIT = ("node_limit", 507, "Too many files and folders");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_statuses_are_errors() {
        let mut codes: Vec<&str> = kinds::ALL.iter().map(|kind| kind.code).collect();
        codes.sort_unstable();
        let before = codes.len();
        codes.dedup();
        assert_eq!(codes.len(), before, "a code is defined twice");
        for kind in kinds::ALL {
            assert!((400..600).contains(&kind.status), "{}", kind.code);
            assert!(
                kind.code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                kind.code
            );
        }
    }
}
