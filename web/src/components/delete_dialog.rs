//! Confirming a delete: the item goes to the trash, for as many days as the
//! server keeps it there (or for good, on a server with the trash off).

use strongroom_shared::Node;
use yew::prelude::*;

use super::{Alert, Modal};
use crate::hooks::use_retention;
use crate::trash;

#[derive(Properties, PartialEq)]
pub struct DeleteDialogProps {
    pub node: Node,
    pub busy: bool,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(DeleteDialog)]
pub fn delete_dialog(props: &DeleteDialogProps) -> Html {
    let confirm = {
        let on_confirm = props.on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    // Asked of the server the first time only: it is one of its settings.
    let what = trash::delete_warning(props.node.kind, use_retention());
    html! {
        <Modal id="delete-dialog" title={format!("Delete “{}”?", props.node.name)} on_close={props.on_close.clone()}>
            <p id="delete-warning">{ what }</p>
            if let Some(message) = props.error.clone() {
                <Alert {message} />
            }
            <div class="dialog-buttons">
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="danger" id="confirm-delete" onclick={confirm} disabled={props.busy}>
                    { "Delete" }
                </button>
            </div>
        </Modal>
    }
}
