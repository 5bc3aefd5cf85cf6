//! Validation rules shared by the server (which enforces them) and the browser app
//! (which shows them early). Each rule failure carries a stable code.

use std::fmt;

use crate::FieldError;

/// Passwords follow NIST SP 800-63B: a minimum length, a generous maximum, no
/// composition rules, and a refusal of the most common choices.
pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 1024;
pub const EMAIL_MAX_BYTES: usize = 254;
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;

/// Frequently breached passwords that satisfy the length rule. Short on purpose:
/// it catches the obvious, the length rule does the rest.
pub const COMMON_PASSWORDS: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "password",
    "password1",
    "password123",
    "qwertyui",
    "qwerty123",
    "qwertyuiop",
    "iloveyou",
    "11111111",
    "00000000",
    "abcdefgh",
    "abc12345",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "letmein1",
    "trustno1",
    "superman",
    "passw0rd",
    "1q2w3e4r",
    "87654321",
    "asdfghjk",
    "zaq12wsx",
    "strongroom",
];

/// A rule a value broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    pub code: &'static str,
    pub message: String,
}

impl Invalid {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn for_field(self, field: &str) -> FieldError {
        FieldError {
            field: field.to_owned(),
            code: self.code.to_owned(),
            message: self.message,
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Trims and lower-cases an email address and checks that it is one.
pub fn normalize_email(raw: &str) -> Result<String, Invalid> {
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Invalid::new(
            "email_required",
            "an email address is required",
        ));
    }
    if email.len() > EMAIL_MAX_BYTES {
        return Err(Invalid::new(
            "email_too_long",
            format!("an email address has at most {EMAIL_MAX_BYTES} characters"),
        ));
    }
    // The crate follows RFC 5322; we also insist on a dot in the domain part, which
    // rules out local-only addresses nobody can receive mail at.
    let valid = email_address::EmailAddress::is_valid(&email)
        && email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| domain.contains('.') && !domain.ends_with('.'))
        && !email.chars().any(char::is_control);
    if !valid {
        return Err(Invalid::new(
            "email_invalid",
            "this is not a valid email address",
        ));
    }
    Ok(email)
}

/// Checks a new password against the policy. `email` (already normalised) is
/// refused as a password too.
pub fn check_password(password: &str, email: Option<&str>) -> Result<(), Invalid> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(Invalid::new(
            "password_too_short",
            format!("a password needs at least {PASSWORD_MIN_CHARS} characters"),
        ));
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(Invalid::new(
            "password_too_long",
            format!("a password has at most {PASSWORD_MAX_CHARS} characters"),
        ));
    }
    if password.contains('\0') {
        return Err(Invalid::new(
            "password_invalid_character",
            "a password cannot contain a NUL character",
        ));
    }
    let lowered = password.to_lowercase();
    let single_repeated = password.chars().all(|c| password.starts_with(c));
    if single_repeated || COMMON_PASSWORDS.contains(&lowered.as_str()) {
        return Err(Invalid::new(
            "password_too_common",
            "this password is too common; choose another",
        ));
    }
    if email.is_some_and(|email| lowered == email) {
        return Err(Invalid::new(
            "password_is_email",
            "a password cannot be your email address",
        ));
    }
    Ok(())
}

