//! The frame around every page: the header with navigation, then the page.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::hooks::use_auth;
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct LayoutProps {
    pub children: Html,
}

#[function_component(Layout)]
pub fn layout(props: &LayoutProps) -> Html {
    let auth = use_auth();
    let user = auth.user();
    let logout = {
        let auth = auth.clone();
        Callback::from(move |_: MouseEvent| auth.logout())
    };
    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <header class="topbar">
                <Link<Route> to={Route::Files} classes="brand">
                    <span class="brand-mark" aria-hidden="true">{ "▣" }</span>{ "Strongroom" }
                </Link<Route>>
                if let Some(user) = user {
                    <nav aria-label="Main">
                        <Link<Route> to={Route::Files}>{ "Files" }</Link<Route>>
                        <Link<Route> to={Route::Shared} classes="nav-shared">{ "Shared" }</Link<Route>>
                        <Link<Route> to={Route::Trash} classes="nav-trash">{ "Trash" }</Link<Route>>
                        <Link<Route> to={Route::Account}>{ "Account" }</Link<Route>>
                        <span class="whoami" id="whoami" title={user.email.clone()}>{ user.email.clone() }</span>
                        <button type="button" id="logout" class="link-button" onclick={logout}>{ "Log out" }</button>
                    </nav>
                }
            </header>
            <main id="main" tabindex="-1">{ props.children.clone() }</main>
        </>
    }
}
