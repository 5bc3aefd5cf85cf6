//! The account: usage against the quota, app passwords and how to mount
//! the vault over WebDAV, change password, delete account.

mod app_passwords;
mod webdav;

use strongroom_shared::validate::check_password;
use strongroom_shared::{ChangePasswordRequest, DeleteAccountRequest};
use yew::prelude::*;

use crate::components::{Alert, Field, Spinner, Usage, bind};
use crate::format;
use crate::hooks::{use_auth, use_submit};
use crate::services::auth;
use app_passwords::AppPasswords;
use webdav::WebDav;

#[function_component(Account)]
pub fn account() -> Html {
    let auth_ctx = use_auth();
    // Usage changes with every upload: read it afresh when the page opens.
    {
        let auth_ctx = auth_ctx.clone();
        use_effect_with((), move |()| auth_ctx.reload());
    }
    let Some(user) = auth_ctx.user() else {
        return html! { <Spinner /> };
    };
    let zone = crate::clock::zone();
    html! {
        <div class="account" id="account-page">
            <h1>{ "Account" }</h1>
            <section class="card">
                <h2>{ "Profile" }</h2>
                <dl class="facts">
                    <dt>{ "Email" }</dt><dd id="account-email">{ user.email.clone() }</dd>
                    if let Some(name) = &user.display_name {
                        <dt>{ "Name" }</dt><dd>{ name.clone() }</dd>
                    }
                    <dt>{ "Member since" }</dt><dd>{ format::full_date(user.created_at, zone) }</dd>
                </dl>
                <h2>{ "Storage" }</h2>
                <Usage used={user.used_bytes} quota={user.quota_bytes} versions={user.version_bytes}
                    trash={user.trash_bytes} />
            </section>
            <AppPasswords />
            <WebDav email={user.email.clone()} />
            <ChangePassword email={user.email.clone()} />
            <DeleteAccount email={user.email.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct EmailProps {
    email: String,
}

/// The new password against the same rules as the server (shared crate),
/// before sending.
fn check(new: &str, confirm: &str, email: &str) -> Result<(), AttrValue> {
    if let Err(invalid) = check_password(new, Some(email)) {
        return Err(AttrValue::from(format!(
            "New password: {}",
            invalid.for_field("new_password").message
        )));
    }
    if new != confirm {
        return Err(AttrValue::from("The two new passwords differ."));
    }
    Ok(())
}

#[function_component(ChangePassword)]
fn change_password(props: &EmailProps) -> Html {
    let current = use_state(String::new);
    let new = use_state(String::new);
    let confirm = use_state(String::new);
    let submit = use_submit();
    // "Password changed." once a change went through; a later problem shows
    // instead.
    let changed = use_state(|| false);
    let onsubmit = {
        let (current, new, confirm, submit, changed, email) = (
            current.clone(),
            new.clone(),
            confirm.clone(),
            submit.clone(),
            changed.clone(),
            props.email.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if submit.busy() {
                return;
            }
            if let Err(problem) = check(&new, &confirm, &email) {
                submit.fail(problem);
                return;
            }
            let request = ChangePasswordRequest {
                current_password: (*current).clone(),
                new_password: (*new).clone(),
            };
            let (current, new, confirm, changed) = (
                current.clone(),
                new.clone(),
                confirm.clone(),
                changed.clone(),
            );
            submit.run(
                async move { auth::change_password(&request).await },
                move |()| {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    changed.set(true);
                },
            );
        })
    };
    html! {
        <section class="card" id="change-password">
            <h2>{ "Change password" }</h2>
            <p class="aside">{ "Your other devices will be logged out." }</p>
            if let Some(message) = submit.error() {
                <Alert {message} />
            } else if *changed {
                <Alert success=true message="Password changed." />
            }
            <form {onsubmit} novalidate=true>
                <Field id="current-password" label="Current password" kind="password" value={(*current).clone()}
                    oninput={bind(&current)} autocomplete="current-password" required=true />
                <Field id="changed-password" label="New password" kind="password" value={(*new).clone()}
                    oninput={bind(&new)} autocomplete="new-password" required=true />
                <Field id="changed-password-confirm" label="Repeat the new password" kind="password"
                    value={(*confirm).clone()} oninput={bind(&confirm)} autocomplete="new-password" required=true />
                <button type="submit" class="primary" id="change-password-submit" disabled={submit.busy()}>
                    { "Change password" }
                </button>
            </form>
        </section>
    }
}

#[function_component(DeleteAccount)]
fn delete_account(props: &EmailProps) -> Html {
    let auth_ctx = use_auth();
    let typed = use_state(String::new);
    let password = use_state(String::new);
    let submit = use_submit();
    let matches = typed.trim().eq_ignore_ascii_case(&props.email);
    let onsubmit = {
        let (password, submit, auth_ctx) = (password.clone(), submit.clone(), auth_ctx.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if !matches {
                return;
            }
            let request = DeleteAccountRequest {
                password: (*password).clone(),
            };
            let auth_ctx = auth_ctx.clone();
            submit.run(
                async move { auth::delete_account(&request).await },
                move |()| auth_ctx.forget("Your account and all its files have been deleted."),
            );
        })
    };
    html! {
        <section class="card danger-zone" id="delete-account">
            <h2>{ "Delete account" }</h2>
            <p>{ "This deletes your account and every file in it, for good. It cannot be undone." }</p>
            if let Some(message) = submit.error() {
                <Alert {message} />
            }
            <form {onsubmit} novalidate=true>
                <Field id="delete-confirm-email" label={format!("Type your email ({}) to confirm", props.email)}
                    value={(*typed).clone()} oninput={bind(&typed)} autocomplete="off" required=true />
                <Field id="delete-password" label="Password" kind="password" value={(*password).clone()}
                    oninput={bind(&password)} autocomplete="current-password" required=true />
                <button type="submit" class="danger" id="delete-account-submit" disabled={!matches || submit.busy()}>
                    { "Delete my account and files" }
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_password_is_checked_before_sending() {
        let fine = "a brand new passphrase";
        assert_eq!(check(fine, fine, "lin@example.com"), Ok(()));
        assert!(
            check("short", "short", "lin@example.com")
                .is_err_and(|problem| problem.starts_with("New password: "))
        );
        assert_eq!(
            check(fine, "something else", "lin@example.com"),
            Err(AttrValue::from("The two new passwords differ."))
        );
    }
}
