//! What the stores hold, read (and tampered with) behind the server's back,
//! whichever backends the configuration names: object keys and bytes,
//! unfinished uploads, and a dump of every byte of the metadata store.

use std::path::PathBuf;

use strongroom_api::config::{BlobBackend, Config, MetaBackend};

use super::aws::sdk_config;

pub enum Objects {
    Fs {
        root: PathBuf,
    },
    S3 {
        client: aws_sdk_s3::Client,
        bucket: String,
    },
}

impl Objects {
    pub async fn of(config: &Config) -> Self {
        match config.storage.blob {
            BlobBackend::S3 => {
                let endpoint = config
                    .storage
                    .aws
                    .endpoint_url
                    .as_deref()
                    .unwrap_or_default();
                let sdk = sdk_config(endpoint).await;
                Self::S3 {
                    client: aws_sdk_s3::Client::from_conf(
                        aws_sdk_s3::config::Builder::from(&sdk)
                            .force_path_style(true)
                            .build(),
                    ),
                    bucket: config.storage.s3.bucket.clone(),
                }
            }
            BlobBackend::Fs => Self::Fs {
                root: config.data_dir.join("objects"),
            },
        }
    }

    /// Keys of every stored object (`{user}/{object}`), sorted.
    pub async fn keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        match self {
            Self::S3 { client, bucket } => {
                let listed = client.list_objects_v2().bucket(bucket).send().await;
                let listed = listed.unwrap_or_else(|err| panic!("list objects: {err}"));
                keys.extend(
                    listed
                        .contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_owned)),
                );
            }
            Self::Fs { root } => {
                for dir in read_dir(root) {
                    let user = dir.file_name().to_string_lossy().into_owned();
                    if dir.path().is_dir() && user != ".tmp" {
                        for file in read_dir(&dir.path()) {
                            keys.push(format!("{user}/{}", file.file_name().to_string_lossy()));
                        }
                    }
                }
            }
        }
        keys.sort();
        keys
    }

    pub async fn read(&self, key: &str) -> Vec<u8> {
        match self {
            Self::S3 { client, bucket } => {
                let object = client.get_object().bucket(bucket).key(key).send().await;
                let object = object.unwrap_or_else(|err| panic!("get {key}: {err}"));
                let bytes = object.body.collect().await;
                bytes
                    .unwrap_or_else(|err| panic!("read {key}: {err}"))
                    .into_bytes()
                    .to_vec()
            }
            Self::Fs { root } => {
                std::fs::read(root.join(key)).unwrap_or_else(|err| panic!("read {key}: {err}"))
            }
        }
    }

    /// Replaces a stored object.
    pub async fn write(&self, key: &str, bytes: Vec<u8>) {
        match self {
            Self::S3 { client, bucket } => {
                let put = client.put_object().bucket(bucket).key(key);
                put.body(bytes.into())
                    .send()
                    .await
                    .unwrap_or_else(|err| panic!("put {key}: {err}"));
            }
            Self::Fs { root } => std::fs::write(root.join(key), bytes)
                .unwrap_or_else(|err| panic!("write {key}: {err}")),
        }
    }

    /// Uploads that started but neither finished nor were cleaned up.
    pub async fn unfinished_uploads(&self) -> usize {
        match self {
            Self::S3 { client, bucket } => {
                let listed = client.list_multipart_uploads().bucket(bucket).send().await;
                listed
                    .unwrap_or_else(|err| panic!("list uploads: {err}"))
                    .uploads()
                    .len()
            }
            Self::Fs { root } => read_dir(&root.join(".tmp")).len(),
        }
    }
}

/// Every byte the metadata store holds: the SQLite files, or every attribute
/// of every DynamoDB item.
pub async fn meta_dump(config: &Config) -> Vec<u8> {
    let mut dump = Vec::new();
    match config.storage.meta {
        MetaBackend::Dynamodb => {
            let client = dynamo_client(config).await;
            let scan = client
                .scan()
                .table_name(&config.storage.dynamodb.table)
                .send()
                .await
                .unwrap_or_else(|err| panic!("scan: {err}"));
            for item in scan.items() {
                for (name, value) in item {
                    dump.extend_from_slice(name.as_bytes());
                    dump_attribute(value, &mut dump);
                }
            }
        }
        MetaBackend::Sqlite => {
            for entry in read_dir(&config.data_dir) {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("strongroom.db")
                {
                    let bytes = std::fs::read(entry.path());
                    dump.extend(bytes.unwrap_or_else(|err| panic!("read the database: {err}")));
                }
            }
        }
    }
    dump
}

