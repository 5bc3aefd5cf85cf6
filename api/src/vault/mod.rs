//! The vault: files and folders of the signed-in user. Plain async functions
//! over the app state; the HTTP layer in `routes` only extracts and answers.

pub mod download;
pub mod links;
pub mod names;
pub mod sweeper;
pub mod tree;
pub mod upload;

pub use names::Names;
