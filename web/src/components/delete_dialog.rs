//! Confirming a delete, which cannot be undone.

use strongroom_shared::{Node, NodeKind};
use yew::prelude::*;

use super::{Alert, Modal};

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
    let what = match props.node.kind {
        NodeKind::Folder => "This deletes the folder and everything in it, for good.",
        NodeKind::File => "This deletes the file for good.",
    };
    html! {
        <Modal id="delete-dialog" title={format!("Delete “{}”?", props.node.name)} on_close={props.on_close.clone()}>
            <p>{ what }</p>
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
