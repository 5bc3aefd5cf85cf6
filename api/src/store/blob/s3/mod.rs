//! The `BlobStore` on an S3-compatible bucket (AWS S3, MinIO, R2, moto, ...).
//!
//! **Keys.** An object lives under `{prefix}{user_id}/{object_id}`; the prefix comes
//! from `storage.s3.prefix`. Nothing else (no name, email or path) reaches S3.
//! `list` strips the prefix and ignores every key that is not one of ours.
//!
//! **Writes appear whole or not at all.** A body announced smaller than
//! `multipart_threshold_bytes` is read into memory (never more than announced)
//! and sent with one `PutObject` carrying its `Content-Length`. Otherwise up to
//! the threshold is buffered first: a body that ends before it still goes up as
//! one `PutObject`; a longer one becomes a multipart upload of parts of exactly
//! `part_size_bytes` (the last may be smaller), at most `upload_concurrency` of
//! them in flight, completed with the parts' ETags and CRC32 checksums in order.
//! S3 shows a multipart object only once `CompleteMultipartUpload` succeeds.
//!
//! **Nothing is left behind.** On any error (an `Err` item from the body, a
//! failed part, a body longer or shorter than announced) the multipart upload is
//! aborted before `put` returns. When the `put` future is dropped half-way (a
//! client that disconnects), a drop guard spawns the abort on the runtime, and
//! the part uploads (tasks of a `JoinSet`) are cancelled with it. Uploads that
//! survive even that (a crash) are aborted by `list` once older than the
//! sweeper's grace period, the analogue of the embedded store's stale temp files.
//!
//! **Memory.** One upload holds at most the threshold buffer plus
//! `upload_concurrency` parts in flight: about `(concurrency + 1) × part size`
//! when the threshold is near the part size. Downloads stream the SDK body
//! through without buffering the object.
//!
//! **Failures.** Unreachable endpoints, timeouts, throttling and 5xx answers are
//! `StoreError::Unavailable`; a missing key is `NotFound`; the rest is
//! `Backend`. The client retries (standard mode, 3 attempts) and connects with a
//! short timeout, so a dead endpoint fails within seconds instead of hanging.

mod abort;
mod body_reader;
mod connect;
mod error;
mod multipart;

use std::collections::VecDeque;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use bytes::Bytes;
use futures_util::StreamExt;
use time::OffsetDateTime;

use self::body_reader::BodyReader;
use self::error::s3_error;
use super::{BlobInfo, BlobStore, ByteStream, ObjectKey};
use crate::store::StoreError;

pub struct S3BlobStore {
    client: Client,
    bucket: String,
    prefix: String,
    threshold: u64,
    part_size: u64,
    concurrency: usize,
}

fn offset_date_time(at: &aws_sdk_s3::primitives::DateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanos()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl S3BlobStore {
    fn object_key(&self, key: &ObjectKey) -> String {
        format!("{}{key}", self.prefix)
    }

    /// Our key for an S3 key, or `None` when it is not one of ours.
    fn parse_key(&self, s3_key: &str) -> Option<ObjectKey> {
        ObjectKey::parse(s3_key.strip_prefix(self.prefix.as_str())?)
    }

    async fn put_single(&self, s3_key: String, data: Bytes) -> Result<(), StoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(s3_key)
            .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .body(SdkByteStream::from(data))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| s3_error("PutObject", err))
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.head_bucket().await.map_err(|err| match err {
            StoreError::Unavailable(why) => StoreError::Unavailable(why),
            other => StoreError::Unavailable(format!("S3 bucket `{}`: {other}", self.bucket)),
        })
    }

    async fn put(
        &self,
        key: &ObjectKey,
        len: Option<u64>,
        body: ByteStream,
    ) -> Result<(), StoreError> {
        let s3_key = self.object_key(key);
        let mut reader = BodyReader::new(body, len);
        let threshold = usize::try_from(self.threshold).unwrap_or(usize::MAX);
        if let Some(len) = len
            && len < self.threshold
        {
            // `len < threshold`, so it fits in usize.
            let data = reader.read(len as usize).await?;
            reader.expect_end().await?;
            return self.put_single(s3_key, data).await;
        }
        let mut first = reader.read(threshold).await?;
        if first.len() < threshold || len == Some(first.len() as u64) {
            reader.expect_end().await?;
            return self.put_single(s3_key, first).await;
        }
        // A big body: cut the threshold buffer into parts; the remainder goes
        // back to the reader to start the next part.
        let part_size = usize::try_from(self.part_size).unwrap_or(usize::MAX);
        let mut queue = VecDeque::new();
        while first.len() >= part_size {
            queue.push_back(first.split_to(part_size));
        }
        reader.unread(first);
        self.put_multipart(s3_key, queue, reader).await
    }

    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        let mut request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.object_key(key));
        if let Some((start, end)) = range {
            if start > end {
                return Err(StoreError::Corrupt(format!(
                    "range {start}..{end} is inverted"
                )));
            }
            if start == end {
                // S3 has no empty range; there is nothing to fetch.
                return Ok(futures_util::stream::empty().boxed());
            }
            request = request.range(format!("bytes={start}-{}", end - 1));
        }
        let out = request.send().await.map_err(|err| {
            if err.code() == Some("InvalidRange") {
                StoreError::Corrupt(format!("range {range:?} outside the object"))
            } else {
                s3_error("GetObject", err)
            }
        })?;
        if let Some((start, end)) = range {
            // S3 shortens a range that runs past the end; we refuse it.
            let got = out.content_length().unwrap_or(-1);
            if u64::try_from(got).ok() != Some(end - start) {
                return Err(StoreError::Corrupt(format!(
                    "range {start}..{end} outside the object"
                )));
            }
        }
        let stream = futures_util::stream::unfold(Some(out.body), |body| async move {
            let mut body = body?;
            match body.next().await? {
                Ok(piece) => Some((Ok(piece), Some(body))),
                Err(err) => Some((
                    Err(StoreError::Unavailable(format!(
                        "S3 GetObject: download interrupted: {}",
                        DisplayErrorContext(&err)
                    ))),
                    None,
                )),
            }
        });
        Ok(stream.boxed())
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .send()
            .await;
        match result.map_err(|err| s3_error("DeleteObject", err)) {
            Ok(_) | Err(StoreError::NotFound) => Ok(()),
            Err(err) => Err(err),
        }
    }

    async fn list(&self, older_than: OffsetDateTime) -> Result<Vec<BlobInfo>, StoreError> {
        let mut found = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&self.prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|err| s3_error("ListObjectsV2", err))?;
            for object in page.contents() {
                let Some(key) = object.key().and_then(|k| self.parse_key(k)) else {
                    continue;
                };
                found.push(BlobInfo {
                    key,
                    size: object
                        .size()
                        .and_then(|s| u64::try_from(s).ok())
                        .unwrap_or(0),
                    modified_at: object
                        .last_modified()
                        .map(offset_date_time)
                        .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                });
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        self.abort_stale_uploads(older_than).await?;
        Ok(found)
    }
}
