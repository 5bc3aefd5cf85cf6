//! The rules a configuration must meet beyond its types; each failure names
//! its key.

use std::net::SocketAddr;

use super::{BlobBackend, Config, ConfigError, MetaBackend};
use crate::crypto::keys::KdfParams;

impl Config {
    pub(super) fn check(&self) -> Result<(), ConfigError> {
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
        if self.session_max_age_secs < self.access_token_ttl_secs {
            return rule(
                "session_max_age_secs",
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
        if self.trash_retention_days > 3650 {
            return rule(
                "trash_retention_days",
                "must be at most 3650 (0 turns the trash off)".to_owned(),
            );
        }
        // A DynamoDB node item carries its versions: 100 stay far below its
        // 400 KB limit.
        if self.versions_kept > 100 {
            return rule("versions_kept", "must be at most 100".to_owned());
        }
        // Far more than any server here has to spare; a typo, not a wish.
        if self.listing_cache_bytes > 16 * 1024 * 1024 * 1024 {
            return rule(
                "listing_cache_bytes",
                "must be at most 17179869184 (16 GiB; 0 turns the cache off)".to_owned(),
            );
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
        if self.data_dir.as_os_str().is_empty() {
            return rule("data_dir", "must not be empty".to_owned());
        }
        if let Some(metrics) = self.metrics_bind
            && overlaps(metrics, self.bind)
        {
            return rule(
                "metrics_bind",
                format!(
                    "must not be the public address ({}): metrics are for the operator only",
                    self.bind
                ),
            );
        }
        self.tls.check()?;
        self.check_storage()?;
        self.check_limits()
    }

    fn check_storage(&self) -> Result<(), ConfigError> {
        let rule = |key, reason: String| Err(ConfigError::Rule { key, reason });
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
        Ok(())
    }

    fn check_limits(&self) -> Result<(), ConfigError> {
        let rule = |key, reason: &str| {
            Err(ConfigError::Rule {
                key,
                reason: reason.to_owned(),
            })
        };
        let l = &self.limits;
        let positive = [
            ("limits.login_per_minute", u64::from(l.login_per_minute)),
            ("limits.share_per_minute", u64::from(l.share_per_minute)),
            (
                "limits.share_password_per_minute",
                u64::from(l.share_password_per_minute),
            ),
            ("limits.signup_per_hour", u64::from(l.signup_per_hour)),
            ("limits.refresh_per_minute", u64::from(l.refresh_per_minute)),
            ("limits.lockout_secs", l.lockout_secs),
            ("limits.form_parts", l.form_parts as u64),
            ("limits.folder_depth", l.folder_depth as u64),
            ("limits.nodes_per_account", l.nodes_per_account),
            ("limits.uploads_per_account", l.uploads_per_account as u64),
            ("limits.request_header_secs", l.request_header_secs),
            ("limits.body_idle_secs", l.body_idle_secs),
            ("limits.keep_alive_secs", l.keep_alive_secs),
        ];
        for (key, value) in positive {
            if value == 0 {
                return rule(key, "must be at least 1");
            }
        }
        if l.lockout_max_secs < l.lockout_secs {
            return rule(
                "limits.lockout_max_secs",
                "must not be below limits.lockout_secs",
            );
        }
        Ok(())
    }
}

/// Whether two listening addresses would take the same port: the same port
/// (not 0, which picks a free one) on the same address or on a wildcard.
fn overlaps(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() != 0
        && a.port() == b.port()
        && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
}
