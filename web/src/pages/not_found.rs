//! A path the app does not know.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

#[function_component(NotFound)]
pub fn not_found() -> Html {
    html! {
        <section class="card auth-card" id="not-found-page">
            <h1>{ "Page not found" }</h1>
            <p>{ "There is nothing at this address." }</p>
            <Link<Route> to={Route::Files}>{ "Go to my files" }</Link<Route>>
        </section>
    }
}
