//! OpenAPI schemas for the values whose rules live in `validate`, built from the
//! same constants, so the published contract says exactly what the server
//! enforces: a request the schema allows is never refused for its shape, and
//! one it forbids is. (Only "a password cannot be the email" spans two fields
//! and stays outside the schema.)
//!
//! Patterns avoid `$`, which in Python's and other engines also matches before
//! a final newline; `(?![\s\S])` means "end of the string" everywhere.

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::validate::{
    APP_PASSWORD_NAME_MAX_CHARS, COMMON_PASSWORDS, DISPLAY_NAME_MAX_CHARS, EMAIL_MAX_BYTES,
    INVISIBLE_CHARACTERS, NAME_MAX_BYTES, PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS,
};

const END: &str = r"(?![\s\S])";
/// Unicode general category Cc, what `char::is_control` refuses.
const CONTROL: &str = r"\u0000-\u001F\u007F-\u009F";

/// What a name may not hold: control characters and `INVISIBLE_CHARACTERS`,
/// as the inside of a regex character class.
fn forbidden_in_names() -> String {
    let mut class = CONTROL.to_owned();
    for &(first, last) in INVISIBLE_CHARACTERS {
        class.push_str(&format!(
            "\\u{:04X}-\\u{:04X}",
            u32::from(first),
            u32::from(last)
        ));
    }
    class
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

/// One name: 1 to `NAME_MAX_BYTES` characters without `/` or control
/// characters, and not `.` or `..` — said without lookaheads (names that
/// start with no dot, with one dot and then another character, or with two
/// dots and at least one more), which generators handle far better.
fn segment() -> String {
    let max = NAME_MAX_BYTES;
    let forbidden = forbidden_in_names();
    let other = format!("[^/{forbidden}]");
    let first = format!("[^./{forbidden}]");
    format!(
        r"(?:{first}{other}{{0,{}}}|\.{first}{other}{{0,{}}}|\.\.{other}{{1,{}}})",
        max - 1,
        max - 2,
        max - 2
    )
}

/// A file or folder name (`validate::check_name`).
pub struct FileName;

impl PartialSchema for FileName {
    fn schema() -> RefOr<Schema> {
        string(&format!(
            "A file or folder name: 1 to {NAME_MAX_BYTES} bytes of UTF-8 (after NFC \
             normalisation), not `.` or `..`, without `/`, control characters or invisible \
             formatting characters (bidi controls, zero-width spaces)."
        ))
        .min_length(Some(1))
        .max_length(Some(NAME_MAX_BYTES))
        .pattern(Some(format!(r"^{}{END}", segment())))
        .into()
    }
}

impl ToSchema for FileName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FileName")
    }
}

/// A path to a file: one or more names (each a `FileName`) joined by `/`;
/// leading, trailing and doubled slashes are ignored (`tree::split_path`).
pub struct FilePath;

impl PartialSchema for FilePath {
    fn schema() -> RefOr<Schema> {
        let segment = segment();
        string(
            "Names from the root joined by `/`, the last being the file's (each name \
             as `FileName`; empty segments are ignored).",
        )
        .pattern(Some(format!(r"^/*{segment}(?:/+{segment})*/*{END}")))
        .into()
    }
}

impl ToSchema for FilePath {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FilePath")
    }
}

/// A path to a file or folder: as `FilePath`, or no name at all (the root).
pub struct NodePath;

impl PartialSchema for NodePath {
    fn schema() -> RefOr<Schema> {
        let segment = segment();
        string(
            "Names from the root joined by `/` (each name as `FileName`; empty segments \
             are ignored, so no name at all is the root).",
        )
        .pattern(Some(format!(r"^/*(?:{segment}(?:/+{segment})*/*)?{END}")))
        .into()
    }
}

impl ToSchema for NodePath {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NodePath")
    }
}

/// A new password (`validate::check_password`).
pub struct NewPassword;

/// `password` as a pattern that matches it in any letter case, the way the
/// server compares (`to_lowercase`; U+212A KELVIN SIGN lowercases to `k`).
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| match c {
            'k' => "[kK\\u212A]".to_owned(),
            c if c.is_ascii_alphabetic() => format!("[{c}{}]", c.to_ascii_uppercase()),
            c => regex_escape(c),
        })
        .collect()
}