fn dump_attribute(value: &aws_sdk_dynamodb::types::AttributeValue, dump: &mut Vec<u8>) {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::S(s) | V::N(s) => dump.extend_from_slice(s.as_bytes()),
        V::B(b) => dump.extend_from_slice(b.as_ref()),
        V::Ss(items) | V::Ns(items) => items
            .iter()
            .for_each(|s| dump.extend_from_slice(s.as_bytes())),
        V::Bs(items) => items
            .iter()
            .for_each(|b| dump.extend_from_slice(b.as_ref())),
        V::L(items) => items.iter().for_each(|v| dump_attribute(v, dump)),
        V::M(map) => map.iter().for_each(|(k, v)| {
            dump.extend_from_slice(k.as_bytes());
            dump_attribute(v, dump);
        }),
        _ => {}
    }
}

fn read_dir(path: &std::path::Path) -> Vec<std::fs::DirEntry> {
    std::fs::read_dir(path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()))
        .flatten()
        .collect()
}

/// The fields of a file record that tie it to its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentFields {
    pub object_id: uuid::Uuid,
    pub size: u64,
    pub binding: Option<[u8; 32]>,
}

/// Rewrites a node's content fields behind the server's back, as someone who
/// can write the metadata store (but holds no key) could.
pub async fn write_content_fields(
    config: &Config,
    user: uuid::Uuid,
    node: uuid::Uuid,
    fields: ContentFields,
) {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match config.storage.meta {
        MetaBackend::Dynamodb => {
            let client = dynamo_client(config).await;
            let update = client
                .update_item()
                .table_name(&config.storage.dynamodb.table)
                .key("PK", V::S(format!("USER#{user}")))
                .key("SK", V::S(format!("NODE#{node}")))
                .expression_attribute_names("#o", "object_id")
                .expression_attribute_names("#s", "size")
                .expression_attribute_names("#b", "binding")
                .expression_attribute_values(":o", V::S(fields.object_id.to_string()))
                .expression_attribute_values(":s", V::N(fields.size.to_string()));
            let update = match fields.binding {
                Some(binding) => update
                    .update_expression("SET #o = :o, #s = :s, #b = :b")
                    .expression_attribute_values(":b", V::B(binding.to_vec().into())),
                None => update.update_expression("SET #o = :o, #s = :s REMOVE #b"),
            };
            update
                .send()
                .await
                .unwrap_or_else(|err| panic!("update node: {err}"));
        }
        MetaBackend::Sqlite => {
            let db = rusqlite::Connection::open(config.data_dir.join("strongroom.db"))
                .unwrap_or_else(|err| panic!("open the database: {err}"));
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            let changed = db
                .execute(
                    "UPDATE nodes SET object_id = ?1, size = ?2, binding = ?3 WHERE id = ?4 AND user_id = ?5",
                    rusqlite::params![
                        fields.object_id.as_bytes(),
                        i64::try_from(fields.size).unwrap(),
                        fields.binding.as_ref().map(|b| &b[..]),
                        node.as_bytes(),
                        user.as_bytes(),
                    ],
                )
                .unwrap_or_else(|err| panic!("update node: {err}"));
            assert_eq!(changed, 1, "no such node");
        }
    }
}

/// Removes a node's binding (or the root's mark) behind the server's back.
pub async fn clear_binding(config: &Config, user: uuid::Uuid, node: uuid::Uuid) {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match config.storage.meta {
        MetaBackend::Dynamodb => {
            let client = dynamo_client(config).await;
            client
                .update_item()
                .table_name(&config.storage.dynamodb.table)
                .key("PK", V::S(format!("USER#{user}")))
                .key("SK", V::S(format!("NODE#{node}")))
                .update_expression("REMOVE binding")
                .send()
                .await
                .unwrap_or_else(|err| panic!("update node: {err}"));
        }
        MetaBackend::Sqlite => {
            let db = rusqlite::Connection::open(config.data_dir.join("strongroom.db"))
                .unwrap_or_else(|err| panic!("open the database: {err}"));
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            db.execute(
                "UPDATE nodes SET binding = NULL WHERE id = ?1 AND user_id = ?2",
                rusqlite::params![node.as_bytes(), user.as_bytes()],
            )
            .unwrap_or_else(|err| panic!("update node: {err}"));
        }
    }
}

/// A DynamoDB client for the table the configuration names.
async fn dynamo_client(config: &Config) -> aws_sdk_dynamodb::Client {
    let endpoint = config
        .storage
        .aws
        .endpoint_url
        .as_deref()
        .unwrap_or_default();
    aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await)
}
