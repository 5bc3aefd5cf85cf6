//! Types that cross the wire between the Strongroom server and its clients, and the
//! validation rules both sides apply to them. Server-only derives (OpenAPI schemas)
//! sit behind the `openapi` feature so the browser build stays lean.

pub mod account;
pub mod app_passwords;
pub mod files;
pub mod health;
pub mod problem;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod shares;
pub mod trash;
pub mod validate;

pub use account::*;
pub use app_passwords::*;
pub use files::*;
pub use health::Health;
pub use problem::{FieldError, Problem, ProblemKind, kinds};
pub use shares::*;
pub use trash::*;
