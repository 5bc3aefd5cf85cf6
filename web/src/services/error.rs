//! What a failed call looks like to the pages: the server's problem body when
//! there is one, decoded once here.

use strongroom_shared::problem::PROBLEM_CONTENT_TYPE;
use strongroom_shared::{Problem, ProblemKind, kinds};

/// Our own words for the problems people meet in the app; the others read
/// as the server words them.
const WORDS: &[(ProblemKind, &str)] = &[
    (
        kinds::QUOTA_EXCEEDED,
        // Deleted files and replaced contents still take space: say where
        // to free some.
        "Not enough space left in your vault. The trash and earlier versions of files count \
         too: emptying the trash or deleting versions frees their space.",
    ),
    (
        kinds::NAME_TAKEN,
        "Something with this name is already there.",
    ),
    (
        kinds::INVALID_MOVE,
        "A folder cannot be moved into itself or its subfolders.",
    ),
    (kinds::WRONG_PASSWORD, "The password is not right."),
    (
        kinds::UPLOAD_TOO_LARGE,
        "This file is larger than the upload limit.",
    ),
    (
        kinds::STORAGE_UNAVAILABLE,
        "Storage is unavailable right now. Please try again shortly.",
    ),
    (
        kinds::ACCOUNT_DISABLED,
        "This account has been disabled. Ask the server's administrator.",
    ),
    (
        kinds::SIGNUP_CLOSED,
        "This server does not take new accounts.",
    ),
    (
        kinds::INVITE_INVALID,
        "This invite code is not valid: it may be mistyped, used or expired.",
    ),
    (
        kinds::NODE_LIMIT,
        "Your vault holds as many files and folders as this server allows.",
    ),
    (kinds::TOO_DEEP, "Folders cannot be nested any deeper."),
    (
        kinds::REQUEST_TIMEOUT,
        "The request arrived too slowly and was stopped. Please try again.",
    ),
    (kinds::TOO_MANY_PARTS, "Too many files were sent at once."),
    (
        kinds::READ_ONLY,
        "This app password is read-only: it can read and download, not change anything.",
    ),
    (
        kinds::SESSION_REQUIRED,
        // Only a signed-in session may manage credentials: an app password
        // that leaked must not be able to make more or lock its owner out.
        "This needs you to be signed in with your password, not an app password.",
    ),
];

/// Problems that say when to try again (`Retry-After`): the start of our
/// sentence, which "Try again in …" ends.
const WAIT_WORDS: &[(ProblemKind, &str)] = &[
    (kinds::RATE_LIMITED, "Too many attempts."),
    (kinds::BUSY, "The server is busy."),
    (kinds::TOO_MANY_UPLOADS, "Too many uploads at once."),
];

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with an RFC 9457 problem; `retry_after` is its
    /// `Retry-After` in seconds, when it said one.
    Problem {
        problem: Problem,
        retry_after: Option<u64>,
    },
    /// The server answered something else that is not a success.
    Unexpected { status: u16 },
    /// No answer: offline, server down, or the request was cut.
    Network,
    /// The user stopped it (an upload's cancel button).
    Cancelled,
}

impl ApiError {
    /// Decodes a failed answer from its status, content type and body.
    pub fn from_answer(status: u16, content_type: Option<&str>, body: &str) -> Self {
        let is_problem = content_type
            .and_then(|value| value.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case(PROBLEM_CONTENT_TYPE)
                    || mime.eq_ignore_ascii_case("application/json")
            });
        if is_problem && let Ok(problem) = serde_json::from_str::<Problem>(body) {
            return Self::Problem {
                problem,
                retry_after: None,
            };
        }
        Self::Unexpected { status }
    }

    /// Adds the answer's `Retry-After` header (delta-seconds; a date, which
    /// this server never sends, is ignored).
    #[must_use]
    pub fn with_retry_after(self, header: Option<&str>) -> Self {
        match self {
            Self::Problem { problem, .. } => Self::Problem {
                problem,
                retry_after: header.and_then(|value| value.trim().parse().ok()),
            },
            other => other,
        }
    }

    /// Seconds to wait before trying again: the `Retry-After` header, or
    /// else the "in N seconds" of the server's detail.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Problem {
                retry_after: Some(secs),
                ..
            } => Some(*secs),
            Self::Problem { problem, .. } => problem.detail.as_deref().and_then(seconds_in),
            _ => None,
        }
    }

    /// The stable machine-readable code (`name_taken`, `quota_exceeded`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem { problem, .. } => Some(&problem.code),
            _ => None,
        }
    }

    /// Whether the server answered with a problem of that kind
    /// (`strongroom_shared::kinds`).
    pub fn is(&self, kind: ProblemKind) -> bool {
        matches!(self, Self::Problem { problem, .. } if problem.is(kind))
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Problem { problem, .. } => Some(problem.status),
            Self::Unexpected { status } => Some(*status),
            Self::Network | Self::Cancelled => None,
        }
    }

    /// One sentence for the user.
    pub fn message(&self) -> String {
        match self {
            Self::Problem { problem, .. } => {
                if let Some((_, words)) = WORDS.iter().find(|(kind, _)| problem.is(*kind)) {
                    return String::from(*words);
                }
                if let Some((_, words)) = WAIT_WORDS.iter().find(|(kind, _)| problem.is(*kind)) {
                    return match self.retry_after() {
                        Some(secs) => format!("{words} Try again in {}.", wait(secs)),
                        None => format!("{words} Please wait a moment and try again."),
                    };
                }
                problem
                    .detail
                    .clone()
                    .filter(|detail| !detail.is_empty())
                    .unwrap_or_else(|| problem.title.clone())
            }
            Self::Unexpected { status } if *status >= 500 => {
                format!("The server had a problem (HTTP {status}). Please try again.")
            }
            Self::Unexpected { status } => {
                format!("Unexpected answer from the server (HTTP {status}).")
            }
            Self::Network => String::from("Cannot reach the server. Check your connection."),
            Self::Cancelled => String::from("Cancelled."),
        }
    }

    /// The message the server gave for one input field, if any.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Problem { problem, .. } => problem
                .errors
                .iter()
                .find(|error| error.field == name)
                .map(|error| error.message.clone()),
            _ => None,
        }
    }

    /// True when the problem is about one of the form's fields, so the
    /// form shows it beside the field rather than above the form.
    pub fn has_field_errors(&self) -> bool {
        matches!(self, Self::Problem { problem, .. } if !problem.errors.is_empty())
    }
}

