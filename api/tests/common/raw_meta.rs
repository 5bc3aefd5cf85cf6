//! The metadata store's sessions, shares and profiles read and damaged behind
//! the store's back, for the tests of session hygiene: how big a session's
//! record is, whether a session (or a share, or a share's entries) is still
//! stored at all (not just invisible), and a profile deleted alone — the
//! state a crash in the middle of an account deletion could leave. On
//! DynamoDB, any item read, written and listed as it is (`dynamo_*`): the
//! states a crash between the transactions of a trash, restore or version
//! rotation leaves.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aws_sdk_dynamodb::types::{AttributeValue, TimeToLiveStatus};
use rusqlite::{Connection, OptionalExtension};
use strongroom_api::config::{Config, MetaBackend};
use uuid::Uuid;

use super::aws::sdk_config;

pub enum RawMeta {
    Sqlite {
        path: PathBuf,
    },
    Dynamo {
        client: aws_sdk_dynamodb::Client,
        table: String,
    },
}

pub type Item = HashMap<String, AttributeValue>;

fn s(value: String) -> AttributeValue {
    AttributeValue::S(value)
}

impl RawMeta {
    /// The store a server configuration names.
    pub async fn of(config: &Config) -> Self {
        match config.storage.meta {
            MetaBackend::Sqlite => Self::sqlite(&config.data_dir.join("strongroom.db")),
            MetaBackend::Dynamodb => {
                let endpoint = config.storage.aws.endpoint_url.clone().unwrap_or_default();
                Self::dynamo(&endpoint, &config.storage.dynamodb.table).await
            }
        }
    }

    pub fn sqlite(path: &Path) -> Self {
        Self::Sqlite {
            path: path.to_path_buf(),
        }
    }

