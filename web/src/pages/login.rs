//! Log in.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Alert, Field, bind};
use crate::hooks::{Session, use_auth};
use crate::route::Route;
use crate::services::{ApiError, auth};

#[function_component(Login)]
pub fn login() -> Html {
    let auth_ctx = use_auth();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (email, password, error, busy, auth_ctx) = (
            email.clone(),
            password.clone(),
            error.clone(),
            busy.clone(),
            auth_ctx.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            busy.set(true);
            let (email, password, error, busy, auth_ctx) = (
                (*email).clone(),
                (*password).clone(),
                error.clone(),
                busy.clone(),
                auth_ctx.clone(),
            );
            yew::platform::spawn_local(async move {
                match auth::login(&email, &password).await {
                    Ok(user) => auth_ctx.signed_in(user),
                    Err(failure) => {
                        error.set(Some(failure));
                        busy.set(false);
                    }
                }
            });
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
            if let Some(error) = &*error {
                <Alert message={error.message()} />
            }
            <form {onsubmit} novalidate=true>
                <Field id="email" label="Email" kind="email" value={(*email).clone()} oninput={bind(&email)}
                    autocomplete="username" required=true autofocus=true />
                <Field id="password" label="Password" kind="password" value={(*password).clone()} oninput={bind(&password)}
                    autocomplete="current-password" required=true />
                <button type="submit" class="primary wide" id="login-submit" disabled={*busy}>
                    { if *busy { "Logging in…" } else { "Log in" } }
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
