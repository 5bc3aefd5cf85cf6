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

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart,
    CreateBucketConfiguration,
};
use bytes::Bytes;
use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::task::JoinSet;

use super::{BlobInfo, BlobStore, ByteStream, ObjectKey};
use crate::config::S3Settings;
use crate::store::StoreError;

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: i32 = 10_000;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt of one request; a part of several MiB must fit in it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// All attempts of one request together.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(180);
const MAX_ATTEMPTS: u32 = 3;

pub struct S3BlobStore {
    client: Client,
    bucket: String,
    prefix: String,
    threshold: u64,
    part_size: u64,
    concurrency: usize,
}

/// Maps an SDK error of operation `op` to ours. Messages carry the operation,
/// the error code and the cause, never credentials.
fn s3_error<E>(op: &'static str, err: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::TimeoutError(_) => StoreError::Unavailable(format!("S3 {op}: timed out")),
        SdkError::DispatchFailure(_) => StoreError::Unavailable(format!(
            "S3 {op}: cannot reach the endpoint: {}",
            DisplayErrorContext(&err)
        )),
        SdkError::ResponseError(_) => StoreError::Unavailable(format!(
            "S3 {op}: broken response: {}",
            DisplayErrorContext(&err)
        )),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or("");
            match code {
                "NoSuchKey" | "NotFound" | "NoSuchUpload" => StoreError::NotFound,
                "NoSuchBucket" => {
                    StoreError::Missing(format!("S3 {op}: the bucket does not exist"))
                }
                "SlowDown"
                | "Throttling"
                | "ThrottlingException"
                | "RequestTimeout"
                | "ServiceUnavailable"
                | "InternalError" => {
                    StoreError::Unavailable(format!("S3 {op}: {code} (HTTP {status})"))
                }
                _ if status == 404 => StoreError::NotFound,
                _ if status >= 500 || status == 429 => {
                    StoreError::Unavailable(format!("S3 {op}: {code} (HTTP {status})"))
                }
                _ => backend(format!("S3 {op}: {}", DisplayErrorContext(&err))),
            }
        }
        _ => backend(format!("S3 {op}: {}", DisplayErrorContext(&err))),
    }
}

fn backend(message: String) -> StoreError {
    StoreError::Backend(message.into())
}

