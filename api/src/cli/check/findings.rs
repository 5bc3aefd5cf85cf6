//! What the configuration alone says: the lines of what would be served, and
//! the warnings and notes that need no file, network or store.

use std::net::SocketAddr;

use super::report::{Finding, Report};
use crate::config::{BlobBackend, Config, MetaBackend, SignupPolicy};
use crate::store;

/// How the public listener speaks: the one place that knows about TLS.
pub fn tls(config: &Config) -> Tls {
    match config.tls.files() {
        None => Tls::Off,
        Some(files) => Tls::On {
            detail: format!(
                "certificate {}, key {}; reloaded on SIGHUP or when they change",
                files.cert_file.display(),
                files.key_file.display()
            ),
        },
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    Off,
    On { detail: String },
}

impl Tls {
    fn scheme(&self) -> &'static str {
        match self {
            Tls::Off => "http",
            Tls::On { .. } => "https",
        }
    }

    fn describe(&self) -> String {
        match self {
            Tls::Off => "off".to_owned(),
            Tls::On { detail } => format!("on ({detail})"),
        }
    }
}

pub fn describe(config: &Config, report: &mut Report) {
    let tls = tls(config);
    report.serves(
        "bind",
        format!("{} ({}://{}/)", config.bind, tls.scheme(), config.bind),
    );
    report.serves("tls", tls.describe());
    report.serves(
        "metrics_bind",
        match config.metrics_bind {
            Some(addr) => format!("{addr} (http://{addr}/metrics)"),
            None => "off".to_owned(),
        },
    );
    let web = match config.web_dir.join("index.html").is_file() {
        true => "the browser app",
        false => "no index.html: the API alone",
    };
    report.serves("web_dir", format!("{} ({web})", config.web_dir.display()));
    report.serves("data_dir", config.data_dir.display().to_string());
    report.serves(
        "token_secret_file",
        config.token_secret_path().display().to_string(),
    );
    let storage = &config.storage;
    let aws = &storage.aws;
    let region = aws.region.as_deref().unwrap_or("from the AWS chain");
    let endpoint = aws
        .endpoint_url
        .as_deref()
        .unwrap_or("AWS (or AWS_ENDPOINT_URL_*)");
    report.serves(
        "storage.blob",
        match storage.blob {
            BlobBackend::Fs => format!("fs at {}", store::objects_dir(config).display()),
            BlobBackend::S3 => format!(
                "s3 bucket `{}`{}, region {region}, endpoint {endpoint}",
                storage.s3.bucket,
                match storage.s3.prefix.is_empty() {
                    true => String::new(),
                    false => format!(" under `{}`", storage.s3.prefix),
                }
            ),
        },
    );
    report.serves(
        "storage.meta",
        match storage.meta {
            MetaBackend::Sqlite => format!("sqlite at {}", store::sqlite_path(config).display()),
            MetaBackend::Dynamodb => format!(
                "dynamodb table `{}`, region {region}, endpoint {endpoint}",
                storage.dynamodb.table
            ),
        },
    );
    report.serves("signup", signup(config.signup));
    report.serves(
        "trash_retention_days",
        match config.trash_retention_days {
            0 => "0 (no trash: a delete is final)".to_owned(),
            days => format!("{days} days"),
        },
    );
    report.serves("versions_kept", config.versions_kept.to_string());
    report.serves(
        "secure_cookies",
        match config.cookies_secure() {
            true => "yes (the session cookie is Secure)",
            false => "no",
        },
    );
    report.serves(
        "trusted_proxies",
        match config.trusted_proxies.is_empty() {
            true => "none".to_owned(),
            false => config
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        },
    );
    let kdf = config.kdf;
    report.serves(
        "kdf",
        format!(
            "Argon2id m={} KiB, t={}, p={}",
            kdf.memory_kib, kdf.iterations, kdf.parallelism
        ),
    );
}

fn signup(policy: SignupPolicy) -> &'static str {
    match policy {
        SignupPolicy::Open => "open (anyone may create an account)",
        SignupPolicy::Invite => "invite (with a code from `strongroom admin invite create`)",
        SignupPolicy::Closed => "closed (nobody)",
    }
}

