//! Streaming download: object store → SRM1 decryptor → bytes, honouring
//! ranges (only the chunks that hold the range are read and decrypted) and
//! entity tags (`If-None-Match`, `If-Range`). The vault says what to send
//! (`Download`); the HTTP edge turns it into a response.
//!
//! The first plaintext piece is decrypted before the answer starts, so a
//! damaged object fails with a clean error; damage found later ends the
//! stream with an error. Either way no unauthenticated byte is ever released.

use bytes::Bytes;
use futures_util::stream::{BoxStream, LocalBoxStream};
use futures_util::{StreamExt, TryStreamExt};

use super::{Vault, VaultError};
use crate::crypto::CryptoError;
use crate::crypto::keys::{Dek, Umk};
use crate::crypto::srm1::{Decryptor, HEADER_LEN, StreamDecryptor, chunk_span, ciphertext_len};
use crate::crypto::stream::{decrypt_range_stream, decrypt_stream};
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

impl From<DownloadError> for VaultError {
    fn from(err: DownloadError) -> Self {
        match err {
            DownloadError::Store(err) => err.into(),
            DownloadError::Crypto(err) => VaultError::Integrity(err),
        }
    }
}

/// The request's conditions, as the client sent them (HTTP header values).
#[derive(Clone, Copy, Debug, Default)]
pub struct Conditions<'a> {
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

/// What to answer a download with.
pub enum Download {
    /// The client's copy is current (`If-None-Match`).
    NotModified {
        etag: String,
    },
    Content(Content),
}

/// A file's plaintext, whole or a range of it, streamed.
pub struct Content {
    pub name: String,
    /// Of the whole file.
    pub size: u64,
    pub etag: String,
    /// Inclusive byte positions, when a range was asked for and served.
    pub range: Option<(u64, u64)>,
    /// `Send`, so a WebDAV file (which dav-server needs `Send`) can hold it.
    pub body: BoxStream<'static, Result<Bytes, DownloadError>>,
}

impl Content {
    /// Bytes in `body`.
    pub fn len(&self) -> u64 {
        match self.range {
            Some((start, end)) => end - start + 1,
            None => self.size,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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

fn if_none_match(header: Option<&str>, etag: &str) -> bool {
    header.is_some_and(|v| {
        v.split(',').any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag)
        })
    })
}

impl Vault {
    pub async fn read_header(&self, key: &ObjectKey) -> Result<Vec<u8>, VaultError> {
        let mut stream = self.blobs.get(key, Some((0, HEADER_LEN as u64))).await?;
        let mut header = Vec::with_capacity(HEADER_LEN);
        while let Some(piece) = stream.next().await {
            header.extend_from_slice(&piece?);
        }
        Ok(header)
    }

    /// A download of `node` (a file) named `name`.
    pub async fn download(
        &self,
        node: &NodeRecord,
        name: String,
        key_source: KeySource<'_>,
        conditions: Conditions<'_>,
    ) -> Result<Download, VaultError> {
        // A download URL was checked against the record's binding when it
        // was made (`follow_download_url` holds the record to it).
        let node = &match key_source {
            KeySource::Umk(umk) => self.verified(node, umk).await?,
            KeySource::Dek(_) => node.clone(),
        };
        let object_id = node.object_id.ok_or(VaultError::NotAFile)?;
        let key = ObjectKey::new(node.user_id, object_id);
        let etag = etag(node);
        if if_none_match(conditions.if_none_match, &etag) {
            return Ok(Download::NotModified { etag });
        }
        let choice = choose_range(conditions.range, conditions.if_range, &etag, node.size);
        let range = match choice {
            RangeChoice::Unsatisfiable => {
                return Err(VaultError::RangeNotSatisfiable { size: node.size });
            }
            RangeChoice::Partial { start, end } => Some((start, end)),
            RangeChoice::Full => None,
        };
        let header = self.read_header(&key).await?;
        let expected = Some(object_id.into_bytes());
        let decryptor = match key_source {
            KeySource::Umk(umk) => {
                Decryptor::new(&header, umk, node.user_id.into_bytes(), expected)
            }
            KeySource::Dek(dek) => Decryptor::from_dek(&header, dek, expected),
        }
        .map_err(VaultError::Integrity)?;
        let plaintext = self.plaintext(node, &key, decryptor, range).await?;
        Ok(Download::Content(Content {
            name,
            size: node.size,
            etag,
            range,
            body: first_piece_checked(plaintext, node.id).await?,
        }))
    }

    /// The decrypted stream of the whole file or of one range of it.
    async fn plaintext(
        &self,
        node: &NodeRecord,
        key: &ObjectKey,
        decryptor: Decryptor,
        range: Option<(u64, u64)>,
    ) -> Result<BoxStream<'static, Result<Bytes, DownloadError>>, VaultError> {
        Ok(match range {
            Some((start, end)) => {
                let span = chunk_span(node.size, start, end)?;
                let ciphertext = span.ciphertext_range();
                let input = self
                    .blobs
                    .get(key, Some((ciphertext.start, ciphertext.end)))
                    .await?
                    .map_err(DownloadError::from);
                decrypt_range_stream(input, decryptor, span).boxed()
            }
            None => {
                let total = ciphertext_len(node.size)?;
                let input = self
                    .blobs
                    .get(key, Some((HEADER_LEN as u64, total)))
                    .await?
                    .map_err(DownloadError::from);
                decrypt_stream(input, StreamDecryptor::from_decryptor(decryptor)).boxed()
            }
        })
    }
}

/// A whole file's plaintext, opened with its own data key, as a stream that
/// borrows nothing (a shared folder's zip writes many of them after the
/// request's handler has returned).
pub async fn whole_plaintext(
    blobs: std::sync::Arc<dyn crate::store::BlobStore>,
    key: ObjectKey,
    dek: Dek,
    size: u64,
) -> Result<LocalBoxStream<'static, Result<Bytes, DownloadError>>, DownloadError> {
    let mut header = Vec::with_capacity(HEADER_LEN);
    let mut pieces = blobs.get(&key, Some((0, HEADER_LEN as u64))).await?;
    while let Some(piece) = pieces.next().await {
        header.extend_from_slice(&piece?);
    }
    let decryptor = Decryptor::from_dek(&header, dek, Some(key.object_id.into_bytes()))?;
    let total = ciphertext_len(size)?;
    let input = blobs
        .get(&key, Some((HEADER_LEN as u64, total)))
        .await?
        .map_err(DownloadError::from);
    Ok(
        decrypt_stream(input, StreamDecryptor::from_decryptor(decryptor))
            .inspect_ok(|piece| crate::metrics::downloaded(piece.len() as u64))
            .boxed_local(),
    )
}

/// Decrypts the first piece before anything is sent: damage found here is
/// still a clean error. Later damage ends the stream with one, logged.
async fn first_piece_checked(
    mut plaintext: BoxStream<'static, Result<Bytes, DownloadError>>,
    node: uuid::Uuid,
) -> Result<BoxStream<'static, Result<Bytes, DownloadError>>, VaultError> {
    let first = match plaintext.next().await {
        Some(Err(err)) => return Err(err.into()),
        Some(Ok(first)) => Some(first),
        None => None,
    };
    Ok(futures_util::stream::iter(first.map(Ok))
        .chain(plaintext)
        .inspect_ok(|piece| crate::metrics::downloaded(piece.len() as u64))
        .inspect_err(move |err| {
            tracing::error!(%node, error = %err, "download aborted mid-stream");
        })
        .boxed())
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
}