fn offset_date_time(at: &aws_sdk_s3::primitives::DateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(at.as_nanos()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

impl S3BlobStore {
    /// Builds the client, checks that the bucket exists and creates it when
    /// missing if `auto_create` is on.
    pub async fn connect(
        sdk: &aws_config::SdkConfig,
        settings: &S3Settings,
        auto_create: bool,
    ) -> Result<Self, StoreError> {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(settings.force_path_style)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                    .operation_timeout(OPERATION_TIMEOUT)
                    .build(),
            )
            .build();
        let store = Self {
            client: Client::from_conf(config),
            bucket: settings.bucket.clone(),
            prefix: settings.prefix.clone(),
            threshold: settings.multipart_threshold_bytes,
            part_size: settings.part_size_bytes,
            concurrency: settings.upload_concurrency.max(1),
        };
        match store.head_bucket().await {
            Ok(()) => Ok(store),
            Err(StoreError::NotFound) if auto_create => {
                store.create_bucket().await?;
                Ok(store)
            }
            Err(StoreError::NotFound) => Err(StoreError::Missing(format!(
                "S3 bucket `{}` does not exist; create it or set storage.auto_create = true",
                store.bucket
            ))),
            Err(StoreError::Unavailable(why)) => Err(StoreError::Unavailable(format!(
                "S3 endpoint unreachable while checking bucket `{}`: {why}",
                store.bucket
            ))),
            Err(err) => Err(err),
        }
    }

    async fn head_bucket(&self) -> Result<(), StoreError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| s3_error("HeadBucket", err))
    }

    async fn create_bucket(&self) -> Result<(), StoreError> {
        let mut request = self.client.create_bucket().bucket(&self.bucket);
        // us-east-1 is the one region that takes no location constraint.
        if let Some(region) = self.client.config().region()
            && region.as_ref() != "us-east-1"
        {
            request = request.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_ref()))
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => {
                tracing::info!(bucket = %self.bucket, "created S3 bucket");
                Ok(())
            }
            // Another instance created it at the same moment.
            Err(err) if err.code() == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(err) => Err(s3_error("CreateBucket", err)),
        }
    }

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

    /// Uploads `first` (the full threshold buffer, already split into parts)
    /// and the rest of `reader` as parts of `upload_id`; returns the completed
    /// parts in order.
    async fn upload_parts(
        &self,
        s3_key: &str,
        upload_id: &str,
        mut queue: VecDeque<Bytes>,
        reader: &mut BodyReader,
        tasks: &mut JoinSet<Result<CompletedPart, StoreError>>,
    ) -> Result<Vec<CompletedPart>, StoreError> {
        let part_size = usize::try_from(self.part_size).unwrap_or(usize::MAX);
        let mut done = Vec::new();
        let mut part_number = 0i32;
        loop {
            // Wait for a free slot; also surfaces failed parts early.
            while tasks.len() >= self.concurrency {
                done.push(joined(tasks.join_next().await)?);
            }
            while let Some(result) = tasks.try_join_next() {
                done.push(joined(Some(result))?);
            }
            let data = match queue.pop_front() {
                Some(data) => data,
                None => reader.read(part_size).await?,
            };
            let last = data.len() < part_size;
            if data.is_empty() {
                break;
            }
            part_number += 1;
            if part_number > MAX_PARTS {
                return Err(backend(format!(
                    "object needs more than {MAX_PARTS} parts of {part_size} bytes; \
                     raise storage.s3.part_size_bytes"
                )));
            }
            let request = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(s3_key)
                .upload_id(upload_id)
                .part_number(part_number)
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
                .body(SdkByteStream::from(data));
            tasks.spawn(async move {
                let out = request
                    .send()
                    .await
                    .map_err(|err| s3_error("UploadPart", err))?;
                Ok(CompletedPart::builder()
                    .part_number(part_number)
                    .set_e_tag(out.e_tag)
                    .set_checksum_crc32(out.checksum_crc32)
                    .build())
            });
            if last {
                break;
            }
        }
        while let Some(result) = tasks.join_next().await {
            done.push(joined(Some(result))?);
        }
        done.sort_by_key(|part| part.part_number());
        Ok(done)
    }

    async fn put_multipart(
        &self,
        s3_key: String,
        queue: VecDeque<Bytes>,
        mut reader: BodyReader,
    ) -> Result<(), StoreError> {
        // The create runs detached: if this put is dropped while the request is
        // in flight (a client that disconnects), nobody would learn the upload
        // id to abort it, so the detached task aborts it itself.
        let (created_tx, created_rx) = tokio::sync::oneshot::channel();
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), s3_key.clone());
        tokio::spawn(async move {
            let created = client
                .create_multipart_upload()
                .bucket(&bucket)
                .key(&key)
                .checksum_algorithm(ChecksumAlgorithm::Crc32)
                .send()
                .await;
            if let Err(Ok(orphan)) = created_tx.send(created)
                && let Some(upload_id) = orphan.upload_id
            {
                let _ = client
                    .abort_multipart_upload()
                    .bucket(&bucket)
                    .key(&key)
                    .upload_id(upload_id)
                    .send()
                    .await;
            }
        });
        let created = created_rx
            .await
            .map_err(|_| backend("S3 CreateMultipartUpload: the request task ended".to_owned()))?
            .map_err(|err| s3_error("CreateMultipartUpload", err))?;
        let upload_id = created
            .upload_id
            .ok_or_else(|| backend("S3 CreateMultipartUpload: no upload id".to_owned()))?;
        let mut guard = AbortGuard {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: s3_key.clone(),
            upload_id: Some(upload_id.clone()),
        };
        let mut tasks = JoinSet::new();
        let result = async {
            let parts = self
                .upload_parts(&s3_key, &upload_id, queue, &mut reader, &mut tasks)
                .await?;
            self.client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(&s3_key)
                .upload_id(&upload_id)
                .multipart_upload(
                    CompletedMultipartUpload::builder()
                        .set_parts(Some(parts))
                        .build(),
                )
                .send()
                .await
                .map_err(|err| s3_error("CompleteMultipartUpload", err))
        }
        .await;
        match result {
            Ok(_) => {
                guard.upload_id = None;
                Ok(())
            }
            Err(err) => {
                // Stop the parts still in flight, then abandon the upload.
                tasks.shutdown().await;
                guard.abort_now().await;
                Err(err)
            }
        }
    }

    /// Aborts our multipart uploads under the prefix started before `older_than`.
    async fn abort_stale_uploads(&self, older_than: OffsetDateTime) -> Result<(), StoreError> {
        let mut key_marker: Option<String> = None;
        let mut upload_id_marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(&self.prefix)
                .set_key_marker(key_marker.take())
                .set_upload_id_marker(upload_id_marker.take())
                .send()
                .await
                .map_err(|err| s3_error("ListMultipartUploads", err))?;
            for upload in page.uploads() {
                let (Some(key), Some(upload_id)) = (upload.key(), upload.upload_id()) else {
                    continue;
                };
                if self.parse_key(key).is_none() {
                    continue;
                }
                let started = upload.initiated().map(offset_date_time);
                if started.is_some_and(|at| at < older_than) {
                    let aborted = self
                        .client
                        .abort_multipart_upload()
                        .bucket(&self.bucket)
                        .key(key)
                        .upload_id(upload_id)
                        .send()
                        .await;
                    match aborted.map_err(|err| s3_error("AbortMultipartUpload", err)) {
                        Ok(_) | Err(StoreError::NotFound) => {}
                        Err(err) => return Err(err),
                    }
                }
            }
            if page.is_truncated() != Some(true) {
                return Ok(());
            }
            key_marker = page.next_key_marker().map(str::to_owned);
            upload_id_marker = page.next_upload_id_marker().map(str::to_owned);
            if key_marker.is_none() && upload_id_marker.is_none() {
                return Ok(());
            }
        }
    }
}

