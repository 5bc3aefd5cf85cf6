//! Configuration: defaults, then an optional TOML file, then `STRONGROOM_*`
//! environment variables (nested keys joined by `__`). Loaded once at start-up;
//! a bad value stops the server with a message naming the key.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

use crate::crypto::keys::KdfParams;

/// Environment variable naming the TOML file; without it `strongroom.toml` in the
/// working directory is read when present.
pub const CONFIG_FILE_ENV: &str = "STRONGROOM_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "strongroom.toml";

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Folder for the embedded database, the stored objects and the token secret.
    pub data_dir: PathBuf,
    /// File holding the 32-byte token secret; generated on first start when absent.
    /// Defaults to `<data_dir>/token_secret`.
    pub token_secret_file: Option<PathBuf>,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token (a session) without use, in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Storage quota given to new accounts, in bytes.
    pub default_quota_bytes: u64,
    /// Largest single file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// How often the sweeper looks for objects without a record, in seconds.
    pub sweep_interval_secs: u64,
    /// Objects younger than this are never swept (an upload may be committing).
    pub sweep_grace_secs: u64,
    /// Lifetime of a download URL, in seconds.
    pub download_url_ttl_secs: u64,
    /// Largest JSON request body accepted, in bytes.
    pub json_limit_bytes: usize,
    /// Argon2id cost for password hashes and key derivation.
    pub kdf: KdfConfig,
    /// `tracing` filter, e.g. `info` or `strongroom_api=debug`.
    pub log: String,
    /// Where objects and records live.
    pub storage: StorageConfig,
    /// The built browser app (trunk's `dist`), served on the API's port.
    pub web_dir: PathBuf,
    /// Mark the session cookie `Secure`. Off by default so that plain
    /// `http://127.0.0.1` works; turn it on whenever browsers reach the server
    /// over HTTPS (usually through a TLS proxy).
    pub secure_cookies: bool,
}

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

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KdfConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for KdfConfig {
    fn default() -> Self {
        let d = KdfParams::DEFAULT;
        Self {
            memory_kib: d.m_kib,
            iterations: d.t,
            parallelism: d.p,
        }
    }
}

impl KdfConfig {
    pub fn params(&self) -> KdfParams {
        KdfParams {
            m_kib: self.memory_kib,
            t: self.iterations,
            p: self.parallelism,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            token_secret_file: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            default_quota_bytes: 10 * 1024 * 1024 * 1024,
            max_upload_bytes: 10 * 1024 * 1024 * 1024,
            sweep_interval_secs: 3600,
            sweep_grace_secs: 3600,
            download_url_ttl_secs: 60,
            json_limit_bytes: 64 * 1024,
            kdf: KdfConfig::default(),
            log: "info".to_owned(),
            storage: StorageConfig::default(),
            web_dir: PathBuf::from("web/dist"),
            secure_cookies: false,
        }
    }
}

