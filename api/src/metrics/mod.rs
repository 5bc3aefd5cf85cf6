//! Prometheus metrics: one recording function per thing measured, so every
//! name and label is spelled here once, and no label ever carries a user id,
//! an email, a name, a path or a token (only route patterns, methods,
//! statuses, backends, operation names and fixed words).
//!
//! Recording goes through the `metrics` facade, which is process-wide like
//! the log subscriber. Without `metrics_bind` no recorder is installed and
//! every call here is a no-op; `exporter` installs the Prometheus recorder
//! and serves its text on `metrics_bind`, never on the public port.
//!
//! A leaf: anything may call these functions, and they import nothing of
//! ours. Only `exporter` knows HTTP (it is used by `app` alone).

pub mod exporter;

use std::time::Duration;

use ::metrics::{counter, gauge, histogram};

const HTTP_REQUESTS: &str = "strongroom_http_requests_total";
const HTTP_DURATION: &str = "strongroom_http_request_duration_seconds";
const UPLOADED_BYTES: &str = "strongroom_uploaded_bytes_total";
const DOWNLOADED_BYTES: &str = "strongroom_downloaded_bytes_total";
const UPLOADS_IN_FLIGHT: &str = "strongroom_uploads_in_flight";
const STORE_DURATION: &str = "strongroom_store_operation_duration_seconds";
const STORE_ERRORS: &str = "strongroom_store_errors_total";
const KEY_WORK_WAIT: &str = "strongroom_key_work_wait_seconds";
const KEY_WORK_REFUSED: &str = "strongroom_key_work_refused_total";
const SWEEPER_RUNS: &str = "strongroom_sweeper_runs_total";
const SWEEPER_REMOVED: &str = "strongroom_sweeper_objects_removed_total";
const LISTING_CACHE_HITS: &str = "strongroom_listing_cache_hits_total";
const LISTING_CACHE_MISSES: &str = "strongroom_listing_cache_misses_total";

/// One answered HTTP request. `route` is the route pattern (or a fixed word
/// such as `unmatched`), never the request's path.
pub fn http_request(method: &'static str, route: String, status: u16, elapsed: Duration) {
    let labels = [
        ("method", method.to_owned()),
        ("route", route),
        ("status", status.to_string()),
    ];
    counter!(HTTP_REQUESTS, &labels).increment(1);
    histogram!(HTTP_DURATION, &labels).record(elapsed);
}

/// Plaintext bytes received for uploads (API and WebDAV), as they arrive.
pub fn uploaded(bytes: u64) {
    counter!(UPLOADED_BYTES).increment(bytes);
}

/// Plaintext bytes handed to the HTTP layer for downloads (API, WebDAV,
/// share links and their zips), as they are decrypted.
pub fn downloaded(bytes: u64) {
    counter!(DOWNLOADED_BYTES).increment(bytes);
}

/// One running upload: counted in `strongroom_uploads_in_flight` from its
/// creation until it is dropped.
pub struct UploadInFlight(());

impl UploadInFlight {
    pub fn start() -> Self {
        gauge!(UPLOADS_IN_FLIGHT).increment(1.0);
        Self(())
    }
}

impl Drop for UploadInFlight {
    fn drop(&mut self) {
        gauge!(UPLOADS_IN_FLIGHT).decrement(1.0);
    }
}

/// One call to a store: `backend` is `sqlite`, `dynamodb`, `fs` or `s3`;
/// `operation` the unit the backend works in (see `docs/design.md`).
pub fn store_call(backend: &'static str, operation: &'static str, elapsed: Duration) {
    histogram!(STORE_DURATION, "backend" => backend, "operation" => operation).record(elapsed);
}

/// A store call that failed; `kind` says how (`unavailable`, `backend`, ...).
pub fn store_error(backend: &'static str, operation: &'static str, kind: &'static str) {
    counter!(STORE_ERRORS, "backend" => backend, "operation" => operation, "kind" => kind)
        .increment(1);
}

/// How long a piece of key work (Argon2) waited for a free core.
pub fn key_work_wait(waited: Duration) {
    histogram!(KEY_WORK_WAIT).record(waited);
}

/// Key work refused at once because its queue was full.
pub fn key_work_refused() {
    counter!(KEY_WORK_REFUSED).increment(1);
}

/// One pass of one of the sweeper's jobs (`job`: `objects`, `trash`,
/// `sessions`), and whether it finished.
pub fn sweeper_run(job: &'static str, ok: bool) {
    let result = if ok { "ok" } else { "error" };
    counter!(SWEEPER_RUNS, "job" => job, "result" => result).increment(1);
}

/// Objects the sweeper removed: `reason` is `orphan` (no record points at
/// it) or `trash` (its item's retention ended).
pub fn sweeper_removed(reason: &'static str, objects: u64) {
    counter!(SWEEPER_REMOVED, "reason" => reason).increment(objects);
}

/// One lookup in the folder listing cache.
pub fn listing_cache(hit: bool) {
    match hit {
        true => counter!(LISTING_CACHE_HITS).increment(1),
        false => counter!(LISTING_CACHE_MISSES).increment(1),
    }
}

/// Help texts, and the series without labels at zero, so that a scrape
/// shows them before their first event (a dashboard then reads 0, not
/// "no data").
fn describe() {
    use ::metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests answered, by method, route pattern and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time until the answer's head, by method, route pattern and status"
    );
    describe_counter!(UPLOADED_BYTES, Unit::Bytes, "Plaintext bytes received");
    describe_counter!(DOWNLOADED_BYTES, Unit::Bytes, "Plaintext bytes sent");
    describe_gauge!(UPLOADS_IN_FLIGHT, "Uploads running on this instance");
    describe_histogram!(
        STORE_DURATION,
        Unit::Seconds,
        "Store call latency, by backend and operation"
    );
    describe_counter!(
        STORE_ERRORS,
        "Store calls that failed, by backend, operation and kind"
    );
    describe_histogram!(
        KEY_WORK_WAIT,
        Unit::Seconds,
        "Time key work (Argon2) waited for a free core"
    );
    describe_counter!(KEY_WORK_REFUSED, "Key work refused: its queue was full");
    describe_counter!(SWEEPER_RUNS, "Sweeper passes, by job and result");
    describe_counter!(SWEEPER_REMOVED, "Objects the sweeper removed, by reason");
    describe_counter!(LISTING_CACHE_HITS, "Folder listings served from the cache");
    describe_counter!(
        LISTING_CACHE_MISSES,
        "Folder listings decrypted because the cache had no current copy"
    );
    for name in [
        UPLOADED_BYTES,
        DOWNLOADED_BYTES,
        KEY_WORK_REFUSED,
        LISTING_CACHE_HITS,
        LISTING_CACHE_MISSES,
    ] {
        counter!(name).absolute(0);
    }
    gauge!(UPLOADS_IN_FLIGHT).increment(0.0);
}
