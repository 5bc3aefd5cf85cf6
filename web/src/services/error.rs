//! What a failed call looks like to the pages: the server's problem body when
//! there is one, decoded once here.

use strongroom_shared::Problem;
use strongroom_shared::problem::PROBLEM_CONTENT_TYPE;

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The server answered with an RFC 9457 problem.
    Problem(Problem),
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
            return Self::Problem(problem);
        }
        Self::Unexpected { status }
    }

    /// The stable machine-readable code (`name_taken`, `quota_exceeded`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Problem(problem) => Some(&problem.code),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Problem(problem) => Some(problem.status),
            Self::Unexpected { status } => Some(*status),
            Self::Network | Self::Cancelled => None,
        }
    }

    /// One sentence for the user.
    pub fn message(&self) -> String {
        match self {
            Self::Problem(problem) => match problem.code.as_str() {
                "quota_exceeded" => String::from("Not enough space left in your vault."),
                "name_taken" => String::from("Something with this name is already there."),
                "invalid_move" => {
                    String::from("A folder cannot be moved into itself or its subfolders.")
                }
                "wrong_password" => String::from("The password is not right."),
                "upload_too_large" => String::from("This file is larger than the upload limit."),
                "storage_unavailable" => {
                    String::from("Storage is unavailable right now. Please try again shortly.")
                }
                _ => problem
                    .detail
                    .clone()
                    .filter(|detail| !detail.is_empty())
                    .unwrap_or_else(|| problem.title.clone()),
            },
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
            Self::Problem(problem) => problem
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
        matches!(self, Self::Problem(problem) if !problem.errors.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_shared::FieldError;

    fn problem_body(code: &str, detail: Option<&str>, errors: Vec<FieldError>) -> String {
        serde_json::to_string(&Problem {
            type_uri: Problem::type_uri_for(code),
            title: String::from("Title here"),
            status: 409,
            code: code.to_owned(),
            detail: detail.map(str::to_owned),
            errors,
        })
        .unwrap_or_default()
    }

    #[test]
    fn problem_bodies_are_decoded() {
        // A code without words of our own: the server's detail is the message.
        let body = problem_body(
            "not_a_folder",
            Some("\"a\" is a file, not a folder"),
            vec![],
        );
        let error = ApiError::from_answer(409, Some("application/problem+json"), &body);
        assert_eq!(error.code(), Some("not_a_folder"));
        assert_eq!(error.status(), Some(409));
        assert_eq!(error.message(), "\"a\" is a file, not a folder");
        // Parameters and case in the content type do not matter.
        let again =
            ApiError::from_answer(409, Some("Application/Problem+JSON; charset=utf-8"), &body);
        assert_eq!(again, error);
    }

    #[test]
    fn title_stands_in_for_a_missing_detail() {
        let body = problem_body("not_found", None, vec![]);
        let error = ApiError::from_answer(404, Some(PROBLEM_CONTENT_TYPE), &body);
        assert_eq!(error.message(), "Title here");
    }

    #[test]
    fn known_codes_get_friendly_words() {
        let body = problem_body("quota_exceeded", Some("would exceed 10 bytes"), vec![]);
        let error = ApiError::from_answer(507, Some(PROBLEM_CONTENT_TYPE), &body);
        assert_eq!(error.message(), "Not enough space left in your vault.");
    }

    #[test]
    fn conflicts_and_wrong_passwords_read_the_same_everywhere() {
        for (code, words) in [
            ("name_taken", "already there"),
            ("invalid_move", "into itself"),
            ("wrong_password", "not right"),
        ] {
            let error = ApiError::from_answer(
                409,
                Some(PROBLEM_CONTENT_TYPE),
                &problem_body(code, Some("raw"), vec![]),
            );
            assert!(
                error.message().contains(words),
                "{code}: {}",
                error.message()
            );
        }
    }

    #[test]
    fn field_errors_are_found_by_field() {
        let body = problem_body(
            "validation_failed",
            None,
            vec![FieldError {
                field: String::from("password"),
                code: String::from("too_short"),
                message: String::from("must be at least 8 characters"),
            }],
        );
        let error = ApiError::from_answer(400, Some(PROBLEM_CONTENT_TYPE), &body);
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
    }
}
