//! Strongroom server library: the binary in `main.rs` only loads the
//! configuration and runs `app::Application`.

pub mod app;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod error;
pub mod frontend;
pub mod openapi;
pub mod routes;
pub mod security_headers;
pub mod store;
pub mod vault;
