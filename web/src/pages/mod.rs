//! One component per page; each owns its state.

pub mod account;
pub mod files;
pub mod login;
pub mod not_found;
pub mod public_share;
pub mod recover;
pub mod shared;
pub mod signup;
pub mod trash;
