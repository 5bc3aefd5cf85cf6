//! The account's app passwords: the list, a form to make one (shown once,
//! in a dialog), and Revoke after a confirmation.

use std::rc::Rc;

use strongroom_shared::validate::normalize_app_password_name;
use strongroom_shared::{AppPassword, CreateAppPasswordRequest};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::clock;
use crate::components::{
    Alert, AppPasswordCreated, AppPasswordTable, ConfirmDialog, Field, Spinner, bind,
};
use crate::hooks::{Fetch, use_fetch, use_submit};
use crate::services::app_passwords;

/// The request for the form's name, checked by the same rule as the
/// server's before sending.
fn request(name: &str, read_only: bool) -> Result<CreateAppPasswordRequest, AttrValue> {
    match normalize_app_password_name(name) {
        Ok(name) => Ok(CreateAppPasswordRequest { name, read_only }),
        Err(invalid) => Err(AttrValue::from(format!(
            "Name: {}.",
            invalid.for_field("name").message
        ))),
    }
}

#[function_component(AppPasswords)]
pub fn app_passwords() -> Html {
    let list = use_fetch((), |()| async { Ok(app_passwords::list().await?.items) });
    let name = use_state(String::new);
    let read_only = use_state(|| false);
    let create = use_submit();
    let created = use_state(|| None::<AppPassword>);
    let revoke = use_submit();
    let revoking = use_state(|| None::<AppPassword>);

    let onsubmit = {
        let (name, read_only, create, created, list) = (
            name.clone(),
            read_only.clone(),
            create.clone(),
            created.clone(),
            list.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if create.busy() {
                return;
            }
            let request = match request(&name, *read_only) {
                Ok(request) => request,
                Err(problem) => return create.fail(problem),
            };
            let (name, read_only, created, list) = (
                name.clone(),
                read_only.clone(),
                created.clone(),
                list.clone(),
            );
            create.run(
                async move { app_passwords::create(&request).await },
                move |answer: AppPassword| {
                    name.set(String::new());
                    read_only.set(false);
                    created.set(Some(answer));
                    list.reload();
                },
            );
        })
    };
    let toggle_read_only = {
        let read_only = read_only.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            read_only.set(input.checked());
        })
    };
    let on_revoke = {
        let (revoking, revoke) = (revoking.clone(), revoke.clone());
        Callback::from(move |item: AppPassword| {
            revoke.reset();
            revoking.set(Some(item));
        })
    };
    let close_revoke = {
        let revoking = revoking.clone();
        Callback::from(move |()| revoking.set(None))
    };
    let revoke_dialog = (*revoking).clone().map(|item| {
        let on_confirm = {
            let (revoke, revoking, list, id) =
                (revoke.clone(), revoking.clone(), list.clone(), item.id);
            Callback::from(move |()| {
                let (revoking, list) = (revoking.clone(), list.clone());
                revoke.run(app_passwords::revoke(id), move |()| {
                    revoking.set(None);
                    list.reload();
                });
            })
        };
        html! {
            <ConfirmDialog id="revoke-app-password-dialog"
                title={format!("Revoke the app password “{}”?", item.name)}
                message="Whatever uses it (a mounted drive, rclone, a script) can no longer sign in with it. \
                         This cannot be undone: to connect it again, make a new app password."
                confirm_id="confirm-revoke-app-password" confirm_label="Revoke"
                busy={revoke.busy()} error={revoke.error()} {on_confirm} on_close={close_revoke} />
        }
    });
    let created_dialog = (*created).clone().map(|created_password| {
        let on_close = {
            let created = created.clone();
            Callback::from(move |()| created.set(None))
        };
        html! { <AppPasswordCreated created={created_password} {on_close} /> }
    });
    let body = match list.state() {
        Fetch::Loading => html! { <Spinner /> },
        Fetch::Failed(error) => html! { <Alert message={error.message()} /> },
        Fetch::Ready(items) if items.is_empty() => html! {
            <p class="empty" id="app-passwords-empty">
                { "You have no app passwords. Make one for each program that signs in on its own: \
                   a file manager mounting your vault over WebDAV, rclone, or a script calling the API \
                   with " }
                <code>{ "Authorization: Bearer" }</code>
                { ". Each can be revoked on its own, and your account password stays with you." }
            </p>
        },
        Fetch::Ready(items) => html! {
            <AppPasswordTable items={Rc::clone(items)} {on_revoke}
                now={clock::now()} zone={clock::zone()} />
        },
    };
    html! {
        <section class="card" id="app-passwords">
            <h2>{ "App passwords" }</h2>
            <p class="aside">
                { "For programs that cannot log in like this app: file managers (WebDAV), rclone, scripts. \
                   They cannot change your password, delete your account or make more app passwords." }
            </p>
            { body }
            <form class="app-password-form" onsubmit={onsubmit} novalidate=true>
                <h3>{ "New app password" }</h3>
                if let Some(message) = create.error() {
                    <Alert {message} />
                }
                <Field id="app-password-name" label="Name" value={(*name).clone()} oninput={bind(&name)}
                    hint="What it is for, e.g. “laptop Finder” or “nightly backup”." autocomplete="off"
                    required=true />
                <label class="check">
                    <input type="checkbox" id="app-password-read-only" checked={*read_only}
                        onchange={toggle_read_only} />
                    { "Read-only: it can list and download, but not upload, change or delete anything." }
                </label>
                <button type="submit" class="primary" id="create-app-password" disabled={create.busy()}>
                    { "Create app password" }
                </button>
            </form>
            { for created_dialog }
            { for revoke_dialog }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_checked_and_trimmed_before_sending() {
        assert_eq!(
            request("  laptop rclone ", true),
            Ok(CreateAppPasswordRequest {
                name: String::from("laptop rclone"),
                read_only: true,
            })
        );
        assert!(request("   ", false).is_err_and(|problem| problem.starts_with("Name: ")));
        assert!(request(&"x".repeat(101), false).is_err());
        assert!(request("tab\there", false).is_err());
    }
}
