//! Which page each route shows, and which pages need a signed-in user.

use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Layout, Spinner};
use crate::hooks::{AuthProvider, Session, use_auth};
use crate::pages::account::Account;
use crate::pages::files::Files;
use crate::pages::login::Login;
use crate::pages::not_found::NotFound;
use crate::pages::public_share::PublicShare;
use crate::pages::recover::Recover;
use crate::pages::shared::Shared;
use crate::pages::signup::Signup;
use crate::pages::trash::Trash;
use crate::route::{Access, Route};

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
/// Pages for anyone (a share link's) show at once, whoever is there.
#[function_component(Guard)]
fn guard(props: &GuardProps) -> Html {
    let auth = use_auth();
    let route = props.route.clone();
    match (route.access(), auth.session()) {
        (Access::Anyone, _) => page(route),
        (_, Session::Checking) => html! { <Spinner /> },
        (Access::SignedIn, Session::SignedOut { .. }) => {
            html! { <Redirect<Route> to={Route::Login} /> }
        }
        (Access::SignedOut, Session::SignedIn(_)) => {
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
        Route::Shared => html! { <Shared /> },
        Route::Trash => html! { <Trash /> },
        Route::Share { token } => html! { <PublicShare {token} /> },
        Route::NotFound => html! { <NotFound /> },
    }
}
