//! Multipart upload: create, upload the parts (bounded concurrency),
//! complete; abort on any error.

use std::collections::VecDeque;

use aws_sdk_s3::primitives::ByteStream as SdkByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use tokio::task::JoinSet;

use super::S3BlobStore;
use super::abort::AbortGuard;
use super::body_reader::BodyReader;
use super::error::{backend, s3_error};
use crate::store::StoreError;

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: i32 = 10_000;

impl S3BlobStore {
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

    pub(super) async fn put_multipart(
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