    pub async fn dynamo(endpoint: &str, table: &str) -> Self {
        Self::Dynamo {
            client: aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await),
            table: table.to_owned(),
        }
    }

    /// A connection of our own, foreign keys off so that a delete here
    /// cascades to nothing (the bundled SQLite turns them on by default).
    fn connect(path: &Path) -> Connection {
        let conn = Connection::open(path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
        conn
    }

    async fn get(
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        pk: String,
        sk: &str,
    ) -> Option<Item> {
        client
            .get_item()
            .table_name(table)
            .key("PK", s(pk))
            .key("SK", s(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    }

    /// Deletes the user's profile and nothing else (on DynamoDB the email
    /// claim stays too): a deletion that stopped half-way in the old order.
    pub async fn delete_profile_only(&self, user: Uuid) {
        match self {
            Self::Sqlite { path } => {
                let deleted = Self::connect(path)
                    .execute("DELETE FROM users WHERE id = ?1", [user.as_bytes()])
                    .unwrap();
                assert_eq!(deleted, 1, "the user's row");
            }
            Self::Dynamo { client, table } => {
                client
                    .delete_item()
                    .table_name(table)
                    .key("PK", s(format!("USER#{user}")))
                    .key("SK", s("PROFILE".to_owned()))
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// Makes the next account deletion of `user` fail part-way: on SQLite a
    /// trigger aborts the delete of the user's row; on DynamoDB the profile's
    /// email index is made unreadable (a string, the real one set aside),
    /// which stops the deletion where it reads the profile, before the
    /// profile goes.
    pub async fn break_user_deletion(&self, user: Uuid) {
        match self {
            Self::Sqlite { path } => {
                Self::connect(path)
                    .execute_batch(
                        "CREATE TRIGGER injected_failure BEFORE DELETE ON users
                         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                    )
                    .unwrap();
            }
            Self::Dynamo { client, table } => {
                Self::update_profile(
                    client,
                    table,
                    user,
                    "SET email_index_saved = email_index, email_index = :v",
                    Some(s("broken".to_owned())),
                )
                .await;
            }
        }
    }

    /// Undoes `break_user_deletion`.
    pub async fn repair_user_deletion(&self, user: Uuid) {
        match self {
            Self::Sqlite { path } => {
                Self::connect(path)
                    .execute_batch("DROP TRIGGER injected_failure;")
                    .unwrap();
            }
            Self::Dynamo { client, table } => {
                Self::update_profile(
                    client,
                    table,
                    user,
                    "SET email_index = email_index_saved REMOVE email_index_saved",
                    None,
                )
                .await;
            }
        }
    }

    async fn update_profile(
        client: &aws_sdk_dynamodb::Client,
        table: &str,
        user: Uuid,
        expression: &str,
        value: Option<AttributeValue>,
    ) {
        let update = client
            .update_item()
            .table_name(table)
            .key("PK", s(format!("USER#{user}")))
            .key("SK", s("PROFILE".to_owned()))
            .update_expression(expression);
        let update = match value {
            Some(value) => update.expression_attribute_values(":v", value),
            None => update,
        };
        update.send().await.unwrap();
    }

    /// Gives a DynamoDB session item the unordered, unbounded `retired` set
    /// that rotations made before the bound: `n` distinct hashes.
    pub async fn add_legacy_retired(&self, id: Uuid, n: u32) {
        let Self::Dynamo { client, table } = self else {
            panic!("only DynamoDB items had the set");
        };
        let set = (0..n)
            .map(|i| {
                let mut hash = [0x5a; 32];
                hash[..4].copy_from_slice(&i.to_be_bytes());
                aws_sdk_dynamodb::primitives::Blob::new(hash.to_vec())
            })
            .collect();
        client
            .update_item()
            .table_name(table)
            .key("PK", s(format!("SESSION#{id}")))
            .key("SK", s("SESSION".to_owned()))
            .update_expression("ADD retired :set")
            .expression_attribute_values(":set", AttributeValue::Bs(set))
            .send()
            .await
            .unwrap();
    }

    /// Whether anything of the session is stored, expired or not (on
    /// DynamoDB: its item or its ref in the user's partition).
    pub async fn session_stored(&self, user: Uuid, id: Uuid) -> bool {
        match self {
            Self::Sqlite { path } => Self::connect(path)
                .query_row(
                    "SELECT 1 FROM sessions WHERE id = ?1",
                    [id.as_bytes()],
                    |_| Ok(()),
                )
                .optional()
                .unwrap()
                .is_some(),
            Self::Dynamo { client, table } => {
                let item = Self::get(client, table, format!("SESSION#{id}"), "SESSION").await;
                let reference = Self::get(
                    client,
                    table,
                    format!("USER#{user}"),
                    &format!("SESSION#{id}"),
                )
                .await;
                item.is_some() || reference.is_some()
            }
        }
    }

    /// Whether anything of the share is stored, whatever `share` answers
    /// (on DynamoDB: its item or its ref in the user's partition).
    pub async fn share_stored(&self, user: Uuid, id: Uuid) -> bool {
        match self {
            Self::Sqlite { path } => Self::connect(path)
                .query_row(
                    "SELECT 1 FROM shares WHERE id = ?1",
                    [id.as_bytes()],
                    |_| Ok(()),
                )
                .optional()
                .unwrap()
                .is_some(),
            Self::Dynamo { client, table } => {
                let item = Self::get(client, table, format!("SHARE#{id}"), "SHARE").await;
                let reference = Self::get(
                    client,
                    table,
                    format!("USER#{user}"),
                    &format!("SHARE#{id}"),
                )
                .await;
                item.is_some() || reference.is_some()
            }
        }
    }

    /// Ids of `n` nodes of the user for share entries to name, made behind
    /// the store's back because many are needed. On SQLite the entries'
    /// foreign key wants real rows: empty folders under `parent`, written
    /// in one transaction (the user's node count is left alone). DynamoDB
    /// never reads an entry's node, and making a thousand through a local
    /// protocol server takes minutes: fresh ids.
    pub async fn bulk_nodes(&self, user: Uuid, parent: Uuid, n: usize) -> Vec<Uuid> {
        let ids: Vec<Uuid> = (0..n).map(|_| Uuid::new_v4()).collect();
        if let Self::Sqlite { path } = self {
            let mut conn = Self::connect(path);
            let tx = conn.transaction().unwrap();
            for id in &ids {
                // The id makes a distinct name: one name per folder.
                let mac = [id.as_bytes().as_slice(), id.as_bytes()].concat();
                tx.execute(
                    "INSERT INTO nodes (id, user_id, parent_id, kind, name_ct, name_mac,
                                        size, object_id, created_at, modified_at)
                     VALUES (?1, ?2, ?3, 'folder', x'00', ?4, 0, NULL, 0, 0)",
                    rusqlite::params![id.as_bytes(), user.as_bytes(), parent.as_bytes(), mac],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        ids
    }

    /// How many entries of the share are stored, whatever `share_entries`
    /// answers (on DynamoDB: the `ENTRY#` items of its partition).
    pub async fn share_entries_stored(&self, id: Uuid) -> usize {
        match self {
            Self::Sqlite { path } => Self::connect(path)
                .query_row(
                    "SELECT COUNT(*) FROM share_entries WHERE share_id = ?1",
                    [id.as_bytes()],
                    |row| row.get::<_, i64>(0),
                )
                .map(|n| usize::try_from(n).unwrap())
                .unwrap(),
            Self::Dynamo { client, table } => {
                let mut count = 0;
                let mut start = None;
                loop {
                    let out = client
                        .query()
                        .table_name(table)
                        .key_condition_expression("PK = :pk AND begins_with(SK, :entry)")
                        .expression_attribute_values(":pk", s(format!("SHARE#{id}")))
                        .expression_attribute_values(":entry", s("ENTRY#".to_owned()))
                        .select(aws_sdk_dynamodb::types::Select::Count)
                        .consistent_read(true)
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .unwrap();
                    count += usize::try_from(out.count).unwrap();
                    match out.last_evaluated_key {
                        Some(key) if !key.is_empty() => start = Some(key),
                        _ => return count,
                    }
                }
            }
        }
    }

    /// How many dead properties records of the user's are stored, whatever
    /// `node_props` answers (on DynamoDB: the `PROPS#` items of the user's
    /// partition).
    pub async fn props_stored(&self, user: Uuid) -> usize {
        match self {
            Self::Sqlite { path } => Self::connect(path)
                .query_row(
                    "SELECT COUNT(*) FROM node_props WHERE user_id = ?1",
                    [user.as_bytes()],
                    |row| row.get::<_, i64>(0),
                )
                .map(|n| usize::try_from(n).unwrap())
                .unwrap(),
            Self::Dynamo { .. } => self
                .dynamo_sort_keys(&format!("USER#{user}"))
                .await
                .iter()
                .filter(|sk| sk.starts_with("PROPS#"))
                .count(),
        }
    }

    /// The node's record gone without the store's `delete_node`: on
    /// DynamoDB its item alone (what a share made while its node was being
    /// deleted meets), on SQLite its row with the cascades (the only way a
    /// node goes there).
    pub async fn lose_node(&self, user: Uuid, node: Uuid) {
        match self {
            Self::Sqlite { path } => {
                let conn = Self::connect(path);
                conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
                conn.execute("DELETE FROM nodes WHERE id = ?1", [node.as_bytes()])
                    .unwrap();
            }
            Self::Dynamo { client, table } => {
                client
                    .delete_item()
                    .table_name(table)
                    .key("PK", s(format!("USER#{user}")))
                    .key("SK", s(format!("NODE#{node}")))
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// How many retired secret hashes the session's record holds.
    pub async fn retired_count(&self, id: Uuid) -> usize {
        match self {
            Self::Sqlite { path } => Self::connect(path)
                .query_row(
                    "SELECT COUNT(*) FROM retired_secrets WHERE session_id = ?1",
                    [id.as_bytes()],
                    |row| row.get::<_, i64>(0),
                )
                .map(|n| usize::try_from(n).unwrap())
                .unwrap(),
            Self::Dynamo { client, table } => {
                let item = Self::get(client, table, format!("SESSION#{id}"), "SESSION")
                    .await
                    .expect("the session item");
                match item.get("retired") {
                    None => 0,
                    Some(AttributeValue::B(joined)) => joined.as_ref().len() / 32,
                    Some(AttributeValue::Bs(set)) => set.len(),
                    Some(other) => panic!("retired is {other:?}"),
                }
            }
        }
    }

    /// The bytes the session's record takes: on DynamoDB the item's size as
    /// DynamoDB counts it toward the 400 KB limit (names plus values); on
    /// SQLite the bytes of its row and its retired hashes' rows.
    pub async fn session_bytes(&self, id: Uuid) -> usize {
        match self {
            Self::Sqlite { path } => {
                let conn = Self::connect(path);
                let row: i64 = conn
                    .query_row(
                        "SELECT length(id) + length(user_id) + length(secret_hash)
                                + length(wrapped_umk) + 16
                         FROM sessions WHERE id = ?1",
                        [id.as_bytes()],
                        |row| row.get(0),
                    )
                    .unwrap();
                let retired: i64 = conn
                    .query_row(
                        "SELECT COALESCE(SUM(length(session_id) + 8 + length(secret_hash)), 0)
                         FROM retired_secrets WHERE session_id = ?1",
                        [id.as_bytes()],
                        |row| row.get(0),
                    )
                    .unwrap();
                usize::try_from(row + retired).unwrap()
            }
            Self::Dynamo { client, table } => {
                let item = Self::get(client, table, format!("SESSION#{id}"), "SESSION")
                    .await
                    .expect("the session item");
                item.iter()
                    .map(|(name, value)| name.len() + attribute_bytes(value))
                    .sum()
            }
        }
    }

    fn table(&self) -> (&aws_sdk_dynamodb::Client, &str) {
        match self {
            Self::Dynamo { client, table } => (client, table),
            Self::Sqlite { .. } => panic!("a DynamoDB item on SQLite"),
        }
    }

    /// The item at (`pk`, `sk`), read consistently (DynamoDB only).
    pub async fn dynamo_item(&self, pk: &str, sk: &str) -> Option<Item> {
        let (client, table) = self.table();
        Self::get(client, table, pk.to_owned(), sk).await
    }

    /// Puts `item` as it is, over whatever has its key (DynamoDB only).
    pub async fn dynamo_put(&self, item: Item) {
        let (client, table) = self.table();
        client
            .put_item()
            .table_name(table)
            .set_item(Some(item))
            .send()
            .await
            .unwrap();
    }

    /// Applies the update `expression` (with `values` for its `:names`) to
    /// the existing item at (`pk`, `sk`) (DynamoDB only).
    pub async fn dynamo_update(
        &self,
        pk: &str,
        sk: &str,
        expression: &str,
        values: &[(&str, AttributeValue)],
    ) {
        let (client, table) = self.table();
        let mut update = client
            .update_item()
            .table_name(table)
            .key("PK", s(pk.to_owned()))
            .key("SK", s(sk.to_owned()))
            .update_expression(expression)
            .condition_expression("attribute_exists(PK)");
        for (name, value) in values {
            update = update.expression_attribute_values(*name, value.clone());
        }
        update.send().await.unwrap();
    }

    /// The sort keys of every item in the partition `pk`, in order
    /// (DynamoDB only).
    pub async fn dynamo_sort_keys(&self, pk: &str) -> Vec<String> {
        let (client, table) = self.table();
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let out = client
                .query()
                .table_name(table)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(":pk", s(pk.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .unwrap();
            for item in out.items() {
                match item.get("SK") {
                    Some(AttributeValue::S(sk)) => keys.push(sk.clone()),
                    other => panic!("sort key {other:?}"),
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return keys,
            }
        }
    }

    /// The attribute DynamoDB's TTL is enabled on, if any (`None` on SQLite).
    pub async fn ttl_attribute(&self) -> Option<String> {
        let Self::Dynamo { client, table } = self else {
            return None;
        };
        let out = client
            .describe_time_to_live()
            .table_name(table)
            .send()
            .await
            .unwrap();
        let ttl = out.time_to_live_description()?;
        (ttl.time_to_live_status() == Some(&TimeToLiveStatus::Enabled))
            .then(|| ttl.attribute_name().map(str::to_owned))
            .flatten()
    }
}

/// An attribute value's size by DynamoDB's rules (numbers: about one byte per
/// two digits plus one; lists and maps: 3 bytes plus 1 per element).
fn attribute_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(v) => v.len(),
        AttributeValue::N(v) => v.len().div_ceil(2) + 1,
        AttributeValue::B(v) => v.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| n.len().div_ceil(2) + 1).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|x| 1 + attribute_bytes(x)).sum::<usize>(),
        AttributeValue::M(v) => {
            3 + v
                .iter()
                .map(|(k, x)| 1 + k.len() + attribute_bytes(x))
                .sum::<usize>()
        }
        _ => 0,
    }
}
