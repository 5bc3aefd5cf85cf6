//! Security headers on every response: a Content-Security-Policy without
//! `'unsafe-inline'` scripts, plus nosniff, no referrer, no framing and a
//! same-origin opener. Headers a handler already set (a download's own
//! `Content-Security-Policy: sandbox`) are kept.
//!
//! Trunk writes one inline `<script type="module">` into the app's
//! `index.html` to start the wasm; the policy allows exactly that script (and
//! any inline `<style>`) by its SHA-256 hash, computed from the file.
//!
//! The API docs (`/api/docs/`, Swagger UI) have no inline script; their one
//! inline `<style>` (the top bar's logo colours) is allowed by its hash in a
//! policy of their own.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use data_encoding::BASE64;
use sha2::{Digest, Sha256};

/// The policy's fixed part, around the script and style sources.
const DEFAULT_SRC: &str = "default-src 'self'";
const SCRIPT_SRC: &str = "script-src 'self' 'wasm-unsafe-eval'";
const STYLE_SRC: &str = "style-src 'self'";
const REST: &str = "img-src 'self' data:; connect-src 'self'; object-src 'none'; \
                    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The one inline `<style>` Swagger UI 5 renders (its top-bar logo, in
/// `swagger-ui-standalone-preset.js`); a test checks the served bundle still
/// holds it.
pub const SWAGGER_LOGO_STYLE: &str =
    ".logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}";

/// Whether a path is the API docs' (`/api/docs`, `/api/docs/...`), whose
/// answers get `docs_policy`.
pub fn is_docs_path(path: &str) -> bool {
    path.strip_prefix("/api/docs")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The policy of the API docs: the app's, less its hashes, plus the logo style.
pub fn docs_policy() -> HeaderValue {
    header_value(
        &InlineHashes {
            scripts: Vec::new(),
            styles: vec![source_hash(SWAGGER_LOGO_STYLE.as_bytes())],
        }
        .policy(),
    )
}

/// A policy as a header value (it is always a valid one: base64, quotes,
/// letters and punctuation); `default-src 'none'` should that ever fail.
pub fn header_value(policy: &str) -> HeaderValue {
    HeaderValue::from_str(policy).unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
}

/// `'sha256-…'` sources for the inline scripts and styles of an HTML page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InlineHashes {
    pub scripts: Vec<String>,
    pub styles: Vec<String>,
}

impl InlineHashes {
    /// Hashes every inline `<script>` (one without `src`) and `<style>` body of
    /// `html`: SHA-256 over the bytes between the opening tag's `>` and the
    /// closing tag, as the browser sees them (line breaks normalised to `\n`,
    /// as the HTML parser does), in standard base64 with padding. Comments
    /// are skipped.
    pub fn of_html(html: &[u8]) -> Self {
        let mut hashes = Self::default();
        let mut rest = html;
        while let Some(at) = find(rest, b"<") {
            rest = &rest[at..];
            if rest.starts_with(b"<!--") {
                rest = match find(&rest[4..], b"-->") {
                    Some(end) => &rest[4 + end + 3..],
                    None => break,
                };
                continue;
            }
            let kind = if starts_with_tag(rest, b"script") {
                Some((b"script".as_slice(), true))
            } else if starts_with_tag(rest, b"style") {
                Some((b"style".as_slice(), false))
            } else {
                None
            };
            let Some((name, is_script)) = kind else {
                rest = &rest[1..];
                continue;
            };
            let Some(open_end) = tag_end(rest) else {
                break;
            };
            let attributes = &rest[1 + name.len()..open_end];
            let body_and_more = &rest[open_end + 1..];
            let close = [b"</".as_slice(), name].concat();
            let Some(body_len) = find_ignore_case(body_and_more, &close) else {
                break;
            };
            let body = &body_and_more[..body_len];
            if is_script {
                if !has_attribute(attributes, b"src") {
                    hashes.scripts.push(source_hash(body));
                }
            } else {
                hashes.styles.push(source_hash(body));
            }
            rest = &body_and_more[body_len..];
        }
        hashes.scripts.dedup();
        hashes.styles.dedup();
        hashes
    }

