//! Share links in plain Rust, tested natively: the share dialog's choices
//! turned into a request (expiry presets to timestamps, the password and the
//! download limit checked as the server checks them), the link to hand out,
//! how a share's options read, and what a public page makes of a problem.

use strongroom_shared::{CreateShareRequest, MAX_SHARE_DOWNLOADS, SHARE_PAGE_PREFIX, Share, kinds};
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset, macros::format_description};

use crate::format;
use crate::services::ApiError;

/// Longest share password the server takes, in bytes.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// When a new link stops working.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Expiry {
    #[default]
    Never,
    Day,
    Week,
    Month,
    /// At the end of a day picked in the date field.
    Date,
}

impl Expiry {
    pub const ALL: [Self; 5] = [Self::Never, Self::Day, Self::Week, Self::Month, Self::Date];

    /// The `value` of its `<option>`.
    pub fn value(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Day => "1d",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::Date => "date",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Never => "Never",
            Self::Day => "In 1 day",
            Self::Week => "In 7 days",
            Self::Month => "In 30 days",
            Self::Date => "On a date…",
        }
    }

    pub fn from_value(value: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|choice| choice.value() == value)
            .unwrap_or_default()
    }
}

/// What the share dialog holds, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShareForm {
    pub expiry: Expiry,
    /// `YYYY-MM-DD` from the date field, for [`Expiry::Date`].
    pub date: String,
    /// Empty: no password.
    pub password: String,
    /// Empty: no limit.
    pub limit: String,
}

/// What is wrong with a share, beside each field, or above the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShareProblems {
    pub expiry: Option<String>,
    pub password: Option<String>,
    pub limit: Option<String>,
    pub general: Option<String>,
}

impl ShareProblems {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The server's answer to a share that could not be made: its words for
    /// each field, or one sentence.
    pub fn from_error(error: &ApiError) -> Self {
        if error.has_field_errors() {
            let problems = Self {
                expiry: error.field("expires_at"),
                password: error.field("password"),
                limit: error.field("max_downloads"),
                general: None,
            };
            if !problems.is_empty() {
                return problems;
            }
        }
        let general = match error {
            _ if error.is(kinds::NOT_A_FILE) => {
                String::from("Only files can be shared by link on this server for now.")
            }
            _ if error.status() == Some(404) => String::from("This item is not there any more."),
            _ => error.message(),
        };
        Self {
            general: Some(general),
            ..Self::default()
        }
    }
}

/// When a link made `now` with this expiry stops working: presets count from
/// now; a date means the end of that day in the viewer's zone.
pub fn expires_at(
    expiry: Expiry,
    date: &str,
    now: OffsetDateTime,
    zone: UtcOffset,
) -> Result<Option<OffsetDateTime>, String> {
    let after = |days: i64| Ok(Some(now + Duration::days(days)));
    match expiry {
        Expiry::Never => Ok(None),
        Expiry::Day => after(1),
        Expiry::Week => after(7),
        Expiry::Month => after(30),
        Expiry::Date => {
            let day = Date::parse(date.trim(), format_description!("[year]-[month]-[day]"))
                .map_err(|_| String::from("Pick the last day the link works."))?;
            let end = day
                .next_day()
                .map(|next| next.with_time(Time::MIDNIGHT).assume_offset(zone))
                .ok_or_else(|| String::from("Pick an earlier day."))?;
            match end > now {
                true => Ok(Some(end)),
                false => Err(String::from("Pick a day from today on.")),
            }
        }
    }
}

/// A share password as the browser can send it in a header: 1 to 1024
/// bytes, no control characters, and no spaces at either end (browsers drop
/// those from header values, so the link holder could never match it).
pub fn check_password(password: &str) -> Result<(), String> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "At most {MAX_PASSWORD_BYTES} bytes (UTF-8 characters may take several)."
        ));
    }
    if password.chars().any(char::is_control) {
        return Err(String::from("No control characters, please."));
    }
    if password.trim() != password {
        return Err(String::from("It cannot start or end with a space."));
    }
    Ok(())
}

