//! Integration tests: the real server on a random port, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod accounts;
mod bad_input;
mod binary;
mod browser_app;
mod files;
mod folders;
mod helpers;
mod openapi;
mod session_cookie;
