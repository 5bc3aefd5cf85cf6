//! Asking for a name: the new-folder and rename dialogs, and restoring from
//! the trash under another name.

use yew::prelude::*;

use super::{Field, Modal};

#[derive(Properties, PartialEq)]
pub struct NameDialogProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub field_id: AttrValue,
    pub label: AttrValue,
    pub submit_id: AttrValue,
    pub submit_label: AttrValue,
    /// Why a name is asked for, above the field, when the title is not
    /// enough.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// The name the field starts with.
    pub name: AttrValue,
    pub busy: bool,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Gets the name typed; the page checks and sends it.
    pub on_submit: Callback<String>,
    pub on_close: Callback<()>,
}

#[function_component(NameDialog)]
pub fn name_dialog(props: &NameDialogProps) -> Html {
    let name = use_state(|| props.name.to_string());
    let onsubmit = {
        let (name, on_submit) = (name.clone(), props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit((*name).clone());
        })
    };
    let oninput = {
        let name = name.clone();
        Callback::from(move |value: String| name.set(value))
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Modal id={props.id.clone()} title={props.title.clone()} on_close={props.on_close.clone()}>
            if let Some(hint) = props.hint.clone() {
                <p>{ hint }</p>
            }
            <form {onsubmit} novalidate=true>
                <Field id={props.field_id.clone()} label={props.label.clone()} value={(*name).clone()}
                    error={props.error.clone()} required=true {oninput} autocomplete="off" />
                <div class="dialog-buttons">
                    <button type="button" onclick={cancel}>{ "Cancel" }</button>
                    <button type="submit" class="primary" id={props.submit_id.clone()} disabled={props.busy}>
                        { props.submit_label.clone() }
                    </button>
                </div>
            </form>
        </Modal>
    }
}