/// The download limit: empty for none, else a whole number in range.
pub fn parse_limit(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(limit) if (1..=MAX_SHARE_DOWNLOADS).contains(&limit) => Ok(Some(limit)),
        _ => Err(String::from(
            "A whole number from 1 to 1,000,000, or empty for no limit.",
        )),
    }
}

/// The request for the dialog's choices, or what to fix first.
pub fn request(
    form: &ShareForm,
    now: OffsetDateTime,
    zone: UtcOffset,
) -> Result<CreateShareRequest, ShareProblems> {
    let expires_at = expires_at(form.expiry, &form.date, now, zone);
    let password = match form.password.is_empty() {
        true => Ok(None),
        false => check_password(&form.password).map(|()| Some(form.password.clone())),
    };
    let limit = parse_limit(&form.limit);
    match (expires_at, password, limit) {
        (Ok(expires_at), Ok(password), Ok(max_downloads)) => Ok(CreateShareRequest {
            expires_at,
            password,
            max_downloads,
        }),
        (expiry, password, limit) => Err(ShareProblems {
            expiry: expiry.err(),
            password: password.err(),
            limit: limit.err(),
            general: None,
        }),
    }
}

/// The link to hand out: the page's origin before the new share's
/// `/s/{token}` (its `url`, or else made from its token).
pub fn link(origin: &str, share: &Share) -> String {
    let url = share.url.clone().unwrap_or_else(|| {
        format!(
            "{SHARE_PAGE_PREFIX}{}",
            share.token.as_deref().unwrap_or_default()
        )
    });
    if url.starts_with("http://") || url.starts_with("https://") {
        return url;
    }
    format!("{}{url}", origin.trim_end_matches('/'))
}

/// A password as a header value. Header values are byte strings to the
/// browser (one character per byte, U+0000 to U+00FF); the server reads them
/// as UTF-8, so each UTF-8 byte goes as the character of that number.
pub fn header_value(password: &str) -> String {
    password.bytes().map(char::from).collect()
}

/// "3 of 10" with a limit, "3" without.
pub fn downloads(done: u32, limit: Option<u32>) -> String {
    match limit {
        Some(limit) => format!("{done} of {limit}"),
        None => done.to_string(),
    }
}

/// When a link stops working, in words.
pub fn expiry(at: Option<OffsetDateTime>, zone: UtcOffset) -> String {
    at.map_or_else(|| String::from("Never"), |at| format::full_date(at, zone))
}

/// What a public page shows for a failed call about its link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Expired, revoked, used up or never made: all alike.
    Gone,
    /// The link has a password and none was given.
    PasswordRequired,
    /// The password given is not the link's.
    PasswordWrong,
    /// Anything else (rate limited, offline), in words.
    Other(String),
}

impl LinkProblem {
    pub fn of(error: &ApiError) -> Self {
        if error.is(kinds::SHARE_NOT_FOUND) {
            Self::Gone
        } else if error.is(kinds::SHARE_PASSWORD_REQUIRED) {
            Self::PasswordRequired
        } else if error.is(kinds::SHARE_PASSWORD_WRONG) {
            Self::PasswordWrong
        } else {
            Self::Other(error.message())
        }
    }
}

/// Words for a failed "Download all (zip)" of a link with a password, when
/// the server has no way to hand such a zip to a plain link (no
/// `zip-url`): the files can still be downloaded one by one.
pub fn zip_words(error: &ApiError, with_password: bool) -> Option<String> {
    let missing = error.is(kinds::NOT_FOUND) || error.status() == Some(405);
    (with_password && missing).then(|| {
        String::from(
            "This server cannot zip a folder shared with a password yet: download the files one by one.",
        )
    })
}

