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
    /// The caller's share links.
    #[at("/shared")]
    Shared,
    /// Deleted files and folders, until restored or purged.
    #[at("/trash")]
    Trash,
    /// A share link's public page (`SHARE_PAGE_PREFIX` + token).
    #[at("/s/:token")]
    Share { token: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// Who a page is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Needs a session: signed-out visitors are sent to log in.
    SignedIn,
    /// The log-in pages: signed-in users are sent to their files.
    SignedOut,
    /// Shown as it is to everyone, without waiting for the session check
    /// (a share link's page, "not found").
    Anyone,
}

impl Route {
    pub fn access(&self) -> Access {
        match self {
            Self::Login | Self::Signup | Self::Recover => Access::SignedOut,
            Self::Share { .. } | Self::NotFound => Access::Anyone,
            Self::Home
            | Self::Files
            | Self::Folder { .. }
            | Self::Account
            | Self::Shared
            | Self::Trash => Access::SignedIn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_shared::SHARE_PAGE_PREFIX;

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
        assert_eq!(Route::recognize("/shared"), Some(Route::Shared));
        assert_eq!(Route::recognize("/trash"), Some(Route::Trash));
        let token = String::from("0123abcd.Zx-_9");
        assert_eq!(
            Route::recognize(&format!("{SHARE_PAGE_PREFIX}{token}")),
            Some(Route::Share {
                token: token.clone()
            })
        );
        assert_eq!(
            Route::Share {
                token: token.clone()
            }
            .to_path(),
            format!("{SHARE_PAGE_PREFIX}{token}")
        );
        assert_eq!(Route::Folder { id }.to_path(), format!("/files/{id}"));
    }

    #[test]
    fn who_each_page_is_for() {
        for route in [Route::Login, Route::Signup, Route::Recover] {
            assert_eq!(route.access(), Access::SignedOut, "{route:?}");
        }
        for route in [
            Route::Home,
            Route::Files,
            Route::Account,
            Route::Shared,
            Route::Trash,
            Route::Folder { id: Uuid::nil() },
        ] {
            assert_eq!(route.access(), Access::SignedIn, "{route:?}");
        }
        // A share link opens signed out and signed in alike.
        let share = Route::Share {
            token: String::from("t"),
        };
        assert_eq!(share.access(), Access::Anyone);
        assert_eq!(Route::NotFound.access(), Access::Anyone);
    }
}
