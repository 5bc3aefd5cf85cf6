//! Integration tests: the real server on a random port, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod abuse;
mod accounts;
mod app_passwords;
mod bad_input;
mod binary;
mod browser_app;
mod dav;
mod dav_clients;
mod dav_writes;
mod files;
mod folder_shares;
mod folders;
mod hardening;
mod helpers;
mod integrity;
mod limits;
mod listing;
mod metrics;
mod openapi;
mod passwords;
mod pki;
mod proxy;
mod session_cookie;
mod sessions;
mod shares;
mod tls;
mod trash;
mod versions;
