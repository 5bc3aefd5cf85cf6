//! Accounts as the versions before sealed emails stored them, written behind
//! the store's back: the SQLite schema of steps 1 to 3 (`user_version` 3), and
//! DynamoDB items with `email` and `display_name` in clear, claimed by email.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use rusqlite::params;
use strongroom_api::store::meta::UserRecord;
use uuid::Uuid;

/// A version-3 database with one account, its root folder (made by step 2
/// as it was) and, when given, one session of it.
pub fn write_sqlite_v3(path: &std::path::Path, user: &UserRecord, session: Option<Uuid>) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/001_accounts.sql"))
        .unwrap();
    let keys = &user.keys;
    conn.execute(
        "INSERT INTO users (id, email, display_name, password_hash, kek_salt, kek_params,
             wrapped_umk, recovery_salt, recovery_params, recovery_wrapped_umk, quota_bytes,
             used_bytes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12)",
        params![
            user.id.as_bytes(),
            user.email,
            user.display_name,
            user.password_hash,
            &keys.kek_salt[..],
            keys.kek_params,
            keys.wrapped_umk,
            &keys.recovery_salt[..],
            keys.recovery_params,
            keys.recovery_wrapped_umk,
            i64::try_from(user.quota_bytes).unwrap(),
            user.created_at.unix_timestamp(),
        ],
    )
    .unwrap();
    if let Some(session) = session {
        conn.execute(
            "INSERT INTO sessions (id, user_id, secret_hash, wrapped_umk, created_at, expires_at)
             VALUES (?1, ?2, ?3, x'00', 0, ?4)",
            params![
                session.as_bytes(),
                user.id.as_bytes(),
                &[3u8; 32][..],
                user.created_at.unix_timestamp() + 86_400
            ],
        )
        .unwrap();
    }
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/002_nodes.sql"))
        .unwrap();
    conn.execute_batch(include_str!("../../src/store/meta/sqlite/003_limits.sql"))
        .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
}

/// The profile, email claim and root folder of `user` as raw `PutItem`s.
pub async fn put_dynamo_items(client: &aws_sdk_dynamodb::Client, table: &str, user: &UserRecord) {
    for item in dynamo_items(user) {
        let put = client.put_item().table_name(table);
        let put = item.into_iter().fold(put, |p, (k, v)| p.item(k, v));
        put.send().await.unwrap();
    }
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn b(bytes: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(bytes.to_vec()))
}

fn dynamo_items(user: &UserRecord) -> Vec<Vec<(&'static str, AttributeValue)>> {
    let id = user.id.to_string();
    let created = user.created_at.unix_timestamp();
    let keys = &user.keys;
    let mut profile = vec![
        ("PK", s(format!("USER#{id}"))),
        ("SK", s("PROFILE")),
        ("type", s("user")),
        ("id", s(&id)),
        ("email", s(&user.email)),
        ("password_hash", s(&user.password_hash)),
        ("kek_salt", b(&keys.kek_salt)),
        ("kek_params", s(&keys.kek_params)),
        ("wrapped_umk", b(&keys.wrapped_umk)),
        ("recovery_salt", b(&keys.recovery_salt)),
        ("recovery_params", s(&keys.recovery_params)),
        ("recovery_wrapped_umk", b(&keys.recovery_wrapped_umk)),
        ("quota_bytes", n(user.quota_bytes)),
        ("used_bytes", n(0)),
        ("remaining", n(user.quota_bytes)),
        ("created_at", n(created)),
    ];
    if let Some(name) = &user.display_name {
        profile.push(("display_name", s(name)));
    }
    vec![
        profile,
        vec![
            ("PK", s(format!("EMAIL#{}", user.email))),
            ("SK", s("EMAIL")),
            ("type", s("email")),
            ("user_id", s(&id)),
        ],
        vec![
            ("PK", s(format!("USER#{id}"))),
            ("SK", s(format!("NODE#{id}"))),
            ("type", s("node")),
            ("id", s(&id)),
            ("user_id", s(&id)),
            ("kind", s("folder")),
            ("name_ct", b(&[])),
            ("name_mac", b(&[0; 32])),
            ("size", n(0)),
            ("created_at", n(created)),
            ("modified_at", n(created)),
        ],
    ]
}

/// A bare table with the store's key schema, as an earlier version made it.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, table: &str) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .send()
        .await
        .unwrap();
}
