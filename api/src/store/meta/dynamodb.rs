//! The AWS `MetaStore`: one DynamoDB table, single-table design.
//!
//! Every rule the SQLite store enforces with constraints is enforced here with
//! conditional writes inside `TransactWriteItems` (all-or-nothing, serialisable
//! against other transactions), never with read-then-write. Every read that a
//! decision depends on is a strongly consistent `GetItem` / `Query` on the base
//! table, which is why the table has **no secondary index at all**: everything a
//! user owns lives in the partition `USER#<user id>`, and the lookups that do not
//! know the user (login by email, refresh by session id) go through small claim
//! items keyed by what they know.
//!
//! # Layout
//!
//! Keys are strings: `PK` (partition) and `SK` (sort). Ids are hyphenated UUIDs,
//! hashes, ciphertexts and salts are binary (`B`), sizes and times numbers (`N`,
//! times in Unix seconds). Every item has a `type` attribute naming its kind.
//!
//! | item | `PK` | `SK` | attributes |
//! |---|---|---|---|
//! | user | `USER#<user>` | `PROFILE` | `id`, `email`, `display_name`?, `password_hash`, `kek_salt` B, `kek_params`, `wrapped_umk` B, `recovery_salt` B, `recovery_params`, `recovery_wrapped_umk` B, `quota_bytes` N, `used_bytes` N, `remaining` N (= quota − used, kept in step for conditional charging: conditions allow no arithmetic), `created_at` N |
//! | email claim | `EMAIL#<email>` | `EMAIL` | `user_id` — one per email: `attribute_not_exists(PK)` in the user's creation transaction |
//! | node | `USER#<user>` | `NODE#<node>` | `id`, `user_id`, `parent_id`? (absent on the root), `kind` (`folder`/`file`), `name_ct` B, `name_mac` B, `size` N, `object_id`? (files), `created_at` N, `modified_at` N |
//! | name claim | `USER#<user>` | `NAME#<parent>#<hex(name_mac)>` | `node_id` — one name per folder; a folder's children are the claims under its prefix |
//! | object claim | `USER#<user>` | `OBJ#<object>` | `node_id` — which file points at an object (sweeper, account deletion) |
//! | session ref | `USER#<user>` | `SESSION#<session>` | `expires_at_ttl` N — finds a user's sessions (`delete_sessions_except`) |
//! | session | `SESSION#<session>` | `SESSION` | `id`, `user_id`, `secret_hash` B, `wrapped_umk` B, `created_at` N, `expires_at` N, `expires_at_ttl` N, `retired` BS (hashes rotated away from) |
//!
//! The root folder of a user is the node whose id is the user id; it has no
//! parent and no name claim. Claims are always written and deleted in the same
//! transaction as the node they point at.
//!
//! TTL is enabled on `expires_at_ttl` (sessions and their refs). DynamoDB
//! deletes expired items lazily, so reads filter on `expires_at` as well.
//!
//! # Operations
//!
//! - **create_user**: one transaction puts the email claim, the profile and the
//!   root node, each `attribute_not_exists(PK)`; a failed email claim is
//!   `Conflict("email")` and nothing is written.
//! - **commit_file / create_folder**: one transaction of a `ConditionCheck`
//!   that the parent is a folder of the user (`NotFound`), the name claim put
//!   (`Conflict("name")`), the node put, the object claim put and the quota
//!   charge `ADD used_bytes :n, remaining -:n` with condition `remaining >= :n`
//!   (`QuotaExceeded`); the failing item is read from `cancellation_reasons()`.
//!   An overwrite re-points the existing node (conditional on its old object),
//!   swaps the object claims and charges the size difference in one transaction.
//! - **update_node**: the node's ancestors and the target's ancestors are read
//!   for the cycle check; the transaction then deletes the old name claim, puts
//!   the new one, updates the node (conditional on its old place) and checks
//!   every node on the target's path to the root (`parent_id` unchanged, target
//!   still a folder). So two concurrent moves that would together form a cycle
//!   cannot both commit. Only for paths deeper than ~95 levels are the top
//!   levels left unchecked (a residual race no real tree reaches).
//! - **delete_node**: the subtree is collected with consistent queries, then the
//!   top node, its claims and the whole quota release go first in one
//!   transaction (up to 100 items: a subtree of about 30 nodes goes entirely in
//!   that one), so the subtree leaves every listing at once; the rest follows in
//!   further transactions of up to 100 items. A crash in between, or a file
//!   committed into the subtree while it is being deleted, leaves unreachable
//!   items (parent gone) that still count in `object_ids`, so account deletion
//!   removes them and their objects.
//! - **delete_user**: the profile and the email claim go first in one
//!   transaction (the wrapped UMK is gone: crypto-shredding; the email is free
//!   again), then everything under `USER#<user>` and the session items. Calling
//!   it again after a crash finishes the job.
//! - **rotate_session**: compare-and-swap, `secret_hash = :current`, adding the
//!   old hash to the `retired` set in the same update; the session ref's TTL
//!   follows in the same transaction.
//!
//! Throttling, timeouts and connection failures are `Unavailable`; the client
//! retries them itself first (standard mode, 5 attempts, exponential backoff).

