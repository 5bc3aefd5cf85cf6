//! Authentication: access JWTs that carry the wrapped UMK, rotating refresh
//! tokens, the `AuthUser` extractor, and the account operations built on them.

pub mod accounts;
pub mod cookie;
pub mod extractor;
pub mod secret;
pub mod tokens;

pub use extractor::AuthUser;
pub use secret::TokenSecret;
pub use tokens::TokenService;
