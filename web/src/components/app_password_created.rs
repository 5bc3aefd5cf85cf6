//! A new app password, shown this once: the server keeps only a hash of it.

use strongroom_shared::AppPassword;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::Modal;
use super::recovery_code::copy_to_clipboard;

#[derive(Properties, PartialEq)]
pub struct AppPasswordCreatedProps {
    pub created: AppPassword,
    pub on_close: Callback<()>,
}

#[function_component(AppPasswordCreated)]
pub fn app_password_created(props: &AppPasswordCreatedProps) -> Html {
    let password = props.created.password.clone().unwrap_or_default();
    let copied = use_state(|| None::<bool>);
    let copy = {
        let (copied, password) = (copied.clone(), password.clone());
        Callback::from(move |_: MouseEvent| copied.set(Some(copy_to_clipboard(&password))))
    };
    let select_all = Callback::from(|event: FocusEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.select();
    });
    let done = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Modal id="app-password-created" title={format!("App password “{}”", props.created.name)}
            on_close={props.on_close.clone()}>
            <p>
                <strong>{ "Copy this password now: it will not be shown again." }</strong>
                { " Strongroom keeps only a hash of it. If you lose it, revoke it and make a new one." }
            </p>
            <div class="link-box">
                <label for="new-app-password" class="visually-hidden">{ "The new app password" }</label>
                <input id="new-app-password" type="text" readonly=true value={password}
                    onfocus={select_all} autocomplete="off" spellcheck="false" />
                <button type="button" id="copy-app-password" class="primary" onclick={copy}>{ "Copy" }</button>
            </div>
            <p class="field-hint" role="status">
                { match *copied {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Copying is not available here: select the password and copy it by hand.",
                    None => "",
                } }
            </p>
            <p class="muted">{ "For WebDAV, sign in with your email as the user name and this as the password." }</p>
            if props.created.read_only {
                <p class="muted">{ "It is read-only: it can list and download, not change anything." }</p>
            }
            <div class="dialog-buttons">
                <button type="button" id="app-password-done" onclick={done}>{ "Done" }</button>
            </div>
        </Modal>
    }
}