/// Warnings and notes from the configuration alone.
///
/// The KDF needs none: the configuration's rules refuse anything below the
/// defaults, which are the OWASP recommendation (19 MiB, 2 passes), so a
/// configuration that loads is never below it.
pub fn assess(config: &Config, report: &mut Report) {
    let public = !config.bind.ip().is_loopback();
    if public && tls(config) == Tls::Off {
        match config.trusted_proxies.is_empty() {
            true => report.warn(Finding::about(
                "bind",
                format!(
                    "plain HTTP on {}, which is not a loopback address: passwords and tokens \
                     would cross the network in clear. Serve TLS, or put a TLS-terminating \
                     proxy in front and name it in `trusted_proxies`",
                    config.bind
                ),
            )),
            false => report.note(Finding::about(
                "bind",
                format!(
                    "plain HTTP on {}: only the TLS-terminating proxy in `trusted_proxies` \
                     should reach this port, and browsers should use https through it",
                    config.bind
                ),
            )),
        }
    }
    if public && config.secure_cookies == Some(false) {
        report.warn(Finding::about(
            "secure_cookies",
            "false on a server beyond loopback: browsers send the session cookie over plain \
             HTTP too",
        ));
    }
    if public && config.signup == SignupPolicy::Open {
        report.warn(Finding::about(
            "signup",
            "open on a server beyond loopback: anyone who reaches it can create an account; \
             use \"invite\" or \"closed\"",
        ));
    }
    if let Some(metrics) = config.metrics_bind {
        metrics_exposure(metrics, report);
    }
    if !config.web_dir.join("index.html").is_file() {
        report.warn(Finding::about(
            "web_dir",
            format!(
                "{} has no index.html: the API runs alone, without the browser app",
                config.web_dir.display()
            ),
        ));
    }
    let storage = &config.storage;
    if storage.uses_aws() && storage.auto_create {
        report.note(Finding::about(
            "storage.auto_create",
            "true: the server's AWS identity needs the Create* and UpdateTimeToLive \
             permissions; turn it off once the bucket and table exist",
        ));
    }
}

fn metrics_exposure(metrics: SocketAddr, report: &mut Report) {
    if metrics.ip().is_unspecified() {
        report.warn(Finding::about(
            "metrics_bind",
            format!(
                "{metrics} serves metrics on every address, without authentication; bind \
                 it to loopback or a private address only Prometheus reaches"
            ),
        ));
    } else if !metrics.ip().is_loopback() {
        report.note(Finding::about(
            "metrics_bind",
            format!("{metrics} has no authentication: make sure only Prometheus reaches it"),
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use figment::Figment;
    use figment::providers::{Format, Toml};

    use super::*;

    fn assessed(toml: &str) -> Report {
        let config = Config::from_figment(Figment::new().merge(Toml::string(toml))).unwrap();
        let mut report = Report::default();
        assess(&config, &mut report);
        report
    }

    fn keys(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().filter_map(|f| f.key).collect()
    }

    #[test]
    fn loopback_defaults_warn_only_about_the_missing_browser_app() {
        let report = assessed("web_dir = \"/nonexistent\"");
        assert_eq!(keys(&report.warnings), ["web_dir"]);
        assert!(report.notes.is_empty());
    }

    #[test]
    fn a_public_plain_http_open_server_gets_every_warning() {
        let report = assessed(
            "bind = \"0.0.0.0:8080\"\nsecure_cookies = false\nmetrics_bind = \"0.0.0.0:9100\"\nweb_dir = \"/nonexistent\"",
        );
        assert_eq!(
            keys(&report.warnings),
            [
                "bind",
                "secure_cookies",
                "signup",
                "metrics_bind",
                "web_dir"
            ]
        );
        assert!(report.warnings[0].message.contains("plain HTTP"));
    }

    #[test]
    fn behind_a_trusted_proxy_plain_http_is_a_note() {
        let report = assessed(
            "bind = \"10.0.0.2:8080\"\ntrusted_proxies = [\"10.0.0.1/32\"]\nsignup = \"invite\"\nweb_dir = \"/nonexistent\"\nmetrics_bind = \"10.0.0.2:9100\"",
        );
        assert_eq!(keys(&report.warnings), ["web_dir"]);
        assert_eq!(keys(&report.notes), ["bind", "metrics_bind"]);
    }

    #[test]
    fn the_description_names_backends_and_policies() {
        let config = Config::from_figment(Figment::new().merge(Toml::string(
            "signup = \"closed\"\ntrash_retention_days = 0\n[storage]\nblob = \"s3\"\nmeta = \"dynamodb\"\n[storage.s3]\nbucket = \"vault\"\n[storage.dynamodb]\ntable = \"records\"",
        )))
        .unwrap();
        let mut report = Report::default();
        describe(&config, &mut report);
        let line = |what: &str| {
            report
                .serves
                .iter()
                .find(|(k, _)| *k == what)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert!(line("bind").contains("http://127.0.0.1:8080/"));
        assert_eq!(line("tls"), "off");
        assert!(line("storage.blob").contains("bucket `vault`"));
        assert!(line("storage.meta").contains("table `records`"));
        assert!(line("signup").starts_with("closed"));
        assert!(line("trash_retention_days").starts_with("0 (no trash"));
    }
}
