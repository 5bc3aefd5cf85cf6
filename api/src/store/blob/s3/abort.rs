//! Nothing is left behind: aborting a multipart upload on error, when the
//! writing future is dropped, and when the sweeper finds a stale one.

use aws_sdk_s3::Client;
use time::OffsetDateTime;

use super::error::s3_error;
use super::{S3BlobStore, offset_date_time};
use crate::store::StoreError;

impl S3BlobStore {
    /// Aborts our multipart uploads under the prefix started before `older_than`.
    pub(super) async fn abort_stale_uploads(
        &self,
        older_than: OffsetDateTime,
    ) -> Result<(), StoreError> {
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

/// Aborts the multipart upload unless disarmed, also when the writing future
/// is dropped half-way.
pub(super) struct AbortGuard {
    pub(super) client: Client,
    pub(super) bucket: String,
    pub(super) key: String,
    pub(super) upload_id: Option<String>,
}

impl AbortGuard {
    pub(super) async fn abort_now(&mut self) {
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
