//! Log in.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Alert, Field, bind};
use crate::hooks::{Session, use_auth, use_submit};
use crate::route::Route;
use crate::services::auth;

#[function_component(Login)]
pub fn login() -> Html {
    let auth_ctx = use_auth();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let submit = use_submit();

    let onsubmit = {
        let (email, password, submit, auth_ctx) = (
            email.clone(),
            password.clone(),
            submit.clone(),
            auth_ctx.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (email, password, auth_ctx) =
                ((*email).clone(), (*password).clone(), auth_ctx.clone());
            submit.run(
                async move { auth::login(&email, &password).await },
                move |user| auth_ctx.signed_in(user),
            );
        })
    };
    let notice = match auth_ctx.session() {
        Session::SignedOut {
            notice: Some(notice),
        } => Some(notice.clone()),
        _ => None,
    };
    html! {
        <section class="card auth-card" id="login-page">
            <h1>{ "Log in" }</h1>
            if let Some(notice) = notice {
                <Alert message={notice} />
            }
            if let Some(message) = submit.error() {
                <Alert {message} />
            }
            <form {onsubmit} novalidate=true>
                <Field id="email" label="Email" kind="email" value={(*email).clone()} oninput={bind(&email)}
                    autocomplete="username" required=true autofocus=true />
                <Field id="password" label="Password" kind="password" value={(*password).clone()} oninput={bind(&password)}
                    autocomplete="current-password" required=true />
                <button type="submit" class="primary wide" id="login-submit" disabled={submit.busy()}>
                    { if submit.busy() { "Logging in…" } else { "Log in" } }
                </button>
            </form>
            <p class="aside">
                { "New here? " }<Link<Route> to={Route::Signup}>{ "Create an account" }</Link<Route>>
                <br />
                { "Forgot your password? " }<Link<Route> to={Route::Recover}>{ "Use your recovery code" }</Link<Route>>
            </p>
        </section>
    }
}
