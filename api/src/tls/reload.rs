//! Certificate renewal without a restart: the files are loaded again on
//! SIGHUP (certbot's deploy hook, `systemctl reload`) and whenever their
//! modification time or size changes (checked every `tls.reload_check_secs`:
//! a mounted Kubernetes secret or a renewal with no hook). A reload that
//! fails keeps the certificate in use and logs a warning; the next change
//! tries again.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{CertSlot, load};
use crate::config::TlsFiles;

/// What the files look like from outside: modification time and size of
/// each (following symbolic links, as certbot's `live/` and mounted secrets
/// use them). A change of either means "load again".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp(Vec<Option<(SystemTime, u64)>>);

impl Stamp {
    pub fn of(files: &TlsFiles) -> Self {
        Self(
            [&files.cert_file, &files.key_file]
                .into_iter()
                .map(|path| {
                    let meta = std::fs::metadata(path).ok()?;
                    Some((meta.modified().ok()?, meta.len()))
                })
                .collect(),
        )
    }
}

/// Loads the files into `slot`; on failure the slot keeps what it holds.
/// Returns whether the new certificate is in use.
pub fn reload_into(slot: &CertSlot, files: &TlsFiles, why: &str) -> bool {
    match load(files) {
        Ok(key) => {
            slot.replace(key);
            tracing::info!(trigger = why, "TLS certificate reloaded");
            true
        }
        Err(err) => {
            tracing::warn!(
                trigger = why,
                "TLS certificate reload failed; the one in use stays: {err}"
            );
            false
        }
    }
}

/// Watches the files for the life of the runtime. The SIGHUP handler is
/// installed before this returns, so a signal sent once the server is up
/// reloads rather than ending the process.
pub fn spawn_reloader(slot: Arc<CertSlot>, files: TlsFiles, check_every: Duration) {
    let hangups = hangups();
    tokio::spawn(async move {
        let mut hangups = hangups;
        let files = Arc::new(files);
        let mut seen = stamp(&files).await;
        let mut every = tokio::time::interval(check_every);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        every.tick().await;
        loop {
            let why = tokio::select! {
                _ = every.tick() => "file change",
                () = next_hangup(&mut hangups) => "SIGHUP",
            };
            // Stamped before reading: a write that lands during the load
            // shows as a change at the next check.
            let now = stamp(&files).await;
            if why == "file change" && now == seen {
                continue;
            }
            seen = now;
            // File reads: off the server's threads.
            let (slot, files) = (slot.clone(), files.clone());
            let _ = tokio::task::spawn_blocking(move || reload_into(&slot, &files, why)).await;
        }
    });
}

/// `Stamp::of` on the blocking pool (file metadata is blocking I/O); a
/// failed task reads as "no files", which the next check corrects.
async fn stamp(files: &Arc<TlsFiles>) -> Stamp {
    let files = files.clone();
    tokio::task::spawn_blocking(move || Stamp::of(&files))
        .await
        .unwrap_or(Stamp(Vec::new()))
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = Option<()>;

#[cfg(unix)]
fn hangups() -> Hangups {
    use tokio::signal::unix::{SignalKind, signal};
    signal(SignalKind::hangup())
        .inspect_err(|err| {
            tracing::warn!("no SIGHUP reload ({err}); certificate files are still watched");
        })
        .ok()
}

#[cfg(not(unix))]
fn hangups() -> Hangups {
    None
}

/// The next SIGHUP; never, without a handler.
async fn next_hangup(hangups: &mut Hangups) {
    #[cfg(unix)]
    if let Some(signal) = hangups
        && signal.recv().await.is_some()
    {
        return;
    }
    let _ = hangups;
    std::future::pending::<()>().await
}
