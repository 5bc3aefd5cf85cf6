//! The table itself: checked at start-up, created when it is missing and
//! `storage.auto_create` allows it, TTL enabled when it is not.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification, TimeToLiveStatus,
};

use super::client::build_err;
use super::{DynamoMetaStore, TTL_ATTRIBUTE};
use crate::store::StoreError;

impl DynamoMetaStore {
    /// Checks that the table exists with the expected keys, or creates it.
    pub(super) async fn ensure_table(
        &self,
        sdk: &SdkConfig,
        auto_create: bool,
    ) -> Result<(), StoreError> {
        let store = self;
        let endpoint = sdk.endpoint_url().unwrap_or("the default AWS endpoint");
        match store
            .client
            .describe_table()
            .table_name(&store.table)
            .send()
            .await
        {
            Ok(out) => {
                let keys: Vec<(&str, &KeyType)> = out
                    .table()
                    .map(|t| {
                        t.key_schema()
                            .iter()
                            .map(|k| (k.attribute_name(), k.key_type()))
                            .collect()
                    })
                    .unwrap_or_default();
                if keys != [("PK", &KeyType::Hash), ("SK", &KeyType::Range)] {
                    return Err(StoreError::Corrupt(format!(
                        "DynamoDB table `{}` does not have the key schema PK (hash) + SK (range)",
                        store.table
                    )));
                }
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => {
                if !auto_create {
                    return Err(StoreError::Missing(format!(
                        "DynamoDB table `{}` does not exist; create it or set storage.auto_create = true",
                        store.table
                    )));
                }
                store.create_table().await?;
            }
            Err(err @ (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_))) => {
                return Err(StoreError::Unavailable(format!(
                    "cannot reach DynamoDB at {endpoint}: {}",
                    DisplayErrorContext(&err)
                )));
            }
            Err(err) => return Err(store.sdk_err("DescribeTable", err)),
        }
        store.ensure_ttl().await
    }

    async fn create_table(&self) -> Result<(), StoreError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_err)
        };
        let key = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(build_err)
        };
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK")?)
            .attribute_definitions(attr("SK")?)
            .key_schema(key("PK", KeyType::Hash)?)
            .key_schema(key("SK", KeyType::Range)?)
            .send()
            .await;
        match created {
            Ok(_) => {}
            // Another instance is creating it right now: wait for it below.
            Err(err) if err.code() == Some("ResourceInUseException") => {}
            Err(err) => return Err(self.sdk_err("CreateTable", err)),
        }
        self.client
            .wait_until_table_exists()
            .table_name(&self.table)
            .wait(Duration::from_secs(120))
            .await
            .map_err(|err| {
                StoreError::Unavailable(format!(
                    "DynamoDB table `{}` did not become active: {}",
                    self.table,
                    DisplayErrorContext(&err)
                ))
            })?;
        tracing::info!(table = %self.table, "created DynamoDB table");
        Ok(())
    }

    /// Makes sure TTL deletes expired sessions: enabled on `TTL_ATTRIBUTE`
    /// for a new table, and for an existing one that lacks it (a table
    /// created by hand, or before TTL could be enabled). Failing is only
    /// worth a warning: reads filter and delete expired sessions anyway, the
    /// ones never read again just linger.
    async fn ensure_ttl(&self) -> Result<(), StoreError> {
        let described = self
            .client
            .describe_time_to_live()
            .table_name(&self.table)
            .send()
            .await;
        if let Ok(out) = &described {
            let ttl = out.time_to_live_description();
            let status = ttl.and_then(|t| t.time_to_live_status());
            let on = matches!(
                status,
                Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
            );
            if on && ttl.and_then(|t| t.attribute_name()) == Some(TTL_ATTRIBUTE) {
                return Ok(());
            }
        }
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL_ATTRIBUTE)
            .build()
            .map_err(build_err)?;
        match self
            .client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
        {
            Ok(_) => tracing::info!(table = %self.table, "enabled TTL on {TTL_ATTRIBUTE}"),
            Err(err) => {
                tracing::warn!(table = %self.table, error = %DisplayErrorContext(&err), "could not enable TTL; expired sessions will linger");
            }
        }
        Ok(())
    }
}
