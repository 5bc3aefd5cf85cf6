//! The routes, and which pages need a signed-in user.

use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Layout, Spinner};
use crate::hooks::{AuthProvider, Session, use_auth};
use crate::pages::account::Account;
use crate::pages::files::Files;
use crate::pages::login::Login;
use crate::pages::not_found::NotFound;
use crate::pages::recover::Recover;
use crate::pages::signup::Signup;

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
    fn is_public(&self) -> bool {
        matches!(
            self,
            Self::Login | Self::Signup | Self::Recover | Self::NotFound
        )
    }
}

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <AuthProvider>
                <Layout>
                    <Switch<Route> render={switch} />
                </Layout>
            </AuthProvider>
        </BrowserRouter>
    }
}

fn switch(route: Route) -> Html {
    html! { <Guard {route} /> }
}

#[derive(Properties, PartialEq)]
struct GuardProps {
    route: Route,
}

/// Sends signed-out visitors to log in and signed-in ones away from the
/// log-in pages; shows nothing but a spinner while the session is checked.
#[function_component(Guard)]
fn guard(props: &GuardProps) -> Html {
    let auth = use_auth();
    let route = props.route.clone();
    match (auth.session(), route.is_public()) {
        (Session::Checking, _) => html! { <Spinner /> },
        (Session::SignedOut { .. }, false) => html! { <Redirect<Route> to={Route::Login} /> },
        (Session::SignedIn(_), true) if route != Route::NotFound => {
            html! { <Redirect<Route> to={Route::Files} /> }
        }
        _ => page(route),
    }
}

fn page(route: Route) -> Html {
    match route {
        Route::Home => html! { <Redirect<Route> to={Route::Files} /> },
        Route::Login => html! { <Login /> },
        Route::Signup => html! { <Signup /> },
        Route::Recover => html! { <Recover /> },
        Route::Files => html! { <Files folder={None::<Uuid>} /> },
        Route::Folder { id } => html! { <Files folder={Some(id)} /> },
        Route::Account => html! { <Account /> },
        Route::NotFound => html! { <NotFound /> },
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
