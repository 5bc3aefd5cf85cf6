//! Streaming download: object store → SRM1 decryptor → response, honouring
//! `Range` (only the chunks that hold the range are read and decrypted),
//! `ETag` with `If-None-Match` / `If-Range`, and an RFC 6266 filename.
//!
//! The first plaintext piece is decrypted before the answer starts, so a
//! damaged object fails with a problem response; damage found later aborts the
//! connection. Either way no unauthenticated byte is ever sent.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue, HeaderMap,
};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};

use crate::app::AppState;
use crate::crypto::CryptoError;
use crate::crypto::keys::{Dek, Umk};
use crate::crypto::srm1::{Decryptor, HEADER_LEN, StreamDecryptor, chunk_span, ciphertext_len};
use crate::crypto::stream::{decrypt_range_stream, decrypt_stream};
use crate::error::ApiError;
use crate::store::meta::NodeRecord;
use crate::store::{ObjectKey, StoreError};

/// How the object's data key is reached.
pub enum KeySource<'a> {
    /// The owner's master key (a signed-in request).
    Umk(&'a Umk),
    /// The object's own key, from a short-lived download URL.
    Dek(Dek),
}

/// What a download stream can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl From<DownloadError> for ApiError {
    fn from(err: DownloadError) -> Self {
        match err {
            DownloadError::Store(err) => err.into(),
            DownloadError::Crypto(err) => ApiError::Integrity(err),
        }
    }
}

/// The part of a file a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeChoice {
    Full,
    /// Inclusive byte positions.
    Partial {
        start: u64,
        end: u64,
    },
    Unsatisfiable,
}

/// Interprets `Range` and `If-Range` (RFC 9110 §14). One range is served;
/// several, unknown units, a syntax error or a stale `If-Range` mean the whole
/// file, as the RFC allows.
pub fn choose_range(
    range: Option<&str>,
    if_range: Option<&str>,
    etag: &str,
    size: u64,
) -> RangeChoice {
    let Some(range) = range else {
        return RangeChoice::Full;
    };
    if if_range.is_some_and(|tag| tag.trim() != etag) {
        return RangeChoice::Full;
    }
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return RangeChoice::Full;
    };
    if spec.contains(',') {
        return RangeChoice::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeChoice::Full;
    };
    let parse = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), last.trim().is_empty()) {
        // bytes=-N: the last N bytes.
        (true, false) => match parse(last) {
            Some(0) => RangeChoice::Unsatisfiable,
            Some(_) if size == 0 => RangeChoice::Unsatisfiable,
            Some(n) => RangeChoice::Partial {
                start: size.saturating_sub(n),
                end: size - 1,
            },
            None => RangeChoice::Full,
        },
        // bytes=A-
        (false, true) => match parse(first) {
            Some(start) if start >= size => RangeChoice::Unsatisfiable,
            Some(start) => RangeChoice::Partial {
                start,
                end: size - 1,
            },
            None => RangeChoice::Full,
        },
        // bytes=A-B
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= size {
                    RangeChoice::Unsatisfiable
                } else {
                    RangeChoice::Partial {
                        start,
                        end: end.min(size - 1),
                    }
                }
            }
            _ => RangeChoice::Full,
        },
        (true, true) => RangeChoice::Full,
    }
}

/// `"…"` of the object: a new upload under the same name gets a new one.
pub fn etag(node: &NodeRecord) -> String {
    format!("\"{}\"", node.object_id.unwrap_or_default().simple())
}

fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|tag| {
                let tag = tag.trim();
                tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag)
            })
        })
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` — always an
/// attachment: a user's HTML must never render as a page of this origin.
pub fn disposition(name: &str) -> ContentDisposition {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .map(|c| if c == '"' || c == '\\' { '_' } else { c })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(fallback),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.as_bytes().to_vec(),
            }),
        ],
    }
}

pub async fn read_header(state: &AppState, key: &ObjectKey) -> Result<Vec<u8>, ApiError> {
    let mut stream = state.blobs.get(key, Some((0, HEADER_LEN as u64))).await?;
    let mut header = Vec::with_capacity(HEADER_LEN);
    while let Some(piece) = stream.next().await {
        header.extend_from_slice(&piece?);
    }
    Ok(header)
}

/// Answers a download of `node` (a file) named `name`.
pub async fn respond(
    state: &AppState,
    node: &NodeRecord,
    name: &str,
    key_source: KeySource<'_>,
    headers: &HeaderMap,
) -> Result<HttpResponse, ApiError> {
    let object_id = node.object_id.ok_or(ApiError::NotAFile)?;
    let key = ObjectKey::new(node.user_id, object_id);
    let tag = etag(node);
    if if_none_match(headers, &tag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, tag))
            .finish());
    }
    let header_value = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let choice = choose_range(
        header_value(header::RANGE),
        header_value(header::IF_RANGE),
        &tag,
        node.size,
    );
    if choice == RangeChoice::Unsatisfiable {
        return Err(ApiError::RangeNotSatisfiable { size: node.size });
    }

    let header_bytes = read_header(state, &key).await?;
    let expected = Some(object_id.into_bytes());
    let decryptor = match key_source {
        KeySource::Umk(umk) => {
            Decryptor::new(&header_bytes, umk, node.user_id.into_bytes(), expected)
        }
        KeySource::Dek(dek) => Decryptor::from_dek(&header_bytes, dek, expected),
    }
    .map_err(ApiError::Integrity)?;

    let total = ciphertext_len(node.size)?;
    let (status, length, plaintext) = match choice {
        RangeChoice::Partial { start, end } => {
            let span = chunk_span(node.size, start, end)?;
            let range = span.ciphertext_range();
            let input = state
                .blobs
                .get(&key, Some((range.start, range.end)))
                .await?
                .map_err(DownloadError::from);
            (
                StatusCode::PARTIAL_CONTENT,
                end - start + 1,
                decrypt_range_stream(input, decryptor, span).boxed_local(),
            )
        }
        _ => {
            let input = state
                .blobs
                .get(&key, Some((HEADER_LEN as u64, total)))
                .await?
                .map_err(DownloadError::from);
            (
                StatusCode::OK,
                node.size,
                decrypt_stream(input, StreamDecryptor::from_decryptor(decryptor)).boxed_local(),
            )
        }
    };

    // Decrypt the first piece now: damage found here is still a clean problem.
    let mut plaintext = plaintext;
    let first = match plaintext.next().await {
        Some(Err(err)) => return Err(err.into()),
        Some(Ok(first)) => Some(first),
        None => None,
    };
    let object = node.id;
    let body = futures_util::stream::iter(first.map(Ok::<Bytes, DownloadError>))
        .chain(plaintext)
        .inspect_err(move |err| {
            tracing::error!(node = %object, error = %err, "download aborted mid-stream");
        });

    let mut response = HttpResponse::build(status);
    response
        .insert_header((header::CONTENT_TYPE, super::names::content_type(name)))
        .insert_header((header::CONTENT_DISPOSITION, disposition(name)))
        .insert_header((header::ETAG, tag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox; default-src 'none'",
        ));
    if let RangeChoice::Partial { start, end } = choice {
        response.insert_header((
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{}", node.size),
        ));
    }
    Ok(response.no_chunking(length).streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAG: &str = "\"abc\"";

    fn pick(range: &str, size: u64) -> RangeChoice {
        choose_range(Some(range), None, TAG, size)
    }

    #[test]
    fn ranges() {
        use RangeChoice::*;
        assert_eq!(choose_range(None, None, TAG, 10), Full);
        assert_eq!(pick("bytes=0-0", 10), Partial { start: 0, end: 0 });
        assert_eq!(pick("bytes=2-5", 10), Partial { start: 2, end: 5 });
        assert_eq!(pick("bytes=2-100", 10), Partial { start: 2, end: 9 });
        assert_eq!(pick("bytes=7-", 10), Partial { start: 7, end: 9 });
        assert_eq!(pick("bytes=-3", 10), Partial { start: 7, end: 9 });
        assert_eq!(pick("bytes=-30", 10), Partial { start: 0, end: 9 });
        assert_eq!(pick("bytes=10-", 10), Unsatisfiable);
        assert_eq!(pick("bytes=10-20", 10), Unsatisfiable);
        assert_eq!(pick("bytes=-0", 10), Unsatisfiable);
        assert_eq!(pick("bytes=0-", 0), Unsatisfiable);
        assert_eq!(pick("bytes=-5", 0), Unsatisfiable);
        // Ignored, so the whole file: bad syntax, other units, several ranges.
        for ignored in [
            "bytes=5-2",
            "bytes=a-b",
            "bytes=-",
            "items=0-1",
            "bytes=0-1,3-4",
            "bytes=",
            "0-1",
        ] {
            assert_eq!(pick(ignored, 10), Full, "{ignored}");
        }
    }

    #[test]
    fn if_range_must_match_the_etag() {
        assert_eq!(
            choose_range(Some("bytes=0-1"), Some(TAG), TAG, 10),
            RangeChoice::Partial { start: 0, end: 1 }
        );
        assert_eq!(
            choose_range(Some("bytes=0-1"), Some("\"old\""), TAG, 10),
            RangeChoice::Full
        );
    }

    #[test]
    fn filenames_have_an_ascii_fallback_and_utf8() {
        let text = disposition("résumé \"final\".pdf").to_string();
        assert!(text.starts_with("attachment"), "{text}");
        assert!(text.contains("filename=\"r_sum_ _final_.pdf\""), "{text}");
        assert!(
            text.contains("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"),
            "{text}"
        );
    }
}
