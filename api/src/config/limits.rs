//! `limits.*`: what one client, one account or one request may take, so a
//! server reachable from the internet cannot be worn down. Every limit is
//! answered with a clear problem (429 with `Retry-After`, 413, 409, 503).

use serde::Deserialize;

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Log-ins, recoveries and password changes per client address per minute.
    pub login_per_minute: u32,
    /// Sign-ups per client address per hour.
    pub signup_per_hour: u32,
    /// Refreshes per client address per minute.
    pub refresh_per_minute: u32,
    /// Requests to public share links per client address per minute.
    pub share_per_minute: u32,
    /// Password attempts at one share per minute, from any number of
    /// addresses (on one server).
    pub share_password_per_minute: u32,
    /// Wrong passwords (or recovery codes) in a row that one account takes
    /// before it is locked for a while, from any number of addresses.
    pub free_failures: u32,
    /// The first lock, in seconds; each further failure doubles it.
    pub lockout_secs: u64,
    /// The longest lock, in seconds.
    pub lockout_max_secs: u64,
    /// Requests that may wait for key work (Argon2) beyond the one per core
    /// that runs; more are answered 503 `busy`.
    pub key_work_queue: usize,
    /// Parts in one multipart upload.
    pub form_parts: usize,
    /// Folders in a path from the root.
    pub folder_depth: usize,
    /// Files and folders in one account.
    pub nodes_per_account: u64,
    /// Uploads of one account running at once (on one server).
    pub uploads_per_account: usize,
    /// Time a client has to send a request's headers, in seconds.
    pub request_header_secs: u64,
    /// Time a request body may stall between two pieces, in seconds.
    pub body_idle_secs: u64,
    /// Slowest average a body may arrive at once it has taken longer than
    /// `body_idle_secs`, in bytes per second.
    pub body_min_rate: u64,
    /// How long an idle connection is kept open, in seconds.
    pub keep_alive_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_per_minute: 30,
            signup_per_hour: 20,
            refresh_per_minute: 120,
            share_per_minute: 120,
            share_password_per_minute: 10,
            free_failures: 5,
            lockout_secs: 2,
            lockout_max_secs: 900,
            key_work_queue: 64,
            form_parts: 1000,
            folder_depth: 64,
            nodes_per_account: 1_000_000,
            uploads_per_account: 8,
            request_header_secs: 30,
            body_idle_secs: 30,
            body_min_rate: 1024,
            keep_alive_secs: 30,
        }
    }
}
