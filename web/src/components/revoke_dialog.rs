//! Confirming that a share link stops working, which cannot be undone.

use strongroom_shared::Share;
use yew::prelude::*;

use super::{Alert, Modal};

#[derive(Properties, PartialEq)]
pub struct RevokeDialogProps {
    pub share: Share,
    pub busy: bool,
    #[prop_or_default]
    pub error: Option<AttrValue>,
    pub on_confirm: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(RevokeDialog)]
pub fn revoke_dialog(props: &RevokeDialogProps) -> Html {
    let confirm = {
        let on_confirm = props.on_confirm.clone();
        Callback::from(move |_: MouseEvent| on_confirm.emit(()))
    };
    let cancel = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <Modal id="revoke-dialog" title={format!("Revoke the link to “{}”?", props.share.name)}
            on_close={props.on_close.clone()}>
            <p>{ "The link stops working for everyone who has it, for good. The item itself stays in your vault." }</p>
            if let Some(message) = props.error.clone() {
                <Alert {message} />
            }
            <div class="dialog-buttons">
                <button type="button" onclick={cancel}>{ "Cancel" }</button>
                <button type="button" class="danger" id="confirm-revoke" onclick={confirm} disabled={props.busy}>
                    { "Revoke" }
                </button>
            </div>
        </Modal>
    }
}
