//! Sign up, then the recovery code, shown once, with a "store this now" step.
//! What the form asks depends on the server's sign-up policy: an invite code
//! too (prefilled from an invite link, `/signup?invite=CODE`), or no form at
//! all when the server takes no new accounts.

use percent_encoding::percent_decode_str;
use strongroom_shared::validate::{check_password, normalize_email};
use strongroom_shared::{SignupPolicy, SignupRequest, kinds};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{Alert, Field, RecoveryCode, Spinner, bind};
use crate::hooks::{Submit, use_auth, use_submit, use_submit_with};
use crate::route::Route;
use crate::services::{ApiError, auth};

/// The invite code of an invite link's query (`?invite=CODE`), if any.
fn invite_from_query(query: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "invite")
        .and_then(|(_, value)| {
            let value = value.replace('+', " ");
            let code = percent_decode_str(&value).decode_utf8().ok()?;
            Some(code.trim().to_owned())
        })
        .filter(|code| !code.is_empty())
}

#[derive(Default, Clone, PartialEq)]
struct Errors {
    invite_code: Option<AttrValue>,
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
    /// mistakes show at once. `invite` is the invite code when the form asks
    /// for one.
    fn check(invite: Option<&str>, email: &str, password: &str, confirm: &str) -> Self {
        let mut found = Self::default();
        if invite.is_some_and(|code| code.trim().is_empty()) {
            found.invite_code = Some(AttrValue::from("Enter the invite code you were given."));
        }
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
            invite_code: field("invite_code"),
            email: field("email"),
            display_name: field("display_name"),
            password: field("password"),
            ..Self::default()
        };
        if error.is(kinds::INVITE_INVALID) {
            errors.invite_code = Some(AttrValue::from(error.message()));
        }
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

/// The server's sign-up policy; `None` while it is asked. A server that does
/// not say gets the open form: its answer to the sign-up then tells what is
/// missing.
#[hook]
fn use_signup_policy() -> UseStateHandle<Option<SignupPolicy>> {
    let policy = use_state(|| None::<SignupPolicy>);
    {
        let policy = policy.clone();
        use_effect_with((), move |()| {
            yew::platform::spawn_local(async move {
                policy.set(Some(auth::signup_policy().await.unwrap_or_default()));
            });
        });
    }
    policy
}

/// What the form holds.
#[derive(Clone)]
struct Fields {
    invite: UseStateHandle<String>,
    email: UseStateHandle<String>,
    display_name: UseStateHandle<String>,
    password: UseStateHandle<String>,
    confirm: UseStateHandle<String>,
}

impl Fields {
    /// The request, or what is wrong with the fields. `asks_invite`: the form
    /// shows the invite field.
    fn request(&self, asks_invite: bool) -> Result<SignupRequest, Box<Errors>> {
        let invite_code = asks_invite.then(|| self.invite.trim().to_owned());
        let found = Errors::check(
            invite_code.as_deref(),
            &self.email,
            &self.password,
            &self.confirm,
        );
        if !found.is_empty() {
            return Err(Box::new(found));
        }
        Ok(SignupRequest {
            email: (*self.email).clone(),
            password: (*self.password).clone(),
            display_name: Some((*self.display_name).clone()).filter(|name| !name.trim().is_empty()),
            invite_code,
        })
    }
}

/// Sends the form once its own checks pass; on success `created` holds the answer.
fn on_submit(
    fields: Fields,
    asks_invite: bool,
    create: Submit<Errors>,
    created: UseStateHandle<Option<Created>>,
) -> Callback<SubmitEvent> {
    Callback::from(move |event: SubmitEvent| {
        event.prevent_default();
        if create.busy() {
            return;
        }
        let request = match fields.request(asks_invite) {
            Ok(request) => request,
            Err(found) => return create.fail(*found),
        };
        create.clear();
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
}

fn asking_the_server() -> Html {
    html! {
        <section class="card auth-card" id="signup-page" aria-busy="true">
            <h1>{ "Create your vault" }</h1>
            <Spinner />
        </section>
    }
}

fn closed() -> Html {
    html! {
        <section class="card auth-card" id="signup-page">
            <h1>{ "No new accounts" }</h1>
            <p id="signup-closed">{ "This server does not take new accounts." }</p>
            <p class="aside">{ "Already have an account? " }<Link<Route> to={Route::Login}>{ "Log in" }</Link<Route>></p>
        </section>
    }
}

#[function_component(Signup)]
pub fn signup() -> Html {
    let location = use_location();
    let policy = use_signup_policy();
    let invite = use_state(|| {
        location
            .as_ref()
            .and_then(|location| invite_from_query(location.query_str()))
            .unwrap_or_default()
    });
    let from_link = use_state(|| !invite.is_empty());
    let fields = Fields {
        invite,
        email: use_state(String::new),
        display_name: use_state(String::new),
        password: use_state(String::new),
        confirm: use_state(String::new),
    };
    let create = use_submit_with(Errors::from_api);
    let created = use_state(|| None::<Created>);

    if let Some(done) = &*created {
        return html! { <Ready done={done.clone()} /> };
    }
    match *policy {
        None => return asking_the_server(),
        Some(SignupPolicy::Closed) => return closed(),
        Some(SignupPolicy::Open | SignupPolicy::Invite) => {}
    }
    let errors = create.error().unwrap_or_default();
    // The invite field shows when the server wants one, or said so in its
    // answer (its policy may have changed since the page was loaded).
    let asks_invite = *policy == Some(SignupPolicy::Invite) || errors.invite_code.is_some();
    let onsubmit = on_submit(fields.clone(), asks_invite, create.clone(), created);
    let invite_hint = match *from_link {
        true => "From your invite link.",
        false => "The single-use code the server's administrator gave you.",
    };
    let Fields {
        invite,
        email,
        display_name,
        password,
        confirm,
    } = fields;
    html! {
        <section class="card auth-card" id="signup-page">
            <h1>{ "Create your vault" }</h1>
            if let Some(message) = errors.form.clone() {
                <Alert {message} />
            }
            <form {onsubmit} novalidate=true>
                if asks_invite {
                    <Field id="invite-code" label="Invite code" value={(*invite).clone()} oninput={bind(&invite)}
                        error={errors.invite_code.clone()} autocomplete="off" required=true
                        autofocus={!*from_link} hint={invite_hint} />
                }
                <Field id="email" label="Email" kind="email" value={(*email).clone()} oninput={bind(&email)}
                    error={errors.email.clone()} autocomplete="username" required=true
                    autofocus={!asks_invite || *from_link} />
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
        let found = Errors::check(None, "not an email", "short", "other");
        assert!(found.email.is_some());
        // The password is checked against the email, so only with a valid one.
        assert_eq!(found.password, None);
        assert_eq!(found.confirm.as_deref(), Some("The two passwords differ."));
        let found = Errors::check(None, "Ada@Example.com", "short", "short");
        assert!(found.password.is_some_and(|message| message.contains('8')));
        assert!(found.email.is_none() && found.confirm.is_none());
        let fine = "correct horse battery staple";
        assert!(Errors::check(None, "ada@example.com", fine, fine).is_empty());
    }

    #[test]
    fn an_invite_is_asked_for_only_when_the_form_shows_its_field() {
        let fine = "correct horse battery staple";
        let found = Errors::check(Some("  "), "ada@example.com", fine, fine);
        assert!(found.invite_code.is_some());
        // Nothing else is wrong.
        assert!(
            Errors {
                invite_code: None,
                ..found
            }
            .is_empty()
        );
        assert!(Errors::check(Some("ABCD-EFGH"), "ada@example.com", fine, fine).is_empty());
    }

    #[test]
    fn the_server_s_invite_problems_show_beside_the_invite_field() {
        let problem = |kind: strongroom_shared::ProblemKind, errors| {
            let body = serde_json::to_string(&strongroom_shared::Problem {
                type_uri: strongroom_shared::Problem::type_uri_for(kind.code),
                title: String::from(kind.title),
                status: kind.status,
                code: String::from(kind.code),
                detail: Some(String::from("raw")),
                errors,
            })
            .unwrap_or_default();
            ApiError::from_answer(kind.status, Some("application/problem+json"), &body)
        };
        let wrong = Errors::from_api(&problem(kinds::INVITE_INVALID, vec![]));
        assert!(
            wrong
                .invite_code
                .is_some_and(|message| message.contains("not valid"))
        );
        assert_eq!(wrong.form, None);
        let missing = Errors::from_api(&problem(
            kinds::VALIDATION_FAILED,
            vec![strongroom_shared::FieldError {
                field: String::from("invite_code"),
                code: String::from("invite_required"),
                message: String::from("sign-up on this server needs an invite code"),
            }],
        ));
        assert_eq!(
            missing.invite_code.as_deref(),
            Some("sign-up on this server needs an invite code")
        );
        assert_eq!(missing.form, None);
        // Closed: one message above the form.
        let closed = Errors::from_api(&problem(kinds::SIGNUP_CLOSED, vec![]));
        assert!(
            closed
                .form
                .is_some_and(|message| message.contains("does not take new accounts"))
        );
    }

    #[test]
    fn invite_links_carry_the_code() {
        assert_eq!(
            invite_from_query("?invite=ABCD-EFGH-IJKL").as_deref(),
            Some("ABCD-EFGH-IJKL")
        );
        assert_eq!(
            invite_from_query("from=mail&invite=abcd%2Defgh+ijkl&x=1").as_deref(),
            Some("abcd-efgh ijkl")
        );
        assert_eq!(invite_from_query(""), None);
        assert_eq!(invite_from_query("?invite="), None);
        assert_eq!(invite_from_query("?invite=%20"), None);
        assert_eq!(invite_from_query("?invited=ABCD"), None);
        // Not UTF-8 once decoded: no code rather than a mangled one.
        assert_eq!(invite_from_query("?invite=%FF"), None);
    }
}
