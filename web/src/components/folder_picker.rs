//! Choosing where to move something: browse folders, then "Move here".

use strongroom_shared::{Node, NodeKind};
use uuid::Uuid;
use yew::prelude::*;

use super::{Alert, Modal, Spinner};
use crate::hooks::{Load, use_folder};
use crate::listing::{Sort, sorted, trail};

#[derive(Properties, PartialEq)]
pub struct FolderPickerProps {
    /// What is being moved: it is not offered as its own destination.
    pub moving: Node,
    pub on_pick: Callback<Uuid>,
    pub on_close: Callback<()>,
    #[prop_or_default]
    pub error: Option<AttrValue>,
}

#[function_component(FolderPicker)]
pub fn folder_picker(props: &FolderPickerProps) -> Html {
    // Start where the item is now.
    let at = use_state(|| props.moving.parent_id);
    // Browsing quickly, a slow answer for a folder already left must not
    // replace the one browsed to since: use_folder drops it.
    let folder = use_folder(*at);
    let go = |target: Option<Uuid>| {
        let at = at.clone();
        Callback::from(move |_: MouseEvent| at.set(target))
    };
    let body = match folder.load() {
        Load::Loading => html! { <Spinner /> },
        Load::Failed(error) => html! { <Alert message={error.message()} /> },
        Load::Ready(listing) => {
            let folders: Vec<Node> = sorted(&listing.items, Sort::default())
                .into_iter()
                .filter(|node| node.kind == NodeKind::Folder && node.id != props.moving.id)
                .collect();
            let here = listing.folder.id;
            let is_current = Some(here) == props.moving.parent_id;
            let pick = {
                let on_pick = props.on_pick.clone();
                Callback::from(move |_: MouseEvent| on_pick.emit(here))
            };
            html! {
                <>
                    <nav class="breadcrumbs" aria-label="Destination">
                        <ol>
                            { for trail(&listing.breadcrumbs).into_iter().map(|(id, label)| html! {
                                <li><button type="button" class="link-button" onclick={go(id)}>{ label }</button></li>
                            }) }
                        </ol>
                    </nav>
                    <ul class="picker-list" id="picker-folders">
                        { for folders.iter().map(|folder| html! {
                            <li key={folder.id.to_string()}>
                                <button type="button" class="picker-folder" data-name={folder.name.clone()} onclick={go(Some(folder.id))}>
                                    <span class="icon icon-folder" aria-hidden="true"></span>{ folder.name.clone() }
                                </button>
                            </li>
                        }) }
                        if folders.is_empty() {
                            <li class="muted">{ "No folders here." }</li>
                        }
                    </ul>
                    if let Some(error) = &props.error {
                        <Alert message={error.clone()} />
                    }
                    <div class="dialog-buttons">
                        <button type="button" onclick={let c = props.on_close.clone(); move |_| c.emit(())}>{ "Cancel" }</button>
                        <button type="button" class="primary" id="move-here" onclick={pick} disabled={is_current}>
                            { "Move here" }
                        </button>
                    </div>
                </>
            }
        }
    };
    html! {
        <Modal id="move-dialog" title={format!("Move “{}”", props.moving.name)} on_close={props.on_close.clone()}>
            { body }
        </Modal>
    }
}