    /// The whole Content-Security-Policy value.
    pub fn policy(&self) -> String {
        let with = |base: &str, extra: &[String]| {
            extra.iter().fold(base.to_owned(), |mut acc, source| {
                acc.push(' ');
                acc.push_str(source);
                acc
            })
        };
        format!(
            "{DEFAULT_SRC}; {}; {}; {REST}",
            with(SCRIPT_SRC, &self.scripts),
            with(STYLE_SRC, &self.styles)
        )
    }
}

/// `'sha256-<base64>'` of an inline body, line breaks normalised first.
fn source_hash(body: &[u8]) -> String {
    let mut normalised = Vec::with_capacity(body.len());
    let mut bytes = body.iter().peekable();
    while let Some(&byte) = bytes.next() {
        if byte == b'\r' {
            bytes.next_if_eq(&&b'\n');
            normalised.push(b'\n');
        } else {
            normalised.push(byte);
        }
    }
    format!("'sha256-{}'", BASE64.encode(&Sha256::digest(&normalised)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

/// `<name` followed by whitespace, `/` or `>`.
fn starts_with_tag(text: &[u8], name: &[u8]) -> bool {
    text.get(1..1 + name.len())
        .is_some_and(|found| found.eq_ignore_ascii_case(name))
        && text
            .get(1 + name.len())
            .is_some_and(|&next| next.is_ascii_whitespace() || next == b'>' || next == b'/')
}

/// Index of the `>` closing an opening tag, skipping quoted attribute values.
fn tag_end(tag: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, &byte) in tag.iter().enumerate() {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(q), _) if byte == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Whether the attribute text of an opening tag has an attribute `name`.
fn has_attribute(mut attributes: &[u8], name: &[u8]) -> bool {
    loop {
        attributes = attributes.trim_ascii_start();
        if attributes.is_empty() {
            return false;
        }
        let name_len = attributes
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b == b'=' || b == b'/')
            .unwrap_or(attributes.len())
            .max(1);
        if attributes[..name_len].eq_ignore_ascii_case(name) {
            return true;
        }
        attributes = attributes[name_len..].trim_ascii_start();
        if let Some(value) = attributes.strip_prefix(b"=") {
            let value = value.trim_ascii_start();
            attributes = match value.first() {
                Some(&q @ (b'"' | b'\'')) => match value[1..].iter().position(|&b| b == q) {
                    Some(end) => &value[end + 2..],
                    None => return false,
                },
                _ => {
                    let end = value
                        .iter()
                        .position(u8::is_ascii_whitespace)
                        .unwrap_or(value.len());
                    &value[end..]
                }
            };
        }
    }
}

/// `Strict-Transport-Security` on answers the server sends over TLS itself:
/// a year, this host only (whether subdomains are HTTPS is not ours to say).
pub const HSTS: &str = "max-age=31536000";

/// Adds the security headers a response does not have yet; with `hsts`, the
/// HSTS header too.
pub fn apply(headers: &mut HeaderMap, policy: &HeaderValue, hsts: bool) {
    if hsts && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY) {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    let fixed: [(HeaderName, HeaderValue); 4] = [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ];
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, value);
        }
    }
}

/// An error a middleware returned instead of a response: actix turns it into
/// one later, and this makes that one carry the headers too.
#[derive(Debug)]
pub struct SecuredError {
    inner: actix_web::Error,
    policy: HeaderValue,
    hsts: bool,
}

impl SecuredError {
    pub fn wrap(inner: actix_web::Error, policy: HeaderValue, hsts: bool) -> actix_web::Error {
        Self {
            inner,
            policy,
            hsts,
        }
        .into()
    }
}

impl std::fmt::Display for SecuredError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl actix_web::ResponseError for SecuredError {
    fn status_code(&self) -> actix_web::http::StatusCode {
        self.inner.as_response_error().status_code()
    }

