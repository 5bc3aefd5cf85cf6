//! Recover with the recovery code: a new password, then a new code.

use strongroom_shared::RecoverRequest;
use strongroom_shared::validate::{check_password, normalize_email};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Alert, Field, RecoveryCode, bind};
use crate::hooks::use_submit;
use crate::route::Route;
use crate::services::auth;

/// The new password against the same rules as the server (shared crate),
/// before sending.
fn check(email: &str, password: &str, confirm: &str) -> Result<(), AttrValue> {
    let normalized = normalize_email(email).ok();
    if let Err(invalid) = check_password(password, normalized.as_deref()) {
        return Err(AttrValue::from(format!(
            "New password: {}",
            invalid.for_field("new_password").message
        )));
    }
    if password != confirm {
        return Err(AttrValue::from("The two passwords differ."));
    }
    Ok(())
}

#[function_component(Recover)]
pub fn recover() -> Html {
    let navigator = use_navigator();
    let email = use_state(String::new);
    let code = use_state(String::new);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let submit = use_submit();
    let new_code = use_state(|| None::<String>);

    let onsubmit = {
        let (email, code, password, confirm, submit, new_code) = (
            email.clone(),
            code.clone(),
            password.clone(),
            confirm.clone(),
            submit.clone(),
            new_code.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if submit.busy() {
                return;
            }
            if let Err(problem) = check(&email, &password, &confirm) {
                submit.fail(problem);
                return;
            }
            submit.clear();
            let request = RecoverRequest {
                email: (*email).clone(),
                recovery_code: code.trim().to_owned(),
                new_password: (*password).clone(),
            };
            let new_code = new_code.clone();
            let call = async move { auth::recover(&request).await };
            submit.run(call, move |answer| new_code.set(Some(answer.recovery_code)));
        })
    };

    if let Some(fresh) = &*new_code {
        let on_continue = Callback::from(move |()| {
            if let Some(navigator) = &navigator {
                navigator.push(&Route::Login);
            }
        });
        return html! {
            <section class="card auth-card" id="recovered-page">
                <h1>{ "Password changed" }</h1>
                <p>{ "Your old recovery code no longer works. Here is your new one." }</p>
                <RecoveryCode code={fresh.clone()} {on_continue} continue_label="Continue to log in" />
            </section>
        };
    }
    html! {
        <section class="card auth-card" id="recover-page">
            <h1>{ "Recover your account" }</h1>
            <p class="aside">{ "Set a new password with the recovery code you stored when you signed up." }</p>
            if let Some(message) = submit.error() {
                <Alert {message} />
            }
            <form {onsubmit} novalidate=true>
                <Field id="email" label="Email" kind="email" value={(*email).clone()} oninput={bind(&email)}
                    autocomplete="username" required=true autofocus=true />
                <Field id="recovery-code-input" label="Recovery code" value={(*code).clone()} oninput={bind(&code)}
                    autocomplete="off" required=true hint="Like ABCD-EFGH-…; dashes and case do not matter." />
                <Field id="new-password" label="New password" kind="password" value={(*password).clone()}
                    oninput={bind(&password)} autocomplete="new-password" required=true />
                <Field id="new-password-confirm" label="Repeat the new password" kind="password"
                    value={(*confirm).clone()} oninput={bind(&confirm)} autocomplete="new-password" required=true />
                <button type="submit" class="primary wide" id="recover-submit" disabled={submit.busy()}>
                    { if submit.busy() { "Checking…" } else { "Set new password" } }
                </button>
            </form>
            <p class="aside"><Link<Route> to={Route::Login}>{ "Back to log in" }</Link<Route>></p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_password_is_checked_before_sending() {
        let fine = "recovered passphrase";
        assert_eq!(check("ada@example.com", fine, fine), Ok(()));
        assert!(
            check("ada@example.com", "short", "short")
                .is_err_and(|problem| problem.starts_with("New password: "))
        );
        // Typed as the email, even in other case: refused.
        assert!(check("Ada@Example.com", "ada@example.com", "ada@example.com").is_err());
        assert_eq!(
            check("ada@example.com", fine, "something else"),
            Err(AttrValue::from("The two passwords differ."))
        );
    }
}
