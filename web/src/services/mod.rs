//! Talking to the server. Pages call these; nothing else touches the network.

pub mod api;
pub mod auth;
pub mod error;
pub mod files;
pub mod paths;
pub mod session;
pub mod shares;
pub mod upload;

pub use error::ApiError;
