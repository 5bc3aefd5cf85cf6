//! Calls to DynamoDB with what every operation needs: errors mapped to
//! `StoreError` (overload and network trouble are `Unavailable`), consistent
//! reads with pagination, batch reads and writes with retries, and
//! transactions that say which condition failed.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, WriteRequest};

use super::expr::{self, Ex, Item};
use super::{DynamoMetaStore, MAX_BATCH_GET, MAX_BATCH_WRITE, MAX_TRANSACTION_ITEMS};
use crate::store::{StoreError, metered};

/// Times a DynamoDB request for the metrics, as `operation` (its API name).
pub(super) trait Timed: Future + Sized {
    async fn timed(self, operation: &'static str) -> Self::Output {
        let started = Instant::now();
        let out = self.await;
        crate::metrics::store_call("dynamodb", operation, started.elapsed());
        out
    }
}

impl<F: Future> Timed for F {}

impl DynamoMetaStore {
    /// Maps an SDK error: overload and network trouble are `Unavailable`, a
    /// missing table is `Missing`, anything else a backend error.
    pub(super) fn sdk_err<E, R>(&self, op: &'static str, err: SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let err = self.map_sdk_err(op, err);
        metered::failed("dynamodb", op, &err);
        err
    }

    fn map_sdk_err<E, R>(&self, op: &str, err: SdkError<E, R>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let unavailable = match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => true,
            SdkError::ServiceError(_) => matches!(
                err.code(),
                Some(
                    "ThrottlingException"
                        | "ProvisionedThroughputExceededException"
                        | "RequestLimitExceeded"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                        | "LimitExceededException"
                        | "TransactionInProgressException"
                )
            ),
            _ => false,
        };
        if unavailable {
            return StoreError::Unavailable(format!(
                "DynamoDB {op}: {}",
                DisplayErrorContext(&err)
            ));
        }
        if err.code() == Some("ResourceNotFoundException") {
            return StoreError::Missing(format!(
                "DynamoDB table `{}` does not exist; create it or set storage.auto_create = true",
                self.table
            ));
        }
        StoreError::Backend(Box::new(err))
    }

    /// A strongly consistent `GetItem`.
    pub(super) async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(expr::key(pk, sk)))
            .consistent_read(true)
            .send()
            .timed("GetItem")
            .await
            .map_err(|err| self.sdk_err("GetItem", err))?;
        Ok(out.item)
    }

    /// Every item of partition `pk` whose sort key starts with `prefix`,
    /// following `LastEvaluatedKey` until the end (consistent reads).
    pub(super) async fn query_prefix(
        &self,
        pk: String,
        prefix: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut all = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .expression_attribute_names("#pk", "PK")
                .expression_attribute_values(":pk", AttributeValue::S(pk.clone()));
            // `begins_with` refuses an empty prefix: then the whole partition.
            query = if prefix.is_empty() {
                query.key_condition_expression("#pk = :pk")
            } else {
                query
                    .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                    .expression_attribute_names("#sk", "SK")
                    .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
            };
            let out = query
                .consistent_read(true)
                .set_limit(self.page_size)
                .set_exclusive_start_key(start.take())
                .send()
                .timed("Query")
                .await
                .map_err(|err| self.sdk_err("Query", err))?;
            all.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(all),
            }
        }
    }

    /// Consistent `BatchGetItem` of any number of keys, in chunks of 100,
    /// retrying unprocessed keys. Missing items are simply absent.
    pub(super) async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut found = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(MAX_BATCH_GET) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                if attempt > 0 {
                    backoff(attempt).await;
                }
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Unavailable(
                        "DynamoDB BatchGetItem: keys stayed unprocessed".to_owned(),
                    ));
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(build_err)?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .timed("BatchGetItem")
                    .await
                    .map_err(|err| self.sdk_err("BatchGetItem", err))?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(&self.table).unwrap_or_default());
                }
                if let Some(mut unprocessed) = out.unprocessed_keys
                    && let Some(rest) = unprocessed.remove(&self.table)
                {
                    pending = rest.keys;
                }
            }
        }
        Ok(found)
    }

    /// `BatchWriteItem` of any number of puts and deletes, in chunks of 25,
    /// retrying unprocessed items. Not atomic: each item is written on its
    /// own, and no key may come twice (DynamoDB refuses the chunk).
    pub(super) async fn batch_write(&self, requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for chunk in requests.chunks(MAX_BATCH_WRITE) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                if attempt > 0 {
                    backoff(attempt).await;
                }
                attempt += 1;
                if attempt > 8 {
                    return Err(StoreError::Unavailable(
                        "DynamoDB BatchWriteItem: items stayed unprocessed".to_owned(),
                    ));
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, std::mem::take(&mut pending))
                    .send()
                    .timed("BatchWriteItem")
                    .await
                    .map_err(|err| self.sdk_err("BatchWriteItem", err))?;
                if let Some(mut unprocessed) = out.unprocessed_items
                    && let Some(rest) = unprocessed.remove(&self.table)
                {
                    pending = rest;
                }
            }
        }
        Ok(())
    }

    /// One conditional `UpdateItem`; `false` when its condition failed.
    pub(super) async fn update_one(&self, key: Item, ex: Ex) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .set_update_expression(ex.update_expression())
            .set_condition_expression(ex.condition())
            .set_expression_attribute_names(ex.names())
            .set_expression_attribute_values(ex.values())
            .send()
            .timed("UpdateItem")
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(self.sdk_err("UpdateItem", err)),
        }
    }

    /// One conditional `PutItem`; `false` when its condition failed.
    pub(super) async fn put_one(&self, item: Item, ex: Ex) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(ex.condition())
            .set_expression_attribute_names(ex.names())
            .set_expression_attribute_values(ex.values())
            .send()
            .timed("PutItem")
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(self.sdk_err("PutItem", err)),
        }
    }

    /// Deletes one item, whether or not it exists.
    pub(super) async fn delete_one(&self, key: Item) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send()
            .timed("DeleteItem")
            .await
            .map_err(|err| self.sdk_err("DeleteItem", err))?;
        Ok(())
    }

    /// Every item of the table whose sort key is `sk` (a consistent `Scan`,
    /// page by page: for the administrator, never on a request's path).
    pub(super) async fn scan_sort_key(&self, sk: &str) -> Result<Vec<Item>, StoreError> {
        let mut all = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#sk = :sk")
                .expression_attribute_names("#sk", "SK")
                .expression_attribute_values(":sk", AttributeValue::S(sk.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .timed("Scan")
                .await
                .map_err(|err| self.sdk_err("Scan", err))?;
            all.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(all),
            }
        }
    }

    /// Runs one transaction. `Ok(Err(failed))` when it was cancelled by
    /// conditions: `failed[i]` tells whether item `i`'s condition failed.
    /// Transaction conflicts are retried a few times, then `Unavailable`.
    pub(super) async fn transact(
        &self,
        ops: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Vec<bool>>, StoreError> {
        let mut attempt = 0u32;
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(ops.clone()))
                .send()
                .timed("TransactWriteItems")
                .await;
            let err = match result {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let reasons = err
                .as_service_error()
                .filter(|e| e.is_transaction_canceled_exception())
                .map(|e| match e {
                    aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(c) => {
                        c.cancellation_reasons()
                            .iter()
                            .map(|r| r.code().unwrap_or("None").to_owned())
                            .collect::<Vec<_>>()
                    }
                    _ => Vec::new(),
                });
            let Some(codes) = reasons else {
                return Err(self.sdk_err("TransactWriteItems", err));
            };
            let failed: Vec<bool> = codes
                .iter()
                .map(|c| c == "ConditionalCheckFailed")
                .collect();
            if failed.iter().any(|f| *f) {
                return Ok(Err(failed));
            }
            let transient = codes.iter().all(|c| {
                matches!(
                    c.as_str(),
                    "None"
                        | "TransactionConflict"
                        | "ThrottlingError"
                        | "ProvisionedThroughputExceeded"
                )
            });
            if !transient {
                return Err(StoreError::Backend(
                    format!(
                        "DynamoDB TransactWriteItems cancelled: {}",
                        codes.join(", ")
                    )
                    .into(),
                ));
            }
            // Conflicts with another transaction, throttling: try again.
            attempt += 1;
            if attempt >= 5 {
                return Err(StoreError::Unavailable(format!(
                    "DynamoDB TransactWriteItems cancelled: {}",
                    codes.join(", ")
                )));
            }
            backoff(attempt).await;
        }
    }

    /// Runs unconditional writes in as many transactions of up to 100 items as
    /// needed (clean-up: each chunk is atomic, the whole is not).
    pub(super) async fn transact_chunks(
        &self,
        ops: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        for chunk in ops.chunks(MAX_TRANSACTION_ITEMS) {
            if let Err(failed) = self.transact(chunk.to_vec()).await? {
                return Err(StoreError::Unavailable(format!(
                    "DynamoDB clean-up transaction refused ({} conditions failed)",
                    failed.iter().filter(|f| **f).count()
                )));
            }
        }
        Ok(())
    }
}

pub(super) async fn backoff(attempt: u32) {
    let millis = 25u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

pub(super) fn build_err(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(Box::new(err))
}
