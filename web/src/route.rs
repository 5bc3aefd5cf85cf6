//! The app's addresses. Pages and components link with these; `app.rs` maps
//! each to its page, so nothing but `app.rs` needs to know every page.

use uuid::Uuid;
use yew_router::prelude::*;

#[derive(Clone, Debug, Routable, PartialEq)]
pub enum Route {
    #[at("/")]
    Home,
    #[at("/login")]
    Login,
    #[at("/signup")]
    Signup,
    #[at("/recover")]
    Recover,
    #[at("/files")]
    Files,
    #[at("/files/:id")]
    Folder { id: Uuid },
    #[at("/account")]
    Account,
    #[not_found]
    #[at("/404")]
    NotFound,
}

impl Route {
    /// Pages for signed-out visitors; the rest need a session.
    pub fn is_public(&self) -> bool {
        matches!(
            self,
            Self::Login | Self::Signup | Self::Recover | Self::NotFound
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_links_resolve_to_pages() {
        let id = Uuid::from_u128(7);
        assert_eq!(
            Route::recognize(&format!("/files/{id}")),
            Some(Route::Folder { id })
        );
        assert_eq!(Route::recognize("/files"), Some(Route::Files));
        assert_eq!(Route::recognize("/account"), Some(Route::Account));
        assert_eq!(Route::recognize("/files/not-a-uuid"), Some(Route::NotFound));
        assert_eq!(Route::recognize("/nowhere"), Some(Route::NotFound));
        assert_eq!(Route::Folder { id }.to_path(), format!("/files/{id}"));
    }

    #[test]
    fn only_the_log_in_pages_are_public() {
        assert!(
            Route::Login.is_public() && Route::Signup.is_public() && Route::Recover.is_public()
        );
        assert!(!Route::Files.is_public());
        assert!(!Route::Account.is_public());
        assert!(!Route::Folder { id: Uuid::nil() }.is_public());
    }
}
