//! A file's earlier versions: each one's size and date, to download,
//! restore (the current content becomes a version in turn) or delete.

use strongroom_shared::{Node, Version};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;
use yew::prelude::*;

use super::{Alert, Modal, Spinner};
use crate::format;
use crate::hooks::{Fetch, Submit, use_submit, use_versions};
use crate::services::versions;

#[derive(Properties, PartialEq)]
pub struct VersionsDialogProps {
    pub file: Node,
    /// A version became the content again: the file as it now is.
    pub on_restored: Callback<Node>,
    pub on_close: Callback<()>,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
}

#[function_component(VersionsDialog)]
pub fn versions_dialog(props: &VersionsDialogProps) -> Html {
    let list = use_versions(props.file.id);
    let submit = use_submit();
    // The version whose Delete was clicked, asking "for good?" in its row.
    let deleting = use_state(|| None::<Uuid>);
    let actions = Actions {
        file: props.file.id,
        submit: submit.clone(),
        deleting: deleting.clone(),
        on_restored: props.on_restored.clone(),
        on_deleted: {
            let list = list.clone();
            Callback::from(move |()| list.reload())
        },
    };
    let body = match list.state() {
        Fetch::Loading => html! { <Spinner /> },
        Fetch::Failed(error) => html! { <Alert message={error.message()} /> },
        Fetch::Ready(found) if found.items.is_empty() => html! {
            <p class="empty" id="versions-empty">{ "No earlier versions." }</p>
        },
        Fetch::Ready(found) => html! {
            <table class="files versions" id="versions-table">
                <thead>
                    <tr>
                        <th scope="col">{ "Saved" }</th>
                        <th scope="col" class="col-size">{ "Size" }</th>
                        <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                    </tr>
                </thead>
                <tbody>
                    { for found.items.iter().map(|version| actions.row(version, props)) }
                </tbody>
            </table>
        },
    };
    let close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let file = &props.file;
    html! {
        <Modal id="versions-dialog" title={format!("Versions of “{}”", file.name)} on_close={props.on_close.clone()}>
            <p class="aside" id="versions-current">
                { format!("Now {}, saved {}. ", format::size(file.size), format::when(file.modified_at, props.now, props.zone)) }
                { "Uploading a file of the same name over it keeps the content it replaces here." }
            </p>
            { body }
            if let Some(message) = submit.error() {
                <Alert {message} />
            }
            <div class="dialog-buttons">
                <button type="button" id="versions-close" onclick={close}>{ "Close" }</button>
            </div>
        </Modal>
    }
}

/// What a version's buttons do; one call at a time, its problem shown
/// under the list.
struct Actions {
    file: Uuid,
    submit: Submit,
    deleting: UseStateHandle<Option<Uuid>>,
    on_restored: Callback<Node>,
    on_deleted: Callback<()>,
}

impl Actions {
    fn download(&self, version: Uuid) -> Callback<MouseEvent> {
        let (submit, file) = (self.submit.clone(), self.file);
        Callback::from(move |_| submit.run(versions::download(file, version), |()| {}))
    }

    fn restore(&self, version: Uuid) -> Callback<MouseEvent> {
        let (submit, file, on_restored) =
            (self.submit.clone(), self.file, self.on_restored.clone());
        Callback::from(move |_| {
            let on_restored = on_restored.clone();
            submit.run(versions::restore(file, version), move |node| {
                on_restored.emit(node);
            });
        })
    }

    /// `Some`: ask in the row first; `None`: never mind.
    fn ask_delete(&self, version: Option<Uuid>) -> Callback<MouseEvent> {
        let deleting = self.deleting.clone();
        Callback::from(move |_| deleting.set(version))
    }

    fn delete(&self, version: Uuid) -> Callback<MouseEvent> {
        let (submit, file) = (self.submit.clone(), self.file);
        let (deleting, on_deleted) = (self.deleting.clone(), self.on_deleted.clone());
        Callback::from(move |_| {
            let (deleting, on_deleted) = (deleting.clone(), on_deleted.clone());
            submit.run(versions::delete(file, version), move |()| {
                deleting.set(None);
                on_deleted.emit(());
            });
        })
    }

    fn row(&self, version: &Version, props: &VersionsDialogProps) -> Html {
        let id = version.id;
        let when = format::when(version.created_at, props.now, props.zone);
        let busy = self.submit.busy();
        let buttons = match *self.deleting == Some(id) {
            true => html! {
                <>
                    <span class="confirm-text">{ "Delete for good?" }</span>
                    <button type="button" class="version-delete-confirm danger" onclick={self.delete(id)} disabled={busy}
                        aria-label={format!("Delete the version saved {when} for good")}>{ "Delete" }</button>
                    <button type="button" class="version-delete-cancel" onclick={self.ask_delete(None)}>{ "Keep" }</button>
                </>
            },
            false => html! {
                <>
                    <button type="button" class="version-download" onclick={self.download(id)} disabled={busy}
                        aria-label={format!("Download the version saved {when}")}>{ "Download" }</button>
                    <button type="button" class="version-restore" onclick={self.restore(id)} disabled={busy}
                        aria-label={format!("Restore the version saved {when}")}>{ "Restore" }</button>
                    <button type="button" class="version-delete danger" onclick={self.ask_delete(Some(id))}
                        aria-label={format!("Delete the version saved {when}")}>{ "Delete" }</button>
                </>
            },
        };
        html! {
            <tr class="version-row" key={id.to_string()} data-version={id.to_string()} data-size={version.size.to_string()}>
                <td class="col-saved">
                    <time datetime={version.created_at.to_string()} title={format::full_date(version.created_at, props.zone)}>
                        { when.clone() }
                    </time>
                </td>
                <td class="col-size"><span title={format::exact_size(version.size)}>{ format::size(version.size) }</span></td>
                <td class="col-actions"><div class="actions">{ buttons }</div></td>
            </tr>
        }
    }
}
