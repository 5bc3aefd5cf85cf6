//! Hooks: shared state and the effects pages reuse.

pub mod auth;
pub mod folder;
pub mod submit;

pub use auth::{Auth, AuthProvider, Session, use_auth};
pub use folder::{Folder, Load, use_folder};
pub use submit::{Submit, use_submit, use_submit_with};
