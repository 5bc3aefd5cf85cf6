//! Configuration: defaults, then an optional TOML file, then `STRONGROOM_*`
//! environment variables (nested keys joined by `__`). Loaded once at start-up;
//! a bad value stops the server with a message naming the key.

use std::net::SocketAddr;

use ipnet::IpNet;
use std::path::PathBuf;
pub use strongroom_shared::SignupPolicy;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;

use crate::crypto::keys::KdfParams;

mod check;
mod limits;
mod storage;
mod tls;

pub use limits::Limits;
pub use storage::{
    AwsSettings, BlobBackend, DynamoSettings, MetaBackend, S3Settings, StorageConfig,
};
pub use tls::{TlsConfig, TlsFiles};

/// Environment variable naming the TOML file; without it `strongroom.toml` in the
/// working directory is read when present.
pub const CONFIG_FILE_ENV: &str = "STRONGROOM_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "strongroom.toml";

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Where to serve Prometheus metrics at `/metrics` (e.g.
    /// `127.0.0.1:9100`); unset, there are none. Never the public address:
    /// the text tells anyone who reads it how the server is used.
    pub metrics_bind: Option<SocketAddr>,
    /// Folder for the embedded database, the stored objects and the token secret.
    pub data_dir: PathBuf,
    /// File holding the 32-byte token secret; generated on first start when absent.
    /// Defaults to `<data_dir>/token_secret`.
    pub token_secret_file: Option<PathBuf>,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token (a session) without use, in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Absolute lifetime of a session from its log-in, in seconds: refreshes
    /// slide the idle lifetime, never past this.
    pub session_max_age_secs: u64,
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
    /// Days a deleted file or folder stays in the trash before the sweeper
    /// purges it; `0` turns the trash off (a delete is final at once).
    pub trash_retention_days: u32,
    /// Earlier contents kept per file when it is overwritten, oldest purged
    /// first; `0` keeps none.
    pub versions_kept: usize,
    /// Memory for folder listings kept decrypted and sorted between
    /// requests (paging through a big folder decrypts it once), in bytes,
    /// over all users; `0` keeps none.
    pub listing_cache_bytes: u64,
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
    /// HTTPS on `bind` (certificate and key files); unset, plain HTTP.
    pub tls: TlsConfig,
    /// Mark the session cookie `Secure`. Unset: `Secure` unless the server
    /// listens on a loopback address (where plain `http://127.0.0.1` must
    /// work); `false` opts out explicitly. With `tls` on it is always
    /// `Secure`: every answer goes over HTTPS.
    pub secure_cookies: Option<bool>,
    /// Who may create accounts: anyone, holders of an invite, or nobody.
    pub signup: SignupPolicy,
    /// Proxies whose `X-Forwarded-For` names the client (CIDR ranges, e.g.
    /// `["127.0.0.1/32"]`); from anyone else the socket's address counts.
    pub trusted_proxies: Vec<IpNet>,
    /// What one client, one account or one request may take.
    pub limits: Limits,
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
            metrics_bind: None,
            data_dir: PathBuf::from("data"),
            token_secret_file: None,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            session_max_age_secs: 90 * 24 * 3600,
            default_quota_bytes: 10 * 1024 * 1024 * 1024,
            max_upload_bytes: 10 * 1024 * 1024 * 1024,
            sweep_interval_secs: 3600,
            sweep_grace_secs: 3600,
            download_url_ttl_secs: 60,
            trash_retention_days: 30,
            versions_kept: 10,
            listing_cache_bytes: 64 * 1024 * 1024,
            json_limit_bytes: 64 * 1024,
            kdf: KdfConfig::default(),
            log: "info".to_owned(),
            storage: StorageConfig::default(),
            web_dir: PathBuf::from("web/dist"),
            tls: TlsConfig::default(),
            secure_cookies: None,
            signup: SignupPolicy::Open,
            trusted_proxies: Vec::new(),
            limits: Limits::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    // Spelled out so that adding a secret-bearing field later is a conscious choice.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("data_dir", &self.data_dir)
            .field("token_secret_file", &self.token_secret_file)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_secs", &self.refresh_token_ttl_secs)
            .field("session_max_age_secs", &self.session_max_age_secs)
            .field("default_quota_bytes", &self.default_quota_bytes)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field("sweep_interval_secs", &self.sweep_interval_secs)
            .field("sweep_grace_secs", &self.sweep_grace_secs)
            .field("download_url_ttl_secs", &self.download_url_ttl_secs)
            .field("trash_retention_days", &self.trash_retention_days)
            .field("versions_kept", &self.versions_kept)
            .field("listing_cache_bytes", &self.listing_cache_bytes)
            .field("json_limit_bytes", &self.json_limit_bytes)
            .field("kdf", &self.kdf)
            .field("log", &self.log)
            .field("storage", &self.storage)
            .field("web_dir", &self.web_dir)
            .field("tls", &self.tls)
            .field("secure_cookies", &self.secure_cookies)
            .field("signup", &self.signup)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("limits", &self.limits)
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

    /// Whether the session cookie is `Secure` (see `secure_cookies`).
    pub fn cookies_secure(&self) -> bool {
        self.tls.enabled()
            || self
                .secure_cookies
                .unwrap_or_else(|| !self.bind.ip().is_loopback())
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
        // On loopback, plain http://127.0.0.1 works: no `Secure` cookie.
        assert!(!config.cookies_secure());
        assert_eq!(config.signup, SignupPolicy::Open);
    }

    #[test]
    fn cookies_are_secure_beyond_loopback_unless_opted_out() {
        let public = from_toml("bind = \"0.0.0.0:8080\"").unwrap();
        assert!(public.cookies_secure());
        let opted_out = from_toml("bind = \"0.0.0.0:8080\"\nsecure_cookies = false").unwrap();
        assert!(!opted_out.cookies_secure());
        let forced = from_toml("secure_cookies = true").unwrap();
        assert!(forced.cookies_secure());
    }

    #[test]
    fn the_listing_cache_budget_is_read_and_checked() {
        assert_eq!(from_toml("").unwrap().listing_cache_bytes, 64 * 1024 * 1024);
        assert_eq!(
            from_toml("listing_cache_bytes = 0")
                .unwrap()
                .listing_cache_bytes,
            0
        );
        for toml in [
            "listing_cache_bytes = 17179869185",
            "listing_cache_bytes = -1",
        ] {
            let err = from_toml(toml).unwrap_err().to_string();
            assert!(err.contains("listing_cache_bytes"), "{toml}: {err}");
        }
    }

    #[test]
    fn trash_and_versions_are_read_and_checked() {
        let defaults = from_toml("").unwrap();
        assert_eq!(
            (defaults.trash_retention_days, defaults.versions_kept),
            (30, 10)
        );
        let off = from_toml("trash_retention_days = 0\nversions_kept = 0").unwrap();
        assert_eq!((off.trash_retention_days, off.versions_kept), (0, 0));
        for (toml, key) in [
            ("trash_retention_days = 3651", "trash_retention_days"),
            ("trash_retention_days = -1", "trash_retention_days"),
            ("versions_kept = 101", "versions_kept"),
        ] {
            let err = from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }

    #[test]
    fn limits_policy_and_proxies_are_read_and_checked() {
        let config = from_toml(
            "signup = \"invite\"\ntrusted_proxies = [\"10.0.0.0/8\", \"::1/128\"]\n[limits]\nlogin_per_minute = 3",
        )
        .unwrap();
        assert_eq!(config.signup, SignupPolicy::Invite);
        assert_eq!(config.trusted_proxies.len(), 2);
        assert_eq!(config.limits.login_per_minute, 3);
        for (toml, key) in [
            ("signup = \"maybe\"", "signup"),
            ("trusted_proxies = [\"not a net\"]", "trusted_proxies"),
            ("[limits]\nform_parts = 0", "limits.form_parts"),
            (
                "[limits]\nlockout_secs = 10\nlockout_max_secs = 5",
                "limits.lockout_max_secs",
            ),
            ("[limits]\nfast = 1", "fast"),
        ] {
            let err = from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
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

    #[test]
    fn metrics_are_off_by_default_and_never_on_the_public_address() {
        assert_eq!(from_toml("").unwrap().metrics_bind, None);
        let config = from_toml("metrics_bind = \"127.0.0.1:9100\"").unwrap();
        assert_eq!(config.metrics_bind, Some("127.0.0.1:9100".parse().unwrap()));
        // Port 0 on both: each gets a port of its own (the tests do this).
        let config = from_toml("bind = \"127.0.0.1:0\"\nmetrics_bind = \"127.0.0.1:0\"").unwrap();
        assert!(config.metrics_bind.is_some());
        for toml in [
            "metrics_bind = \"127.0.0.1:8080\"",
            "bind = \"0.0.0.0:8080\"\nmetrics_bind = \"127.0.0.1:8080\"",
            "metrics_bind = \"0.0.0.0:8080\"",
            "metrics_bind = \"[::]:8080\"",
        ] {
            let err = from_toml(toml).unwrap_err().to_string();
            assert!(err.contains("metrics_bind"), "{toml}: {err}");
        }
        let err = from_toml("metrics_bind = \"nowhere\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("metrics_bind"), "{err}");
    }

    #[test]
    fn tls_is_off_by_default_and_needs_both_files() {
        let config = from_toml("").unwrap();
        assert!(!config.tls.enabled());
        assert_eq!(config.tls.reload_check_secs, 10);
        let config = from_toml(
            "[tls]\ncert_file = \"/etc/sr/fullchain.pem\"\nkey_file = \"/etc/sr/privkey.pem\"",
        )
        .unwrap();
        assert_eq!(
            config.tls.files(),
            Some(TlsFiles {
                cert_file: PathBuf::from("/etc/sr/fullchain.pem"),
                key_file: PathBuf::from("/etc/sr/privkey.pem"),
            })
        );
        for (toml, key) in [
            ("[tls]\ncert_file = \"c.pem\"", "tls.key_file"),
            ("[tls]\nkey_file = \"k.pem\"", "tls.cert_file"),
            (
                "[tls]\ncert_file = \"\"\nkey_file = \"k.pem\"",
                "tls.cert_file",
            ),
            (
                "[tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"\nreload_check_secs = 0",
                "tls.reload_check_secs",
            ),
            ("[tls]\ncertificate = \"c.pem\"", "certificate"),
        ] {
            let err = from_toml(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{toml}: {err}");
        }
    }

    #[test]
    // figment's own signature: its error type is large, and only a test's.
    #[allow(clippy::result_large_err)]
    fn tls_keys_come_from_the_environment_too() {
        figment::Jail::expect_with(|jail| {
            // Only this test's variables: the test command itself exports
            // STRONGROOM_TEST_* (restored when the jail ends).
            jail.clear_env();
            jail.set_env("STRONGROOM_TLS__CERT_FILE", "/run/secrets/tls.crt");
            jail.set_env("STRONGROOM_TLS__KEY_FILE", "/run/secrets/tls.key");
            let config = Config::load().map_err(|err| err.to_string())?;
            assert_eq!(
                config.tls.cert_file.as_deref(),
                Some(std::path::Path::new("/run/secrets/tls.crt"))
            );
            assert!(config.tls.enabled());
            Ok(())
        });
    }

    #[test]
    fn tls_makes_cookies_secure_even_on_loopback() {
        let files = "[tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"";
        assert!(from_toml(files).unwrap().cookies_secure());
        let opted_out = from_toml(&format!("secure_cookies = false\n{files}")).unwrap();
        assert!(opted_out.cookies_secure());
    }

    #[test]
    fn sessions_have_an_absolute_lifetime() {
        let config = from_toml("").unwrap();
        assert_eq!(config.session_max_age_secs, 90 * 24 * 3600);
        let config = from_toml("session_max_age_secs = 3600").unwrap();
        assert_eq!(config.session_max_age_secs, 3600);
        let err = from_toml("session_max_age_secs = 30")
            .unwrap_err()
            .to_string();
        assert!(err.contains("session_max_age_secs"), "{err}");
    }
}
