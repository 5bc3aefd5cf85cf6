//! Building the client (retries, timeouts) and checking, or creating, the
//! bucket.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

use super::S3BlobStore;
use super::error::s3_error;
use crate::config::S3Settings;
use crate::store::StoreError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// One attempt of one request; a part of several MiB must fit in it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// All attempts of one request together.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(180);
const MAX_ATTEMPTS: u32 = 3;

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

    pub(super) async fn head_bucket(&self) -> Result<(), StoreError> {
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
}
