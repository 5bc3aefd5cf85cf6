//! Strongroom server library: the binary in `main.rs` only loads the
//! configuration and runs `app::Application`. docs/architecture.md says what
//! each module is for and what may depend on what.

pub mod app;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod error;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod state;
pub mod store;
pub mod vault;