/// The path of a folder inside a shared folder, for `children?path=`.
pub fn folder_path(path: &[String]) -> String {
    path.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_shared::problem::PROBLEM_CONTENT_TYPE;
    use strongroom_shared::{FieldError, Problem, ProblemKind};
    use time::macros::{datetime, offset};

    const NOW: OffsetDateTime = datetime!(2026-11-30 13:30 UTC);

    fn error(kind: ProblemKind, errors: Vec<FieldError>) -> ApiError {
        let body = serde_json::to_string(&Problem {
            type_uri: Problem::type_uri_for(kind.code),
            title: String::from(kind.title),
            status: kind.status,
            code: String::from(kind.code),
            detail: Some(String::from("raw")),
            errors,
        })
        .unwrap_or_default();
        ApiError::from_answer(kind.status, Some(PROBLEM_CONTENT_TYPE), &body)
    }

    #[test]
    fn presets_count_from_now() {
        let zone = offset!(+1);
        assert_eq!(expires_at(Expiry::Never, "", NOW, zone), Ok(None));
        assert_eq!(
            expires_at(Expiry::Day, "", NOW, zone),
            Ok(Some(datetime!(2026-12-01 13:30 UTC)))
        );
        assert_eq!(
            expires_at(Expiry::Week, "", NOW, zone),
            Ok(Some(datetime!(2026-12-07 13:30 UTC)))
        );
        assert_eq!(
            expires_at(Expiry::Month, "", NOW, zone),
            Ok(Some(datetime!(2026-12-30 13:30 UTC)))
        );
        for choice in Expiry::ALL {
            assert_eq!(Expiry::from_value(choice.value()), choice);
        }
        assert_eq!(Expiry::from_value("nonsense"), Expiry::Never);
    }

    #[test]
    fn a_date_lasts_to_the_end_of_that_day_where_the_owner_is() {
        let zone = offset!(+1);
        assert_eq!(
            expires_at(Expiry::Date, "2026-12-24", NOW, zone),
            Ok(Some(datetime!(2026-12-25 00:00 +1)))
        );
        // Today still works: the link lasts until midnight.
        assert_eq!(
            expires_at(Expiry::Date, " 2026-11-30 ", NOW, zone),
            Ok(Some(datetime!(2026-12-01 00:00 +1)))
        );
        assert!(expires_at(Expiry::Date, "2026-11-29", NOW, zone).is_err());
        assert!(expires_at(Expiry::Date, "", NOW, zone).is_err());
        assert!(expires_at(Expiry::Date, "30/11/2026", NOW, zone).is_err());
    }

    #[test]
    fn passwords_must_survive_a_header() {
        assert!(check_password("correct horse").is_ok());
        assert!(check_password("Grüße").is_ok());
        assert!(check_password(" leading").is_err());
        assert!(check_password("trailing\t").is_err());
        assert!(check_password("line\nbreak").is_err());
        assert!(check_password(&"x".repeat(1024)).is_ok());
        assert!(check_password(&"é".repeat(513)).is_err());
        // Each UTF-8 byte as one character: the browser sends those bytes.
        assert_eq!(header_value("abc"), "abc");
        assert_eq!(header_value("é"), "\u{c3}\u{a9}");
    }

    #[test]
    fn limits_are_whole_numbers_in_range() {
        assert_eq!(parse_limit(""), Ok(None));
        assert_eq!(parse_limit("  "), Ok(None));
        assert_eq!(parse_limit(" 3 "), Ok(Some(3)));
        // The words below name the server's bound.
        assert_eq!(MAX_SHARE_DOWNLOADS, 1_000_000);
        assert_eq!(parse_limit("1000000"), Ok(Some(1_000_000)));
        for bad in ["0", "1000001", "-1", "2.5", "three"] {
            let Err(problem) = parse_limit(bad) else {
                panic!("{bad} is not a limit");
            };
            assert!(problem.contains("1 to 1,000,000"), "{bad}: {problem}");
        }
    }

    #[test]
    fn the_request_carries_every_choice_or_every_problem() {
        let form = ShareForm {
            expiry: Expiry::Week,
            date: String::new(),
            password: String::from("open sesame"),
            limit: String::from("5"),
        };
        assert_eq!(
            request(&form, NOW, UtcOffset::UTC),
            Ok(CreateShareRequest {
                expires_at: Some(datetime!(2026-12-07 13:30 UTC)),
                password: Some(String::from("open sesame")),
                max_downloads: Some(5),
            })
        );
        assert_eq!(
            request(&ShareForm::default(), NOW, UtcOffset::UTC),
            Ok(CreateShareRequest::default())
        );
        let bad = ShareForm {
            expiry: Expiry::Date,
            date: String::from("2020-01-01"),
            password: String::from(" x"),
            limit: String::from("0"),
        };
        let Err(problems) = request(&bad, NOW, UtcOffset::UTC) else {
            panic!("nothing in that form is right");
        };
        assert!(problems.expiry.is_some() && problems.password.is_some());
        assert!(problems.limit.is_some() && problems.general.is_none());
    }

    #[test]
    fn server_problems_go_beside_their_fields() {
        let invalid = error(
            kinds::VALIDATION_FAILED,
            vec![FieldError {
                field: String::from("max_downloads"),
                code: String::from("range"),
                message: String::from("max_downloads is between 1 and 1,000,000"),
            }],
        );
        let problems = ShareProblems::from_error(&invalid);
        assert_eq!(
            problems.limit.as_deref(),
            Some("max_downloads is between 1 and 1,000,000")
        );
        assert_eq!(problems.general, None);
        let folder = ShareProblems::from_error(&error(kinds::NOT_A_FILE, vec![]));
        assert!(folder.general.unwrap_or_default().contains("Only files"));
        assert!(
            ShareProblems::from_error(&ApiError::Network)
                .general
                .is_some()
        );
    }

    #[test]
    fn links_are_absolute() {
        let mut share = Share {
            id: uuid::Uuid::nil(),
            node_id: uuid::Uuid::nil(),
            kind: strongroom_shared::NodeKind::File,
            name: String::from("a.txt"),
            url: Some(String::from("/s/abc.def")),
            token: Some(String::from("abc.def")),
            expires_at: None,
            max_downloads: None,
            downloads: 0,
            has_password: false,
            created_at: NOW,
        };
        assert_eq!(
            link("https://vault.example", &share),
            "https://vault.example/s/abc.def"
        );
        assert_eq!(
            link("http://127.0.0.1:8080/", &share),
            "http://127.0.0.1:8080/s/abc.def"
        );
        // Without a url, the token makes it.
        share.url = None;
        assert_eq!(link("http://a", &share), "http://a/s/abc.def");
        share.url = Some(String::from("https://b/s/x"));
        assert_eq!(link("http://a", &share), "https://b/s/x");
    }

    #[test]
    fn options_read_in_words() {
        assert_eq!(downloads(3, Some(10)), "3 of 10");
        assert_eq!(downloads(0, None), "0");
        assert_eq!(expiry(None, UtcOffset::UTC), "Never");
        assert_eq!(
            expiry(Some(datetime!(2026-12-24 23:00 UTC)), offset!(+1)),
            "25 Dec 2026, 00:00"
        );
        assert_eq!(folder_path(&[]), "");
        assert_eq!(
            folder_path(&[String::from("a"), String::from("b c")]),
            "a/b c"
        );
    }

    #[test]
    fn a_zip_the_server_cannot_hand_out_is_said_in_words() {
        let missing = error(kinds::NOT_FOUND, vec![]);
        assert!(zip_words(&missing, true).is_some());
        assert!(zip_words(&ApiError::Unexpected { status: 405 }, true).is_some());
        // Without a password the zip is a plain link; other problems are
        // the link's own.
        assert_eq!(zip_words(&missing, false), None);
        assert_eq!(zip_words(&error(kinds::RATE_LIMITED, vec![]), true), None);
    }

    #[test]
    fn link_problems_are_told_apart() {
        assert_eq!(
            LinkProblem::of(&error(kinds::SHARE_NOT_FOUND, vec![])),
            LinkProblem::Gone
        );
        assert_eq!(
            LinkProblem::of(&error(kinds::SHARE_PASSWORD_REQUIRED, vec![])),
            LinkProblem::PasswordRequired
        );
        assert_eq!(
            LinkProblem::of(&error(kinds::SHARE_PASSWORD_WRONG, vec![])),
            LinkProblem::PasswordWrong
        );
        // Only the share's own 404 means the link is dead; another (a file
        // gone from a shared folder) is said as it is.
        assert!(matches!(
            LinkProblem::of(&error(kinds::NOT_FOUND, vec![])),
            LinkProblem::Other(_)
        ));
        let LinkProblem::Other(words) = LinkProblem::of(&error(kinds::RATE_LIMITED, vec![])) else {
            panic!("rate limits are their own problem");
        };
        assert!(words.starts_with("Too many attempts."), "{words}");
    }
}
