//! Sign up, then the recovery code, shown once, with a "store this now" step.

use strongroom_shared::validate::{check_password, normalize_email};
use strongroom_shared::{SignupRequest, kinds};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Alert, Field, RecoveryCode, bind};
use crate::hooks::{use_auth, use_submit, use_submit_with};
use crate::route::Route;
use crate::services::{ApiError, auth};

#[derive(Default, Clone, PartialEq)]
struct Errors {
    email: Option<AttrValue>,
    display_name: Option<AttrValue>,
    password: Option<AttrValue>,
    confirm: Option<AttrValue>,
    form: Option<AttrValue>,
}

impl Errors {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The same rules as the server (shared crate), checked here first so
    /// mistakes show at once.
    fn check(email: &str, password: &str, confirm: &str) -> Self {
        let mut found = Self::default();
        match normalize_email(email) {
            Err(invalid) => found.email = Some(AttrValue::from(invalid.for_field("email").message)),
            Ok(normalized) => {
                if let Err(invalid) = check_password(password, Some(&normalized)) {
                    found.password = Some(AttrValue::from(invalid.for_field("password").message));
                }
            }
        }
        if password != confirm {
            found.confirm = Some(AttrValue::from("The two passwords differ."));
        }
        found
    }

    fn from_api(error: &ApiError) -> Self {
        let field = |name: &str| error.field(name).map(AttrValue::from);
        let mut errors = Self {
            email: field("email"),
            display_name: field("display_name"),
            password: field("password"),
            ..Self::default()
        };
        if error.is(kinds::EMAIL_TAKEN) {
            errors.email = Some(AttrValue::from(
                "An account with this email already exists.",
            ));
        }
        if errors.is_empty() {
            errors.form = Some(AttrValue::from(error.message()));
        }
        errors
    }
}

/// The answer to sign-up, kept until the user has stored the code and goes on.
#[derive(Clone, PartialEq)]
struct Created {
    email: String,
    password: String,
    recovery_code: String,
}

#[function_component(Signup)]
pub fn signup() -> Html {
    let email = use_state(String::new);
    let display_name = use_state(String::new);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let create = use_submit_with(Errors::from_api);
    let created = use_state(|| None::<Created>);

    let onsubmit = {
        let (email, display_name, password, confirm, create, created) = (
            email.clone(),
            display_name.clone(),
            password.clone(),
            confirm.clone(),
            create.clone(),
            created.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if create.busy() {
                return;
            }
            let found = Errors::check(&email, &password, &confirm);
            if !found.is_empty() {
                create.fail(found);
                return;
            }
            create.clear();
            let request = SignupRequest {
                email: (*email).clone(),
                password: (*password).clone(),
                display_name: Some((*display_name).clone()).filter(|name| !name.trim().is_empty()),
                invite_code: None,
            };
            let created = created.clone();
            create.run(
                async move {
                    let answer = auth::signup(&request).await?;
                    Ok(Created {
                        email: request.email,
                        password: request.password,
                        recovery_code: answer.recovery_code,
                    })
                },
                move |done| created.set(Some(done)),
            );
        })
    };

    if let Some(done) = &*created {
        return html! { <Ready done={done.clone()} /> };
    }
    let errors = create.error().unwrap_or_default();
    html! {
        <section class="card auth-card" id="signup-page">
            <h1>{ "Create your vault" }</h1>
            if let Some(message) = errors.form.clone() {
                <Alert {message} />
            }
            <form {onsubmit} novalidate=true>
                <Field id="email" label="Email" kind="email" value={(*email).clone()} oninput={bind(&email)}
                    error={errors.email.clone()} autocomplete="username" required=true autofocus=true />
                <Field id="display-name" label="Name (optional)" value={(*display_name).clone()} oninput={bind(&display_name)}
                    error={errors.display_name.clone()} autocomplete="name" />
                <Field id="password" label="Password" kind="password" value={(*password).clone()} oninput={bind(&password)}
                    error={errors.password.clone()} autocomplete="new-password" required=true
                    hint="At least 8 characters. A long phrase is best." />
                <Field id="password-confirm" label="Repeat the password" kind="password" value={(*confirm).clone()}
                    oninput={bind(&confirm)} error={errors.confirm.clone()} autocomplete="new-password" required=true />
                <button type="submit" class="primary wide" id="signup-submit" disabled={create.busy()}>
                    { if create.busy() { "Creating…" } else { "Create account" } }
                </button>
            </form>
            <p class="aside">{ "Already have an account? " }<Link<Route> to={Route::Login}>{ "Log in" }</Link<Route>></p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct ReadyProps {
    done: Created,
}

/// Step two: the code, then log in with what was just typed.
#[function_component(Ready)]
fn ready(props: &ReadyProps) -> Html {
    let auth_ctx = use_auth();
    let enter = use_submit();
    let on_continue = {
        let (done, auth_ctx, enter) = (props.done.clone(), auth_ctx.clone(), enter.clone());
        Callback::from(move |()| {
            let (done, auth_ctx) = (done.clone(), auth_ctx.clone());
            enter.run(
                async move { auth::login(&done.email, &done.password).await },
                move |user| auth_ctx.signed_in(user),
            );
        })
    };
    html! {
        <section class="card auth-card" id="recovery-page">
            <h1>{ "Your account is ready" }</h1>
            if let Some(message) = enter.error() {
                <Alert {message} />
            }
            <RecoveryCode code={props.done.recovery_code.clone()} {on_continue} busy={enter.busy()}
                continue_label="Continue to my files" />
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mistakes_show_beside_their_fields_before_sending() {
        let found = Errors::check("not an email", "short", "other");
        assert!(found.email.is_some());
        // The password is checked against the email, so only with a valid one.
        assert_eq!(found.password, None);
        assert_eq!(found.confirm.as_deref(), Some("The two passwords differ."));
        let found = Errors::check("Ada@Example.com", "short", "short");
        assert!(found.password.is_some_and(|message| message.contains('8')));
        assert!(found.email.is_none() && found.confirm.is_none());
        let fine = "correct horse battery staple";
        assert!(Errors::check("ada@example.com", fine, fine).is_empty());
    }
}