    fn error_response(&self) -> actix_web::HttpResponse {
        let mut response = self.inner.error_response();
        apply(response.headers_mut(), &self.policy, self.hsts);
        response
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sha(body: &str) -> String {
        format!(
            "'sha256-{}'",
            BASE64.encode(&Sha256::digest(body.as_bytes()))
        )
    }

    #[test]
    fn the_policy_without_inline_code() {
        assert_eq!(
            InlineHashes::default().policy(),
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
    }

    #[test]
    fn trunk_style_index_gets_its_inline_module_hashed() {
        let body = "\nimport init, * as bindings from '/app-abc123.js';\nconst wasm = await init({ module_or_path: '/app-abc123_bg.wasm' });\nwindow.wasmBindings = bindings;\n";
        let html = format!(
            "<!DOCTYPE html><html><head>\
             <link rel=\"modulepreload\" href=\"/app-abc123.js\" crossorigin=\"anonymous\">\
             <script src=\"/other.js\"></script>\
             <!-- <script>commented();</script> -->\
             <SCRIPT type=\"module\" data-x='a>b'>{body}</Script>\
             <style>body{{margin:0}}</style>\
             </head><body></body></html>"
        );
        let hashes = InlineHashes::of_html(html.as_bytes());
        assert_eq!(hashes.scripts, vec![sha(body)]);
        assert_eq!(hashes.styles, vec![sha("body{margin:0}")]);
        let policy = hashes.policy();
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' {}; ",
                sha(body)
            )),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn the_docs_allow_exactly_the_logo_style() {
        let policy = docs_policy();
        let policy = policy.to_str().unwrap();
        assert!(
            policy.contains(
                "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';"
            ),
            "{policy}"
        );
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{policy}"
        );
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn line_breaks_are_hashed_as_the_browser_sees_them() {
        let crlf = InlineHashes::of_html(b"<script>a();\r\nb();\rc();</script>");
        assert_eq!(crlf.scripts, vec![sha("a();\nb();\nc();")]);
    }

    #[test]
    fn attributes_are_parsed_not_searched() {
        assert!(has_attribute(b" type=module src=/a.js", b"src"));
        assert!(has_attribute(b" SRC='/a.js'", b"src"));
        assert!(!has_attribute(b" data-src=\"/a.js\"", b"src"));
        assert!(!has_attribute(b" title=\"src=x\"", b"src"));
        assert!(!has_attribute(b"", b"src"));
        // Truncated or odd markup never panics.
        for html in [
            "<script",
            "<script>",
            "<script src",
            "<script title='x",
            "<!--",
            "<",
            "<style>",
        ] {
            let _ = InlineHashes::of_html(html.as_bytes());
        }
    }

    #[test]
    fn errors_turned_into_answers_get_the_headers() {
        let policy = HeaderValue::from_static("default-src 'self'");
        let err = actix_web::error::ErrorInternalServerError("boom");
        let response = SecuredError::wrap(err, policy, true).error_response();
        assert_eq!(response.status(), 500);
        assert_eq!(
            response
                .headers()
                .get(header::STRICT_TRANSPORT_SECURITY)
                .unwrap(),
            HSTS
        );
        assert_eq!(
            response
                .headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .unwrap(),
            "default-src 'self'"
        );
        assert_eq!(
            response.headers().get(header::X_FRAME_OPTIONS).unwrap(),
            "DENY"
        );
    }

    #[test]
    fn headers_already_set_are_kept() {
        let policy = HeaderValue::from_static("default-src 'self'");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'"),
        );
        apply(&mut headers, &policy, false);
        assert_eq!(
            headers.get(header::CONTENT_SECURITY_POLICY).unwrap(),
            "sandbox; default-src 'none'"
        );
        // Plain HTTP (no TLS of our own): no HSTS, a proxy's business.
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        assert_eq!(headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert_eq!(
            headers.get("cross-origin-opener-policy").unwrap(),
            "same-origin"
        );
    }
}
