//! Where objects and records live: `storage.*`.

use serde::Deserialize;

/// Backend selection: `blob = fs | s3`, `meta = sqlite | dynamodb`.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    pub blob: BlobBackend,
    pub meta: MetaBackend,
    /// Create the bucket and table at start when missing; without it, start-up
    /// stops with a message naming what is missing.
    pub auto_create: bool,
    pub aws: AwsSettings,
    pub s3: S3Settings,
    pub dynamodb: DynamoSettings,
}

impl StorageConfig {
    /// Whether either backend is an AWS one (and the SDK is needed).
    pub fn uses_aws(&self) -> bool {
        self.blob == BlobBackend::S3 || self.meta == MetaBackend::Dynamodb
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    /// Files under `<data_dir>/objects` (the embedded default).
    #[default]
    Fs,
    /// An S3-compatible bucket (AWS S3, MinIO, R2, ...).
    S3,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetaBackend {
    /// SQLite in `<data_dir>/strongroom.db` (the embedded default).
    #[default]
    Sqlite,
    /// A DynamoDB table (single-table design).
    Dynamodb,
}

/// Shared by S3 and DynamoDB. Credentials come from the standard AWS chain
/// (environment, profile, web identity, instance metadata), never from here.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AwsSettings {
    /// e.g. `eu-central-1`; when absent, the AWS chain decides (AWS_REGION, profile).
    pub region: Option<String>,
    /// A custom endpoint for both services (MinIO, moto, DynamoDB Local, ...).
    pub endpoint_url: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    pub bucket: String,
    /// Prepended to every object key, e.g. `strongroom/`.
    pub prefix: String,
    /// Path-style addressing (`endpoint/bucket/key`), needed by MinIO and most
    /// local servers.
    pub force_path_style: bool,
    /// Objects at least this large go up as multipart uploads.
    pub multipart_threshold_bytes: u64,
    /// Size of each multipart part (S3 minimum: 5 MiB).
    pub part_size_bytes: u64,
    /// Parts uploaded at once.
    pub upload_concurrency: usize,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            bucket: "strongroom".to_owned(),
            prefix: String::new(),
            force_path_style: false,
            multipart_threshold_bytes: 16 * 1024 * 1024,
            part_size_bytes: 8 * 1024 * 1024,
            upload_concurrency: 4,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DynamoSettings {
    pub table: String,
}

impl Default for DynamoSettings {
    fn default() -> Self {
        Self {
            table: "strongroom".to_owned(),
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            blob: BlobBackend::Fs,
            meta: MetaBackend::Sqlite,
            auto_create: false,
            aws: AwsSettings::default(),
            s3: S3Settings::default(),
            dynamodb: DynamoSettings::default(),
        }
    }
}