fn regex_escape(c: char) -> String {
    if c.is_ascii_alphanumeric() {
        c.to_string()
    } else {
        format!("\\{c}")
    }
}

impl PartialSchema for NewPassword {
    fn schema() -> RefOr<Schema> {
        let common: Vec<String> = COMMON_PASSWORDS.iter().map(|word| any_case(word)).collect();
        string(&format!(
            "{PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters, no NUL; not one \
             character repeated, not one of the most common passwords, not the account's \
             email. No composition rules."
        ))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
        .min_length(Some(PASSWORD_MIN_CHARS))
        .max_length(Some(PASSWORD_MAX_CHARS))
        .pattern(Some(format!(
            r"^(?!([\s\S])\1*{END})(?!(?:{}){END})[^\u0000]+{END}",
            common.join("|")
        )))
        .into()
    }
}

impl ToSchema for NewPassword {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NewPassword")
    }
}

/// An email address (`validate::normalize_email`).
pub struct Email;

impl PartialSchema for Email {
    fn schema() -> RefOr<Schema> {
        string(&format!(
            "An email address of at most {EMAIL_MAX_BYTES} characters with a dot in its \
             domain; surrounding spaces are ignored and letters are compared in lower case."
        ))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(EMAIL_MAX_BYTES))
        .examples(["ada@example.com"])
        .into()
    }
}

impl ToSchema for Email {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Email")
    }
}

/// A display name (`validate::normalize_display_name`).
pub struct DisplayName;

impl PartialSchema for DisplayName {
    fn schema() -> RefOr<Schema> {
        string(&format!(
            "At most {DISPLAY_NAME_MAX_CHARS} characters without control characters; \
             surrounding spaces are trimmed and a blank name means none."
        ))
        .max_length(Some(DISPLAY_NAME_MAX_CHARS))
        .pattern(Some(format!(r"^[^{CONTROL}]*{END}")))
        .into()
    }
}

impl ToSchema for DisplayName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DisplayName")
    }
}

/// What `str::trim` removes: Unicode `White_Space`, as the inside of a regex
/// character class (explicit, since engines disagree about `\s`).
const WHITE_SPACE: &str =
    r"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// An app password's name (`validate::normalize_app_password_name`).
pub struct AppPasswordName;

impl PartialSchema for AppPasswordName {
    fn schema() -> RefOr<Schema> {
        string(&format!(
            "1 to {APP_PASSWORD_NAME_MAX_CHARS} characters without control characters, \
             not only spaces; surrounding spaces are trimmed."
        ))
        .min_length(Some(1))
        .max_length(Some(APP_PASSWORD_NAME_MAX_CHARS))
        .pattern(Some(format!(
            r"^[^{CONTROL}]*[^{CONTROL}{WHITE_SPACE}][^{CONTROL}]*{END}"
        )))
        .into()
    }
}

impl ToSchema for AppPasswordName {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("AppPasswordName")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pattern_of(schema: RefOr<Schema>) -> String {
        let RefOr::T(Schema::Object(object)) = schema else {
            panic!("an inline object schema")
        };
        object.pattern.unwrap()
    }

    #[test]
    fn the_common_password_pattern_spells_every_word_in_any_case() {
        let pattern = pattern_of(NewPassword::schema());
        assert!(
            pattern.contains("[pP][aA][sS][sS][wW][oO][rR][dD]"),
            "{pattern}"
        );
        assert!(pattern.contains("[kK\\u212A]"), "{pattern}");
        assert!(!pattern.contains('$'), "{pattern}");
    }

    #[test]
    fn name_and_display_name_patterns_end_without_dollar() {
        for pattern in [
            pattern_of(FileName::schema()),
            pattern_of(FilePath::schema()),
            pattern_of(NodePath::schema()),
            pattern_of(DisplayName::schema()),
            pattern_of(AppPasswordName::schema()),
        ] {
            assert!(
                pattern.ends_with(END) && !pattern.contains('$'),
                "{pattern}"
            );
        }
    }
}
