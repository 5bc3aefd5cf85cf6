//! Shared by the test binaries: point a configuration at the S3 + DynamoDB
//! pair on a local protocol server, with a fresh bucket and table.

use strongroom_api::config::{BlobBackend, Config, MetaBackend};

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
