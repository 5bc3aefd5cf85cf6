//! Store metrics: latency and failures of each call, by backend and
//! operation. Recorded at the narrowest point each backend has, so nothing
//! restates the metadata store's many methods: SQLite's `run` (one per
//! `MetaStore` method), DynamoDB's calls (one per API request: `GetItem`,
//! `Query`, `TransactWriteItems`, ...), and the object stores through
//! `MeteredBlobs`, a wrapper of their five methods.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::StoreError;
use super::blob::{BlobInfo, BlobStore, ByteStream, ObjectKey};

/// Records one call that started at `started`. Only failures of the
/// backend count as errors; an answer such as "not found", "conflict" or
/// "quota exceeded" is the store doing its job.
pub(crate) fn record<T>(
    backend: &'static str,
    operation: &'static str,
    started: Instant,
    result: &Result<T, StoreError>,
) {
    crate::metrics::store_call(backend, operation, started.elapsed());
    if let Err(err) = result {
        failed(backend, operation, err);
    }
}

/// Counts `err` as a failure of `operation`, when it is one.
pub(crate) fn failed(backend: &'static str, operation: &'static str, err: &StoreError) {
    if let Some(kind) = failure_kind(err) {
        crate::metrics::store_error(backend, operation, kind);
    }
}

fn failure_kind(err: &StoreError) -> Option<&'static str> {
    match err {
        StoreError::Unavailable(_) => Some("unavailable"),
        StoreError::Missing(_) => Some("missing"),
        StoreError::ForeignSecret => Some("foreign_secret"),
        StoreError::Corrupt(_) => Some("corrupt"),
        StoreError::Backend(_) => Some("backend"),
        StoreError::NotFound
        | StoreError::Conflict(_)
        | StoreError::QuotaExceeded
        | StoreError::InvalidMove
        | StoreError::Abandoned
        | StoreError::NodeLimit
        | StoreError::InviteUnusable => None,
    }
}

/// An object store whose calls are measured as `backend`. `put` is timed
/// over the whole upload (the body streams through it), `get` until the
/// object starts to stream.
pub struct MeteredBlobs {
    inner: Arc<dyn BlobStore>,
    backend: &'static str,
}

impl MeteredBlobs {
    pub fn new(inner: Arc<dyn BlobStore>, backend: &'static str) -> Self {
        Self { inner, backend }
    }

    async fn measured<T>(
        &self,
        operation: &'static str,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let started = Instant::now();
        let result = call.await;
        record(self.backend, operation, started, &result);
        result
    }
}

#[async_trait]
impl BlobStore for MeteredBlobs {
    async fn ping(&self) -> Result<(), StoreError> {
        self.measured("ping", self.inner.ping()).await
    }

    async fn put(
        &self,
        key: &ObjectKey,
        len: Option<u64>,
        body: ByteStream,
    ) -> Result<(), StoreError> {
        self.measured("put", self.inner.put(key, len, body)).await
    }

    async fn get(
        &self,
        key: &ObjectKey,
        range: Option<(u64, u64)>,
    ) -> Result<ByteStream, StoreError> {
        self.measured("get", self.inner.get(key, range)).await
    }

    async fn delete(&self, key: &ObjectKey) -> Result<(), StoreError> {
        self.measured("delete", self.inner.delete(key)).await
    }

    async fn list(&self, older_than: OffsetDateTime) -> Result<Vec<BlobInfo>, StoreError> {
        self.measured("list", self.inner.list(older_than)).await
    }
}
