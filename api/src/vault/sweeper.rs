//! Removes objects that no committed record points at: leftovers of crashes
//! between writing an object and committing its record, and of deletions whose
//! object removal failed; purges the trash past its retention; and deletes
//! expired sessions. Runs at start-up and then periodically.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::store::{BlobStore, MetaStore, ObjectKey, StoreError};

/// Partial writes (temporary files) older than this are abandoned for sure.
const PARTIAL_WRITE_GRACE: time::Duration = time::Duration::hours(24);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub examined: usize,
    pub removed: usize,
}

/// One pass. Objects younger than `grace` are left alone: their upload may be
/// about to commit.
pub async fn sweep(
    meta: &dyn MetaStore,
    blobs: &dyn BlobStore,
    grace: time::Duration,
) -> Result<SweepReport, StoreError> {
    let now = OffsetDateTime::now_utc();
    let mut report = SweepReport::default();
    for info in blobs.list(now - PARTIAL_WRITE_GRACE).await? {
        report.examined += 1;
        if info.modified_at > now - grace {
            continue;
        }
        let (user, object) = (info.key.user_id, info.key.object_id);
        // A folder's listing snapshot lives under the folder's own id
        // (`listing_snapshot.rs`): kept while the folder's node exists.
        if !meta.object_referenced(user, object).await?
            && meta.listing_version(user, object).await?.is_none()
        {
            blobs.delete(&info.key).await?;
            report.removed += 1;
            crate::metrics::sweeper_removed("orphan", 1);
        }
    }
    Ok(report)
}

/// How many trash items one query of the sweeper takes.
const TRASH_BATCH: usize = 100;

/// Purges every item of anyone's trash deleted more than `retention` ago,
/// with its objects; returns how many items went. An object whose removal
/// fails is left to the orphan sweep.
pub async fn purge_expired_trash(
    meta: &dyn MetaStore,
    blobs: &dyn BlobStore,
    retention: time::Duration,
) -> Result<usize, StoreError> {
    let before = OffsetDateTime::now_utc() - retention;
    let mut purged = 0;
    loop {
        let batch = meta.trashed_before(before, TRASH_BATCH).await?;
        let full = batch.len() == TRASH_BATCH;
        let mut progressed = false;
        for (user, node) in batch {
            let objects = match meta.purge_node(user, node).await {
                Ok(objects) => objects,
                // Restored or purged meanwhile.
                Err(StoreError::NotFound) => continue,
                Err(err) => return Err(err),
            };
            progressed = true;
            purged += 1;
            for object_id in objects {
                match blobs.delete(&ObjectKey::new(user, object_id)).await {
                    Ok(()) => crate::metrics::sweeper_removed("trash", 1),
                    Err(err) => {
                        tracing::warn!(%object_id, error = %err, "object not deleted; the sweeper will retry");
                    }
                }
            }
        }
        if !full || !progressed {
            return Ok(purged);
        }
    }
}

/// Sweeps now and then every `interval`, for as long as the runtime lives;
/// the trash is purged after `trash_retention` (`None`: the trash is off).
pub fn spawn(
    meta: Arc<dyn MetaStore>,
    blobs: Arc<dyn BlobStore>,
    interval: Duration,
    grace: Duration,
    trash_retention: Option<time::Duration>,
) {
    let grace = time::Duration::try_from(grace).unwrap_or(time::Duration::HOUR);
    tokio::spawn(async move {
        loop {
            if let Some(retention) = trash_retention {
                purge_trash(meta.as_ref(), blobs.as_ref(), retention).await;
            }
            sweep_objects(meta.as_ref(), blobs.as_ref(), grace).await;
            sweep_sessions(meta.as_ref()).await;
            tokio::time::sleep(interval).await;
        }
    });
}

async fn purge_trash(meta: &dyn MetaStore, blobs: &dyn BlobStore, retention: time::Duration) {
    let result = purge_expired_trash(meta, blobs, retention).await;
    crate::metrics::sweeper_run("trash", result.is_ok());
    match result {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "purged trash past its retention"),
        Err(err) => tracing::warn!(error = %err, "purging the trash failed; will retry"),
    }
}

async fn sweep_objects(meta: &dyn MetaStore, blobs: &dyn BlobStore, grace: time::Duration) {
    let result = sweep(meta, blobs, grace).await;
    crate::metrics::sweeper_run("objects", result.is_ok());
    match result {
        Ok(report) if report.removed > 0 => {
            tracing::info!(
                removed = report.removed,
                examined = report.examined,
                "swept orphaned objects"
            );
        }
        Ok(_) => {}
        Err(err) => tracing::warn!(error = %err, "sweep failed; will retry"),
    }
}

/// Deletes expired sessions: reads ignore them, but they would pile up
/// (with their wrapped keys) for as long as nobody presents them again.
async fn sweep_sessions(meta: &dyn MetaStore) {
    let result = meta
        .delete_expired_sessions(OffsetDateTime::now_utc())
        .await;
    crate::metrics::sweeper_run("sessions", result.is_ok());
    match result {
        Ok(0) => {}
        Ok(deleted) => tracing::info!(deleted, "deleted expired sessions"),
        Err(err) => tracing::warn!(error = %err, "deleting expired sessions failed; will retry"),
    }
}
