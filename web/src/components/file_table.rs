//! A folder's items as a table: name, size, modified, and the actions
//! (download, versions, share, rename, move, delete).

use std::rc::Rc;

use strongroom_shared::{Node, NodeKind};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::format;
use crate::listing::{Sort, SortKey};
use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct FileTableProps {
    /// Already in display order.
    pub items: Rc<Vec<Node>>,
    pub sort: Sort,
    pub on_sort: Callback<SortKey>,
    pub on_download: Callback<Uuid>,
    pub on_rename: Callback<Node>,
    pub on_move: Callback<Node>,
    pub on_delete: Callback<Node>,
    pub on_share: Callback<Node>,
    /// A file's earlier versions.
    pub on_versions: Callback<Node>,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
    /// Search results offer to open the folder each item lives in.
    #[prop_or_default]
    pub show_location: bool,
    #[prop_or_default]
    pub on_locate: Callback<Uuid>,
}

#[function_component(FileTable)]
pub fn file_table(props: &FileTableProps) -> Html {
    let header = |key: SortKey, label: &'static str, class: &'static str| {
        let on_sort = props.on_sort.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_sort.emit(key));
        let arrow = match (props.sort.key == key, props.sort.ascending) {
            (false, _) => "",
            (true, true) => " ↑",
            (true, false) => " ↓",
        };
        html! {
            <th scope="col" class={class} aria-sort={props.sort.aria(key)}>
                <button type="button" class="sort" {onclick}>{ label }{ arrow }</button>
            </th>
        }
    };
    html! {
        <table class="files" id="file-table">
            <thead>
                <tr>
                    { header(SortKey::Name, "Name", "col-name") }
                    { header(SortKey::Size, "Size", "col-size") }
                    { header(SortKey::Modified, "Modified", "col-modified") }
                    <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr>
            </thead>
            <tbody>
                { for props.items.iter().map(|node| row(props, node)) }
            </tbody>
        </table>
    }
}

fn row(props: &FileTableProps, node: &Node) -> Html {
    let id = node.id;
    let is_folder = node.kind == NodeKind::Folder;
    let name = node.name.clone();
    let download = {
        let on_download = props.on_download.clone();
        Callback::from(move |_: MouseEvent| on_download.emit(id))
    };
    let emit = |callback: &Callback<Node>| {
        let callback = callback.clone();
        let node = node.clone();
        Callback::from(move |_: MouseEvent| callback.emit(node.clone()))
    };
    let name_cell = match is_folder {
        true => html! {
            <Link<Route> to={Route::Folder { id }} classes="name folder-link">
                <span class="icon icon-folder" aria-hidden="true"></span>{ name.clone() }
            </Link<Route>>
        },
        false => html! {
            <button type="button" class="name file-link" onclick={download.clone()}
                title={format!("Download {name}")}>
                <span class="icon icon-file" aria-hidden="true"></span>{ name.clone() }
            </button>
        },
    };
    let size = match is_folder {
        true => html! { <span class="muted">{ "—" }</span> },
        false => {
            html! { <span title={format::exact_size(node.size)}>{ format::size(node.size) }</span> }
        }
    };
    let kind = match is_folder {
        true => "folder",
        false => "file",
    };
    html! {
        <tr key={id.to_string()} data-name={name.clone()} data-kind={kind}>
            <td class="col-name">{ name_cell }</td>
            <td class="col-size">{ size }</td>
            <td class="col-modified">
                <time datetime={node.modified_at.to_string()} title={format::full_date(node.modified_at, props.zone)}>
                    { format::when(node.modified_at, props.now, props.zone) }
                </time>
            </td>
            <td class="col-actions">
                <div class="actions">
                    if let (true, Some(parent)) = (props.show_location, node.parent_id) {
                        <button type="button" class="action-locate"
                            onclick={let on_locate = props.on_locate.clone(); move |_| on_locate.emit(parent)}
                            aria-label={format!("Open the folder of {name}")}>{ "Open folder" }</button>
                    }
                    if !is_folder {
                        <button type="button" class="action-download" onclick={download}
                            aria-label={format!("Download {name}")}>{ "Download" }</button>
                    }
                    if !is_folder {
                        <button type="button" class="action-versions" onclick={emit(&props.on_versions)}
                            aria-label={format!("Versions of {name}")}>{ "Versions" }</button>
                    }
                    <button type="button" class="action-share" onclick={emit(&props.on_share)}
                        aria-label={format!("Share {name}")}>{ "Share" }</button>
                    <button type="button" class="action-rename" onclick={emit(&props.on_rename)}
                        aria-label={format!("Rename {name}")}>{ "Rename" }</button>
                    <button type="button" class="action-move" onclick={emit(&props.on_move)}
                        aria-label={format!("Move {name}")}>{ "Move" }</button>
                    <button type="button" class="action-delete danger" onclick={emit(&props.on_delete)}
                        aria-label={format!("Delete {name}")}>{ "Delete" }</button>
                </div>
            </td>
        </tr>
    }
}
