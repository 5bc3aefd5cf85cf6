//! The AWS SDK configuration shared by the S3 and DynamoDB backends.

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::config::AwsSettings;

/// Loads the standard AWS configuration (credentials chain, region), overridden
/// by the region and endpoint from our configuration when given.
pub async fn sdk_config(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}
