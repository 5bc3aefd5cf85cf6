//! Strongroom server library: the binary in `main.rs` only parses its command
//! line (`cli`), loads the configuration and runs `app::Application` or an
//! admin command. docs/architecture.md says what each module is for and what
//! may depend on what.

pub mod allocator;
pub mod app;
pub mod auth;
pub mod buffers;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod dav;
pub mod error;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod store;
pub mod tls;
pub mod vault;