/// The outcome of one part-upload task.
fn joined(
    result: Option<Result<Result<CompletedPart, StoreError>, tokio::task::JoinError>>,
) -> Result<CompletedPart, StoreError> {
    match result {
        Some(Ok(part)) => part,
        Some(Err(err)) => Err(StoreError::Backend(Box::new(err))),
        None => Err(backend(
            "S3 UploadPart: no part task to wait for".to_owned(),
        )),
    }
}

/// Aborts the multipart upload unless disarmed, also when the writing future
/// is dropped half-way.
struct AbortGuard {
    client: Client,
    bucket: String,
    key: String,
    upload_id: Option<String>,
}

impl AbortGuard {
    async fn abort_now(&mut self) {
        if let Some(upload_id) = self.upload_id.take() {
            abort(&self.client, &self.bucket, &self.key, &upload_id).await;
        }
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let Some(upload_id) = self.upload_id.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let (client, bucket, key) =
                    (self.client.clone(), self.bucket.clone(), self.key.clone());
                runtime.spawn(async move { abort(&client, &bucket, &key, &upload_id).await });
            }
            Err(_) => tracing::warn!(
                key = %self.key,
                "multipart upload left behind; the sweeper will abort it"
            ),
        }
    }
}

async fn abort(client: &Client, bucket: &str, key: &str, upload_id: &str) {
    let result = client
        .abort_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .send()
        .await;
    match result.map_err(|err| s3_error("AbortMultipartUpload", err)) {
        Ok(_) | Err(StoreError::NotFound) => {}
        Err(err) => tracing::warn!(
            key,
            error = %err,
            "could not abort a multipart upload; the sweeper will retry"
        ),
    }
}

/// Reads a body in pieces of chosen sizes, checking it against the announced
/// length as it goes.
struct BodyReader {
    body: ByteStream,
    /// Bytes received but not yet handed out, in order.
    carry: VecDeque<Bytes>,
    received: u64,
    len: Option<u64>,
    ended: bool,
}

impl BodyReader {
    fn new(body: ByteStream, len: Option<u64>) -> Self {
        Self {
            body,
            carry: VecDeque::new(),
            received: 0,
            len,
            ended: false,
        }
    }

    /// Hands bytes back to be read again first.
    fn unread(&mut self, data: Bytes) {
        if !data.is_empty() {
            self.carry.push_front(data);
        }
    }

    /// Pulls the next piece of the body into `carry`; false at its end.
    async fn fill(&mut self) -> Result<bool, StoreError> {
        if self.ended {
            return Ok(false);
        }
        loop {
            match self.body.next().await {
                None => {
                    self.ended = true;
                    if self.len.is_some_and(|len| self.received != len) {
                        return Err(StoreError::Corrupt(
                            "object body shorter than announced".to_owned(),
                        ));
                    }
                    return Ok(false);
                }
                Some(Err(err)) => return Err(err),
                Some(Ok(piece)) if piece.is_empty() => {}
                Some(Ok(piece)) => {
                    self.received += piece.len() as u64;
                    if self.len.is_some_and(|len| self.received > len) {
                        return Err(StoreError::Corrupt(
                            "object body longer than announced".to_owned(),
                        ));
                    }
                    self.carry.push_back(piece);
                    return Ok(true);
                }
            }
        }
    }

    /// Reads `n` bytes, fewer only at the end of the body.
    async fn read(&mut self, n: usize) -> Result<Bytes, StoreError> {
        // Never reserve more than the body can still bring.
        let pending: u64 = self.carry.iter().map(|b| b.len() as u64).sum();
        let capacity = match self.len {
            Some(len) => (len - self.received + pending).min(n as u64) as usize,
            None => n,
        };
        let mut buf = Vec::with_capacity(capacity);
        while buf.len() < n {
            let Some(mut piece) = self.carry.pop_front() else {
                if self.fill().await? {
                    continue;
                }
                break;
            };
            let take = piece.len().min(n - buf.len());
            buf.extend_from_slice(&piece.split_to(take));
            self.unread(piece);
        }
        Ok(Bytes::from(buf))
    }

    /// Succeeds when nothing is left of the body (checking its length).
    async fn expect_end(&mut self) -> Result<(), StoreError> {
        if !self.carry.is_empty() || self.fill().await? {
            return Err(StoreError::Corrupt(
                "object body longer than announced".to_owned(),
            ));
        }
        Ok(())
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
