//! Hooks: shared state and the effects pages reuse.

pub mod auth;

pub use auth::{Auth, AuthProvider, Session, use_auth};
