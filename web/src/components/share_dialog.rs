//! Sharing a file or folder by link: the options (expiry, password,
//! download limit), then the link itself, shown this once with a Copy button.

use strongroom_shared::{Node, NodeKind, Share};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::recovery_code::copy_to_clipboard;
use super::{Alert, Field, Modal};
use crate::sharing::{Expiry, ShareForm, ShareProblems};

#[derive(Properties, PartialEq)]
pub struct ShareDialogProps {
    pub node: Node,
    pub busy: bool,
    #[prop_or_default]
    pub problems: Option<ShareProblems>,
    /// Gets the choices as made; the page checks and sends them.
    pub on_submit: Callback<ShareForm>,
    pub on_close: Callback<()>,
}

fn text(value: &Option<String>) -> Option<AttrValue> {
    value.clone().map(AttrValue::from)
}

#[derive(Properties, PartialEq)]
struct ExpiryFieldProps {
    expiry: Expiry,
    date: String,
    error: Option<AttrValue>,
    on_expiry: Callback<Event>,
    on_date: Callback<InputEvent>,
}

/// When the link stops working: a preset, or a date of the caller's choosing.
#[function_component(ExpiryField)]
fn expiry_field(props: &ExpiryFieldProps) -> Html {
    let error = props.error.clone();
    html! {
        <div class={classes!("field", error.is_some().then_some("has-error"))}>
            <label for="share-expiry">{ "Link expires" }</label>
            <select id="share-expiry" onchange={props.on_expiry.clone()}
                aria-describedby={error.is_some().then_some("share-expiry-error")}>
                { for Expiry::ALL.into_iter().map(|choice| html! {
                    <option value={choice.value()} selected={props.expiry == choice}>{ choice.label() }</option>
                }) }
            </select>
            if props.expiry == Expiry::Date {
                <label for="share-expiry-date" class="visually-hidden">{ "Last day the link works" }</label>
                <input type="date" id="share-expiry-date" value={props.date.clone()} oninput={props.on_date.clone()}
                    aria-invalid={error.is_some().then_some("true")} />
            }
            if let Some(error) = error {
                <p class="field-error" id="share-expiry-error">{ error }</p>
            }
        </div>
    }
}

#[function_component(ShareDialog)]
pub fn share_dialog(props: &ShareDialogProps) -> Html {
    let form = use_state(ShareForm::default);
    let problems = props.problems.clone().unwrap_or_default();
    let onsubmit = {
        let (form, on_submit) = (form.clone(), props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit((*form).clone());
        })
    };
    let edit = |change: fn(&mut ShareForm, String)| {
        let form = form.clone();
        Callback::from(move |value: String| {
            let mut next = (*form).clone();
            change(&mut next, value);
            form.set(next);
        })
    };
    let on_expiry = {
        let form = form.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            form.set(ShareForm {
                expiry: Expiry::from_value(&select.value()),
                ..(*form).clone()
            });
        })
    };
    let on_date = {
        let on_date = edit(|form, value| form.date = value);
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_date.emit(input.value());
        })
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let what = match props.node.kind {
        NodeKind::Folder => {
            "Anyone with the link can browse this folder and download what is in it, as it is when they look."
        }
        NodeKind::File => "Anyone with the link can download this file.",
    };
    let expiry_error = text(&problems.expiry);
    html! {
        <Modal id="share-dialog" title={format!("Share “{}”", props.node.name)} on_close={props.on_close.clone()}>
            <form onsubmit={onsubmit} novalidate=true>
                <p>{ what }</p>
                if let Some(message) = text(&problems.general) {
                    <Alert {message} />
                }
                <ExpiryField expiry={form.expiry} date={form.date.clone()} error={expiry_error}
                    {on_expiry} {on_date} />
                <Field id="share-password" label="Password (optional)" kind="password"
                    value={form.password.clone()} oninput={edit(|form, value| form.password = value)}
                    error={text(&problems.password)} autocomplete="new-password"
                    hint="Asked of everyone who opens the link. Tell it to them another way." />
                <Field id="share-limit" label="Download limit (optional)" kind="number"
                    value={form.limit.clone()} oninput={edit(|form, value| form.limit = value)}
                    error={text(&problems.limit)} autocomplete="off"
                    hint="The link stops working after this many downloads." />
                <div class="dialog-buttons">
                    <button type="button" onclick={cancel}>{ "Cancel" }</button>
                    <button type="submit" class="primary" id="share-submit" disabled={props.busy}>
                        { "Create link" }
                    </button>
                </div>
            </form>
        </Modal>
    }
}

#[derive(Properties, PartialEq)]
pub struct ShareCreatedProps {
    pub share: Share,
    /// The whole link (origin and `/s/{token}`).
    pub link: AttrValue,
    pub on_close: Callback<()>,
}

/// The new link: it cannot be shown again, as only a hash of it is kept.
#[function_component(ShareCreated)]
pub fn share_created(props: &ShareCreatedProps) -> Html {
    let copied = use_state(|| None::<bool>);
    let copy = {
        let (copied, link) = (copied.clone(), props.link.clone());
        Callback::from(move |_: MouseEvent| copied.set(Some(copy_to_clipboard(&link))))
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
        <Modal id="share-created" title={format!("Link to “{}”", props.share.name)} on_close={props.on_close.clone()}>
            <p>
                <strong>{ "Copy the link now: it is shown only now." }</strong>
                { " Strongroom keeps no copy it could show again. Revoke it any time on the Shared page." }
            </p>
            <div class="link-box">
                <label for="share-link" class="visually-hidden">{ "Share link" }</label>
                <input id="share-link" type="text" readonly=true value={props.link.clone()} onfocus={select_all} />
                <button type="button" id="copy-link" class="primary" onclick={copy}>{ "Copy" }</button>
            </div>
            <p class="field-hint" role="status">
                { match *copied {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Copying is not available here: select the link and copy it by hand.",
                    None => "",
                } }
            </p>
            if props.share.has_password {
                <p class="muted">{ "The link asks for the password you chose." }</p>
            }
            <div class="dialog-buttons">
                <button type="button" id="share-done" onclick={done}>{ "Done" }</button>
            </div>
        </Modal>
    }
}