/// Checks a display name as sent, then trims it; blank means none. (The rules
/// apply to what was sent, so the published schema can state them exactly.)
pub fn normalize_display_name(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.chars().count() > DISPLAY_NAME_MAX_CHARS {
        return Err(Invalid::new(
            "display_name_too_long",
            format!("a display name has at most {DISPLAY_NAME_MAX_CHARS} characters"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(Invalid::new(
            "display_name_invalid_character",
            "a display name cannot contain control characters",
        ));
    }
    let name = raw.trim();
    Ok((!name.is_empty()).then(|| name.to_owned()))
}

/// Longest app password name, in characters.
pub const APP_PASSWORD_NAME_MAX_CHARS: usize = 100;

/// Checks an app password's name as sent, then trims it; it may not be blank.
pub fn normalize_app_password_name(raw: &str) -> Result<String, Invalid> {
    if raw.chars().count() > APP_PASSWORD_NAME_MAX_CHARS {
        return Err(Invalid::new(
            "app_password_name_too_long",
            format!("an app password's name has at most {APP_PASSWORD_NAME_MAX_CHARS} characters"),
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err(Invalid::new(
            "app_password_name_invalid_character",
            "an app password's name cannot contain control characters",
        ));
    }
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new(
            "app_password_name_empty",
            "an app password needs a name",
        ));
    }
    Ok(name.to_owned())
}

/// Longest file or folder name, in bytes of UTF-8 (after NFC normalisation).
pub const NAME_MAX_BYTES: usize = 255;

/// Invisible formatting characters a name may not hold: bidi controls (which
/// make `exe.txt` of `txt.exe` on screen), zero-width spaces and joiners that
/// make two names look the same, and other format characters that show
/// nothing. ZWJ and ZWNJ (U+200C, U+200D) stay allowed: scripts and emoji
/// need them.
pub const INVISIBLE_CHARACTERS: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'), // soft hyphen
    ('\u{061C}', '\u{061C}'), // Arabic letter mark
    ('\u{180E}', '\u{180E}'), // Mongolian vowel separator
    ('\u{200B}', '\u{200B}'), // zero width space
    ('\u{200E}', '\u{200F}'), // left-to-right and right-to-left marks
    ('\u{202A}', '\u{202E}'), // bidi embeddings and overrides
    ('\u{2060}', '\u{2064}'), // word joiner, invisible operators
    ('\u{2066}', '\u{206F}'), // bidi isolates, deprecated format characters
    ('\u{FEFF}', '\u{FEFF}'), // zero width no-break space
    ('\u{FFF9}', '\u{FFFB}'), // interlinear annotation
];

fn is_invisible(c: char) -> bool {
    INVISIBLE_CHARACTERS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// Checks a file or folder name and returns it NFC-normalised, the form in
/// which names are stored and compared.
#[cfg(feature = "nfc")]
pub fn normalize_name(raw: &str) -> Result<String, Invalid> {
    use unicode_normalization::UnicodeNormalization;
    let name: String = raw.nfc().collect();
    check_name(&name)?;
    Ok(name)
}

/// The rules a name must meet, without normalising it. The browser app checks
/// names with this before sending them (the server normalises and checks
/// again), which keeps the Unicode tables out of its download.
pub fn check_name(name: &str) -> Result<(), Invalid> {
    if name.is_empty() {
        return Err(Invalid::new("name_empty", "a name cannot be empty"));
    }
    if name == "." || name == ".." {
        return Err(Invalid::new(
            "name_reserved",
            "`.` and `..` cannot be names",
        ));
    }
    if name.contains('/') {
        return Err(Invalid::new("name_slash", "a name cannot contain `/`"));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name_control_character",
            "a name cannot contain NUL or other control characters",
        ));
    }
    if name.chars().any(is_invisible) {
        return Err(Invalid::new(
            "name_invisible_character",
            "a name cannot contain invisible formatting characters (bidi controls, zero-width spaces)",
        ));
    }
    if name.len() > NAME_MAX_BYTES {
        return Err(Invalid::new(
            "name_too_long",
            format!("a name has at most {NAME_MAX_BYTES} bytes of UTF-8"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            normalize_email("  Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
    }

    #[test]
    fn bad_emails_are_refused_with_a_code() {
        for (raw, code) in [
            ("", "email_required"),
            ("   ", "email_required"),
            ("ada", "email_invalid"),
            ("ada@", "email_invalid"),
            ("@example.com", "email_invalid"),
            ("ada@localhost", "email_invalid"),
            ("ada@@example.com", "email_invalid"),
            ("a da@example.com", "email_invalid"),
        ] {
            assert_eq!(normalize_email(raw).unwrap_err().code, code, "{raw:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_email(&long).unwrap_err().code, "email_too_long");
    }

    #[test]
    fn password_policy() {
        assert!(check_password("correct horse battery", Some("ada@example.com")).is_ok());
        assert!(check_password("ünïcødé pass", None).is_ok());
        assert_eq!(
            check_password("short", None).unwrap_err().code,
            "password_too_short"
        );
        // Seven characters of four bytes each are still too short: length counts characters.
        assert_eq!(
            check_password("🔑🔑🔑🔑🔑🔑🔑", None).unwrap_err().code,
            "password_too_short"
        );
        assert!(check_password(&"x".repeat(1023).replace("xx", "xy"), None).is_ok());
        assert_eq!(
            check_password(&"ab".repeat(5000), None).unwrap_err().code,
            "password_too_long"
        );
        assert_eq!(
            check_password("Password1", None).unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            check_password("aaaaaaaaaaaa", None).unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            check_password("ada@example.com", Some("ada@example.com"))
                .unwrap_err()
                .code,
            "password_is_email"
        );
        assert_eq!(
            check_password("nul\0inside it", None).unwrap_err().code,
            "password_invalid_character"
        );
    }

    #[cfg(feature = "nfc")]
    #[test]
    fn names() {
        assert_eq!(normalize_name("report.pdf").unwrap(), "report.pdf");
        // Decomposed é (e + combining acute) becomes the composed form.
        assert_eq!(normalize_name("caf\u{65}\u{301}").unwrap(), "caf\u{e9}");
        assert_eq!(normalize_name(" spaced ").unwrap(), " spaced ");
        for (raw, code) in [
            ("", "name_empty"),
            (".", "name_reserved"),
            ("..", "name_reserved"),
            ("a/b", "name_slash"),
            ("nul\0", "name_control_character"),
            ("tab\there", "name_control_character"),
            ("line\nbreak", "name_control_character"),
            ("invoice\u{202E}fdp.exe", "name_invisible_character"),
            ("zero\u{200B}width", "name_invisible_character"),
            ("\u{2066}isolate", "name_invisible_character"),
            ("bom\u{FEFF}", "name_invisible_character"),
        ] {
            assert_eq!(normalize_name(raw).unwrap_err().code, code, "{raw:?}");
            // The browser's check without normalising says the same.
            assert_eq!(check_name(raw).unwrap_err().code, code, "{raw:?}");
        }
        assert!(check_name("report.pdf").is_ok() && check_name("...").is_ok());
        // Joiners that scripts and emoji need stay allowed.
        assert!(check_name("\u{646}\u{200C}\u{647}").is_ok());
        assert!(check_name("family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}").is_ok());
        assert!(normalize_name(&"é".repeat(127)).is_ok());
        assert_eq!(
            normalize_name(&"é".repeat(128)).unwrap_err().code,
            "name_too_long"
        );
        assert!(normalize_name(&"a".repeat(255)).is_ok());
        assert_eq!(
            normalize_name(&"a".repeat(256)).unwrap_err().code,
            "name_too_long"
        );
        assert!(normalize_name("...").is_ok());
    }

    #[test]
    fn display_names() {
        assert_eq!(normalize_display_name(None).unwrap(), None);
        assert_eq!(normalize_display_name(Some("   ")).unwrap(), None);
        assert_eq!(
            normalize_display_name(Some(" Ada ")).unwrap().as_deref(),
            Some("Ada")
        );
        assert!(normalize_display_name(Some(&"a".repeat(101))).is_err());
        assert!(normalize_display_name(Some("a\u{7}b")).is_err());
        // What was sent counts: a tab is refused even though trimming would drop it.
        assert!(normalize_display_name(Some("Ada\t")).is_err());
        assert!(normalize_display_name(Some(&format!("{} ", "a".repeat(100)))).is_err());
    }
}