use std::time::Duration;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification, TransactWriteItem,
};
use time::OffsetDateTime;
use uuid::Uuid;

mod expr;
mod items;
mod nodes;
mod sessions;
mod users;

use self::expr::Item;
use super::{
    FileCommit, MetaStore, NodeRecord, NodeUpdate, SessionRecord, SessionRotation, UserKeys,
    UserRecord,
};
use crate::config::DynamoSettings;
use crate::store::StoreError;

/// Name of the TTL attribute (Unix seconds) on sessions and session refs.
pub const TTL_ATTRIBUTE: &str = "expires_at_ttl";
/// Most items one `TransactWriteItems` may hold.
const MAX_TRANSACTION_ITEMS: usize = 100;
/// Most keys one `BatchGetItem` may ask for.
const MAX_BATCH_GET: usize = 100;

pub struct DynamoMetaStore {
    client: Client,
    table: String,
    /// `Limit` of each `Query` page; `None` lets DynamoDB fill 1 MB pages.
    page_size: Option<i32>,
}

impl DynamoMetaStore {
    /// Connects to the table named in `settings`, creating it (with TTL) when it
    /// is missing and `auto_create` is set.
    pub async fn connect(
        sdk: &SdkConfig,
        settings: &DynamoSettings,
        auto_create: bool,
    ) -> Result<Self, StoreError> {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .build();
        let store = Self {
            client: Client::from_conf(config),
            table: settings.table.clone(),
            page_size: None,
        };
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
        Ok(store)
    }

    /// Queries read at most `n` items per page (tests use small pages to cover
    /// pagination; production leaves DynamoDB's 1 MB pages).
    pub fn with_page_size(mut self, n: i32) -> Self {
        self.page_size = Some(n.max(1));
        self
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
        let ttl = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(TTL_ATTRIBUTE)
            .build()
            .map_err(build_err)?;
        if let Err(err) = self
            .client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
        {
            // Expired sessions are filtered on read anyway; they just linger.
            tracing::warn!(table = %self.table, error = %DisplayErrorContext(&err), "could not enable TTL");
        }
        tracing::info!(table = %self.table, "created DynamoDB table");
        Ok(())
    }

    /// Maps an SDK error: overload and network trouble are `Unavailable`, a
    /// missing table is `Missing`, anything else a backend error.
    fn sdk_err<E, R>(&self, op: &str, err: SdkError<E, R>) -> StoreError
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
    async fn get(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(expr::key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| self.sdk_err("GetItem", err))?;
        Ok(out.item)
    }

