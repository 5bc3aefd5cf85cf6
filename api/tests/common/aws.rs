//! The local S3 + DynamoDB protocol server the test command starts (moto):
//! where it is, SDK configuration with test credentials, and pointing a
//! server configuration at it. A missing endpoint fails, never skips.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use strongroom_api::config::{BlobBackend, Config, MetaBackend};

pub const ENDPOINT_ENV: &str = "STRONGROOM_TEST_AWS_ENDPOINT";

/// The endpoint; panics with how to get one when it is not set.
pub fn endpoint() -> String {
    std::env::var(ENDPOINT_ENV).unwrap_or_else(|_| {
        panic!(
            "{ENDPOINT_ENV} is not set: these tests need a local S3 + DynamoDB server. \
             `scripts/test` starts one; by hand, run `scripts/moto` and export \
             {ENDPOINT_ENV}=<the URL it prints>"
        )
    })
}

/// Which backend pair the HTTP suite runs against: the embedded default, or
/// S3 + DynamoDB when `STRONGROOM_TEST_BACKEND=aws` (the test command runs
/// both). Returns the endpoint in the second case.
pub fn suite_backend() -> Option<String> {
    match std::env::var("STRONGROOM_TEST_BACKEND").as_deref() {
        Ok("aws") => Some(endpoint()),
        Ok("embedded") | Err(_) => None,
        Ok(other) => panic!("unknown STRONGROOM_TEST_BACKEND {other:?}"),
    }
}

/// SDK configuration with static test credentials (never instance metadata).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_with_secret(endpoint, "test").await
}

pub async fn sdk_config_with_secret(endpoint: &str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "test", secret, None, None, "test",
        ))
        .load()
        .await
}

/// Switches `config` to S3 + DynamoDB at `endpoint`, creating a bucket and a
/// table named `<prefix>-<random>` on start.
pub fn use_aws_pair(config: &mut Config, endpoint: String, prefix: &str) {
    let unique = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    let storage = &mut config.storage;
    storage.blob = BlobBackend::S3;
    storage.meta = MetaBackend::Dynamodb;
    storage.auto_create = true;
    storage.aws.endpoint_url = Some(endpoint);
    storage.aws.region = Some("us-east-1".to_owned());
    storage.s3.bucket = unique.clone();
    storage.s3.force_path_style = true;
    storage.dynamodb.table = unique;
}
