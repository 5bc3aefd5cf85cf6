//! Asking before something that cannot be undone (deleting from the trash
//! for good, emptying it): what happens, Cancel, and the button that does it.

use yew::prelude::*;

use super::{Alert, Modal};

#[derive(Properties, PartialEq)]
pub struct ConfirmDialogProps {
    pub id: AttrValue,
    pub title: AttrValue,
    /// What happens, in a sentence or two.
    pub message: AttrValue,
    pub confirm_id: AttrValue,
    pub confirm_label: AttrValue,
    pub busy: bool,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(ConfirmDialog)]
pub fn confirm_dialog(props: &ConfirmDialogProps) -> Html {
    let confirm = {
        let on_confirm = props.on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Modal id={props.id.clone()} title={props.title.clone()} on_close={props.on_close.clone()}>
            <p>{ props.message.clone() }</p>
            if let Some(message) = props.error.clone() {
                <Alert {message} />
            }
            <div class="dialog-buttons">
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="danger" id={props.confirm_id.clone()} onclick={confirm}
                    disabled={props.busy}>
                    { props.confirm_label.clone() }
                </button>
            </div>
        </Modal>
    }
}