    /// Every item of partition `pk` whose sort key starts with `prefix`,
    /// following `LastEvaluatedKey` until the end (consistent reads).
    async fn query_prefix(&self, pk: String, prefix: &str) -> Result<Vec<Item>, StoreError> {
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
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
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

    /// Runs one transaction. `Ok(Err(failed))` when it was cancelled by
    /// conditions: `failed[i]` tells whether item `i`'s condition failed.
    /// Transaction conflicts are retried a few times, then `Unavailable`.
    async fn transact(
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
    async fn transact_chunks(&self, ops: Vec<TransactWriteItem>) -> Result<(), StoreError> {
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

async fn backoff(attempt: u32) {
    let millis = 25u64 << attempt.min(6);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

fn build_err(err: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Backend(Box::new(err))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[async_trait]
impl MetaStore for DynamoMetaStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await
            .map_err(|err| self.sdk_err("DescribeTable", err))?;
        Ok(())
    }

    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        users::create_user(self, user).await
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>, StoreError> {
        users::user_by_email(self, email).await
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
        users::user_by_id(self, id).await
    }

    async fn update_credentials(
        &self,
        id: Uuid,
        password_hash: &str,
        keys: &UserKeys,
    ) -> Result<(), StoreError> {
        users::update_credentials(self, id, password_hash, keys).await
    }

    async fn delete_user(&self, id: Uuid) -> Result<(), StoreError> {
        users::delete_user(self, id).await
    }

    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        sessions::create_session(self, session).await
    }

    async fn session(&self, user_id: Uuid, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        Ok(sessions::live_session(self, id)
            .await?
            .filter(|s| s.user_id == user_id))
    }

    async fn session_by_id(&self, id: Uuid) -> Result<Option<SessionRecord>, StoreError> {
        sessions::live_session(self, id).await
    }

    async fn rotate_session(
        &self,
        id: Uuid,
        current_hash: &[u8; 32],
        next: &SessionRotation,
    ) -> Result<bool, StoreError> {
        sessions::rotate_session(self, id, current_hash, next).await
    }

    async fn retired_secret_hashes(&self, id: Uuid) -> Result<Vec<[u8; 32]>, StoreError> {
        sessions::retired_secret_hashes(self, id).await
    }

    async fn delete_session(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        sessions::delete_session(self, user_id, id).await
    }

    async fn delete_sessions_except(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        sessions::delete_sessions_except(self, user_id, keep).await
    }

    async fn node(&self, user_id: Uuid, id: Uuid) -> Result<Option<NodeRecord>, StoreError> {
        nodes::node(self, user_id, id).await
    }

    async fn child_by_mac(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
        name_mac: &[u8; 32],
    ) -> Result<Option<NodeRecord>, StoreError> {
        nodes::child_by_mac(self, user_id, parent_id, name_mac).await
    }

    async fn children(
        &self,
        user_id: Uuid,
        parent_id: Uuid,
    ) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::children(self, user_id, parent_id).await
    }

    async fn ancestors(&self, user_id: Uuid, id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::ancestors(self, user_id, id).await
    }

    async fn all_nodes(&self, user_id: Uuid) -> Result<Vec<NodeRecord>, StoreError> {
        nodes::all_nodes(self, user_id).await
    }

    async fn create_folder(&self, node: &NodeRecord) -> Result<(), StoreError> {
        nodes::create_folder(self, node).await
    }

    async fn commit_file(
        &self,
        node: &NodeRecord,
        overwrite: bool,
    ) -> Result<FileCommit, StoreError> {
        nodes::commit_file(self, node, overwrite).await
    }

    async fn update_node(
        &self,
        user_id: Uuid,
        id: Uuid,
        update: &NodeUpdate,
    ) -> Result<NodeRecord, StoreError> {
        nodes::update_node(self, user_id, id, update).await
    }

    async fn delete_node(&self, user_id: Uuid, id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        nodes::delete_node(self, user_id, id).await
    }

    async fn object_ids(&self, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        nodes::object_ids(self, user_id).await
    }

    async fn object_referenced(&self, user_id: Uuid, object_id: Uuid) -> Result<bool, StoreError> {
        nodes::object_referenced(self, user_id, object_id).await
    }
}