/// How long to wait, in words: seconds under two minutes, whole minutes
/// (rounded up) beyond.
fn wait(secs: u64) -> String {
    match secs {
        0 | 1 => String::from("1 second"),
        2..120 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

/// The N of "… in N seconds" in a server's detail.
fn seconds_in(detail: &str) -> Option<u64> {
    let words: Vec<&str> = detail.split_whitespace().collect();
    words
        .windows(2)
        .find(|pair| pair[1].starts_with("second"))
        .and_then(|pair| pair[0].parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_shared::FieldError;

    fn problem_body(kind: ProblemKind, detail: Option<&str>, errors: Vec<FieldError>) -> String {
        serde_json::to_string(&Problem {
            type_uri: Problem::type_uri_for(kind.code),
            title: String::from(kind.title),
            status: kind.status,
            code: String::from(kind.code),
            detail: detail.map(str::to_owned),
            errors,
        })
        .unwrap_or_default()
    }

    fn answer(kind: ProblemKind, body: &str) -> ApiError {
        ApiError::from_answer(kind.status, Some(PROBLEM_CONTENT_TYPE), body)
    }

    #[test]
    fn problem_bodies_are_decoded() {
        // A code without words of our own: the server's detail is the message.
        let body = problem_body(
            kinds::NOT_A_FOLDER,
            Some("\"a\" is a file, not a folder"),
            vec![],
        );
        let error = ApiError::from_answer(409, Some("application/problem+json"), &body);
        assert_eq!(error.code(), Some(kinds::NOT_A_FOLDER.code));
        assert!(error.is(kinds::NOT_A_FOLDER));
        assert!(!error.is(kinds::NOT_A_FILE));
        assert_eq!(error.status(), Some(409));
        assert_eq!(error.message(), "\"a\" is a file, not a folder");
        // Parameters and case in the content type do not matter.
        let again =
            ApiError::from_answer(409, Some("Application/Problem+JSON; charset=utf-8"), &body);
        assert_eq!(again, error);
    }

    #[test]
    fn title_stands_in_for_a_missing_detail() {
        let error = answer(
            kinds::NOT_FOUND,
            &problem_body(kinds::NOT_FOUND, None, vec![]),
        );
        assert_eq!(error.message(), kinds::NOT_FOUND.title);
    }

    #[test]
    fn known_codes_get_friendly_words() {
        let error = answer(
            kinds::QUOTA_EXCEEDED,
            &problem_body(kinds::QUOTA_EXCEEDED, Some("would exceed 10 bytes"), vec![]),
        );
        assert!(
            error
                .message()
                .starts_with("Not enough space left in your vault. The trash")
        );
    }

    #[test]
    fn conflicts_and_wrong_passwords_read_the_same_everywhere() {
        for (kind, words) in [
            (kinds::NAME_TAKEN, "already there"),
            (kinds::INVALID_MOVE, "into itself"),
            (kinds::WRONG_PASSWORD, "not right"),
        ] {
            let error = answer(kind, &problem_body(kind, Some("raw"), vec![]));
            assert!(
                error.message().contains(words),
                "{}: {}",
                kind.code,
                error.message()
            );
        }
    }

    #[test]
    fn waits_use_retry_after_or_else_the_detail() {
        let body = problem_body(
            kinds::RATE_LIMITED,
            Some("too many attempts; try again in 7 seconds"),
            vec![],
        );
        let limited = answer(kinds::RATE_LIMITED, &body);
        // No header: the seconds come from the detail.
        assert_eq!(limited.retry_after(), Some(7));
        assert_eq!(
            limited.message(),
            "Too many attempts. Try again in 7 seconds."
        );
        // The header wins when there is one.
        let limited = limited.with_retry_after(Some(" 42 "));
        assert_eq!(limited.retry_after(), Some(42));
        assert_eq!(
            limited.message(),
            "Too many attempts. Try again in 42 seconds."
        );
        // A long lock reads in minutes; one second in the singular.
        let locked = answer(kinds::RATE_LIMITED, &body).with_retry_after(Some("900"));
        assert_eq!(
            locked.message(),
            "Too many attempts. Try again in 15 minutes."
        );
        let busy = answer(
            kinds::BUSY,
            &problem_body(kinds::BUSY, Some("busy"), vec![]),
        )
        .with_retry_after(Some("1"));
        assert_eq!(busy.message(), "The server is busy. Try again in 1 second.");
        let uploads = answer(
            kinds::TOO_MANY_UPLOADS,
            &problem_body(kinds::TOO_MANY_UPLOADS, Some("3 uploads run"), vec![]),
        )
        .with_retry_after(Some("5"));
        assert_eq!(
            uploads.message(),
            "Too many uploads at once. Try again in 5 seconds."
        );
        // Neither a header (a date is not read) nor seconds in the detail.
        let vague = answer(
            kinds::RATE_LIMITED,
            &problem_body(kinds::RATE_LIMITED, None, vec![]),
        )
        .with_retry_after(Some("Wed, 21 Oct 2026 07:28:00 GMT"));
        assert_eq!(vague.retry_after(), None);
        assert_eq!(
            vague.message(),
            "Too many attempts. Please wait a moment and try again."
        );
        // Only problems carry a wait.
        assert_eq!(
            ApiError::Network.with_retry_after(Some("5")),
            ApiError::Network
        );
    }

    #[test]
    fn new_kinds_read_as_plain_sentences() {
        for (kind, words) in [
            (kinds::ACCOUNT_DISABLED, "This account has been disabled."),
            (kinds::SIGNUP_CLOSED, "does not take new accounts"),
            (kinds::INVITE_INVALID, "invite code is not valid"),
            (kinds::NODE_LIMIT, "as many files and folders"),
            (kinds::TOO_DEEP, "nested any deeper"),
            (kinds::REQUEST_TIMEOUT, "too slowly"),
            (kinds::TOO_MANY_PARTS, "Too many files"),
            (kinds::READ_ONLY, "app password is read-only"),
            (kinds::SESSION_REQUIRED, "signed in with your password"),
        ] {
            let error = answer(kind, &problem_body(kind, Some("raw"), vec![]));
            let message = error.message();
            assert!(message.contains(words), "{}: {message}", kind.code);
            assert!(message.ends_with('.'), "{}: {message}", kind.code);
        }
    }

    #[test]
    fn a_missing_invite_is_a_field_error() {
        let body = problem_body(
            kinds::VALIDATION_FAILED,
            None,
            vec![FieldError {
                field: String::from("invite_code"),
                code: String::from("invite_required"),
                message: String::from("sign-up on this server needs an invite code"),
            }],
        );
        let error = answer(kinds::VALIDATION_FAILED, &body);
        assert!(error.has_field_errors());
        assert_eq!(
            error.field("invite_code").as_deref(),
            Some("sign-up on this server needs an invite code")
        );
    }

    #[test]
    fn field_errors_are_found_by_field() {
        let body = problem_body(
            kinds::VALIDATION_FAILED,
            None,
            vec![FieldError {
                field: String::from("password"),
                code: String::from("too_short"),
                message: String::from("must be at least 8 characters"),
            }],
        );
        let error = answer(kinds::VALIDATION_FAILED, &body);
        assert!(error.has_field_errors());
        assert_eq!(
            error.field("password").as_deref(),
            Some("must be at least 8 characters")
        );
        assert_eq!(error.field("email"), None);
    }

    #[test]
    fn anything_else_is_unexpected() {
        assert_eq!(
            ApiError::from_answer(502, Some("text/html"), "<h1>Bad gateway</h1>"),
            ApiError::Unexpected { status: 502 }
        );
        assert_eq!(
            ApiError::from_answer(500, Some(PROBLEM_CONTENT_TYPE), "{not json"),
            ApiError::Unexpected { status: 500 }
        );
        assert_eq!(
            ApiError::from_answer(400, None, ""),
            ApiError::Unexpected { status: 400 }
        );
        assert!(
            ApiError::Unexpected { status: 502 }
                .message()
                .contains("502")
        );
        assert_eq!(ApiError::Network.status(), None);
        assert_eq!(ApiError::Network.code(), None);
        assert!(!ApiError::Network.is(kinds::NOT_FOUND));
    }
}