impl std::fmt::Debug for Config {
    // Spelled out so that adding a secret-bearing field later is a conscious choice.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("token_secret_file", &self.token_secret_file)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field("default_quota_bytes", &self.default_quota_bytes)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("sweep_interval_secs", &self.sweep_interval_secs)
            .field("sweep_grace_secs", &self.sweep_grace_secs)
            .field("download_url_ttl_secs", &self.download_url_ttl_secs)
            .field("json_limit_bytes", &self.json_limit_bytes)
            .field("kdf", &self.kdf)
            .field("log", &self.log)
            .field("storage", &self.storage)
            .field("web_dir", &self.web_dir)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
    #[error("configuration: `{key}` {reason}")]
    Rule { key: &'static str, reason: String },
}

impl Config {
    /// Loads from the environment of this process (and the file it names).
    pub fn load() -> Result<Self, ConfigError> {
        let file = match std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from) {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::Invalid(format!(
                    "{CONFIG_FILE_ENV} names {} but there is no such file",
                    path.display()
                )));
            }
            Some(path) => Some(path),
            None => Some(PathBuf::from(DEFAULT_CONFIG_FILE)).filter(|path| path.is_file()),
        };
        let mut figment = Figment::new();
        if let Some(path) = file {
            figment = figment.merge(Toml::file_exact(path));
        }
        let env = Env::prefixed("STRONGROOM_").ignore(&["config"]).split("__");
        Self::from_figment(figment.merge(env))
    }

    /// Extracts and checks a configuration; `load` feeds it the real sources,
    /// tests feed it strings.
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment
            .extract()
            .map_err(|err| ConfigError::Invalid(describe(err)))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let min = KdfParams::DEFAULT;
        let rule = |key, reason: String| Err(ConfigError::Rule { key, reason });
        if self.kdf.memory_kib < min.m_kib {
            return rule(
                "kdf.memory_kib",
                format!("must be at least {} (OWASP minimum)", min.m_kib),
            );
        }
        if self.kdf.iterations < min.t {
            return rule("kdf.iterations", format!("must be at least {}", min.t));
        }
        if !(1..=16).contains(&self.kdf.parallelism) {
            return rule("kdf.parallelism", "must be between 1 and 16".to_owned());
        }
        if !(60..=24 * 3600).contains(&self.access_token_ttl_secs) {
            return rule(
                "access_token_ttl_secs",
                "must be between 60 and 86400".to_owned(),
            );
        }
        if self.refresh_token_ttl_secs < self.access_token_ttl_secs {
            return rule(
                "refresh_token_ttl_secs",
                "must not be shorter than access_token_ttl_secs".to_owned(),
            );
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.json_limit_bytes) {
            return rule(
                "json_limit_bytes",
                "must be between 1024 and 16777216".to_owned(),
            );
        }
        if self.max_upload_bytes == 0 {
            return rule("max_upload_bytes", "must be more than 0".to_owned());
        }
        if self.sweep_interval_secs < 1 {
            return rule("sweep_interval_secs", "must be at least 1".to_owned());
        }
        if !(5..=3600).contains(&self.download_url_ttl_secs) {
            return rule(
                "download_url_ttl_secs",
                "must be between 5 and 3600".to_owned(),
            );
        }
        let s3 = &self.storage.s3;
        if s3.part_size_bytes < 5 * 1024 * 1024 {
            return rule(
                "storage.s3.part_size_bytes",
                "must be at least 5 MiB (5242880), the S3 minimum".to_owned(),
            );
        }
        if s3.multipart_threshold_bytes < s3.part_size_bytes {
            return rule(
                "storage.s3.multipart_threshold_bytes",
                "must not be below storage.s3.part_size_bytes".to_owned(),
            );
        }
        if !(1..=64).contains(&s3.upload_concurrency) {
            return rule(
                "storage.s3.upload_concurrency",
                "must be between 1 and 64".to_owned(),
            );
        }
        if self.storage.blob == BlobBackend::S3 && s3.bucket.trim().is_empty() {
            return rule(
                "storage.s3.bucket",
                "must name a bucket when storage.blob = \"s3\"".to_owned(),
            );
        }
        if self.storage.meta == MetaBackend::Dynamodb
            && self.storage.dynamodb.table.trim().is_empty()
        {
            return rule(
                "storage.dynamodb.table",
                "must name a table when storage.meta = \"dynamodb\"".to_owned(),
            );
        }
        if self.data_dir.as_os_str().is_empty() {
            return rule("data_dir", "must not be empty".to_owned());
        }
        Ok(())
    }

    pub fn token_secret_path(&self) -> PathBuf {
        self.token_secret_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("token_secret"))
    }
}

/// One line per problem: the key in config-file spelling, where the value came
/// from, and what is wrong with it.
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let from = e
                .metadata
                .as_ref()
                .map(|m| format!(" (from {})", m.name))
                .unwrap_or_default();
            if key.is_empty() {
                format!("{}{from}", e.kind)
            } else {
                format!("`{key}`{from}: {}", e.kind)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn from_toml(toml: &str) -> Result<Config, ConfigError> {
        Config::from_figment(Figment::new().merge(Toml::string(toml)))
    }

    #[test]
    fn zero_configuration_works() {
        let config = from_toml("").unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert_eq!(
            config.token_secret_path(),
            PathBuf::from("data/token_secret")
        );
        assert_eq!(config.web_dir, PathBuf::from("web/dist"));
        assert!(!config.secure_cookies);
    }

    #[test]
    fn errors_name_the_key() {
        let err = from_toml("bind = \"not an address\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bind"), "{err}");
        let err = from_toml("colour = \"blue\"").unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        let err = from_toml("[kdf]\nmemory_kib = 1024")
            .unwrap_err()
            .to_string();
        assert!(err.contains("kdf.memory_kib"), "{err}");
        let err = from_toml("access_token_ttl_secs = 5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("access_token_ttl_secs"), "{err}");
    }
}
