//! Talking to the server. Pages call these; nothing else touches the network.

pub mod api;
pub mod app_passwords;
pub mod auth;
pub mod error;
pub mod files;
pub mod paths;
pub mod session;
pub mod shares;
pub mod trash;
pub mod upload;
pub mod versions;

pub use error::ApiError;
