//! A folder inside a shared folder, as its link's page shows it: where it is
//! (breadcrumbs from the shared folder down) and its items, each file with
//! its Download button.

use std::rc::Rc;

use strongroom_shared::{NodeKind, PublicEntry};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct PublicCrumbsProps {
    /// The shared folder's name, then each folder below it to the one shown.
    pub names: Rc<Vec<String>>,
    /// Gets how many folders deep to go back to (0: the shared folder).
    pub on_go: Callback<usize>,
}

#[function_component(PublicCrumbs)]
pub fn public_crumbs(props: &PublicCrumbsProps) -> Html {
    let last = props.names.len().saturating_sub(1);
    html! {
        <nav class="breadcrumbs" aria-label="Folder path" id="share-breadcrumbs">
            <ol>
                { for props.names.iter().enumerate().map(|(depth, name)| {
                    let on_go = props.on_go.clone();
                    match depth == last {
                        true => html! { <li aria-current="page">{ name.clone() }</li> },
                        false => html! {
                            <li>
                                <button type="button" class="link-button crumb" data-depth={depth.to_string()}
                                    onclick={move |_: MouseEvent| on_go.emit(depth)}>{ name.clone() }</button>
                            </li>
                        },
                    }
                }) }
            </ol>
        </nav>
    }
}

#[derive(Properties, PartialEq)]
pub struct PublicTableProps {
    /// Folders first, then files, each by name, as the server lists them.
    pub items: Rc<Vec<PublicEntry>>,
    /// Gets the name of the folder to open.
    pub on_open: Callback<String>,
    pub on_download: Callback<Uuid>,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
}

#[function_component(PublicTable)]
pub fn public_table(props: &PublicTableProps) -> Html {
    html! {
        <table class="files" id="share-items">
            <thead>
                <tr>
                    <th scope="col" class="col-name">{ "Name" }</th>
                    <th scope="col" class="col-size">{ "Size" }</th>
                    <th scope="col" class="col-modified">{ "Modified" }</th>
                    <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr>
            </thead>
            <tbody>
                { for props.items.iter().map(|entry| row(props, entry)) }
            </tbody>
        </table>
    }
}

fn row(props: &PublicTableProps, entry: &PublicEntry) -> Html {
    let name = entry.name.clone();
    let id = entry.id;
    let download = {
        let on_download = props.on_download.clone();
        Callback::from(move |_: MouseEvent| on_download.emit(id))
    };
    let (kind, name_cell, size, action) = match entry.kind {
        NodeKind::Folder => {
            let (on_open, folder) = (props.on_open.clone(), name.clone());
            let open = Callback::from(move |_: MouseEvent| on_open.emit(folder.clone()));
            (
                "folder",
                html! {
                    <button type="button" class="name folder-link" onclick={open}>
                        <span class="icon icon-folder" aria-hidden="true"></span>{ name.clone() }
                    </button>
                },
                html! { <span class="muted">{ "—" }</span> },
                html! {},
            )
        }
        NodeKind::File => (
            "file",
            html! {
                <button type="button" class="name file-link" onclick={download.clone()}
                    title={format!("Download {name}")}>
                    <span class="icon icon-file" aria-hidden="true"></span>{ name.clone() }
                </button>
            },
            html! { <span title={format::exact_size(entry.size)}>{ format::size(entry.size) }</span> },
            html! {
                <button type="button" class="action-download" onclick={download}
                    aria-label={format!("Download {name}")}>{ "Download" }</button>
            },
        ),
    };
    html! {
        <tr key={id.to_string()} data-name={name.clone()} data-kind={kind}>
            <td class="col-name">{ name_cell }</td>
            <td class="col-size">{ size }</td>
            <td class="col-modified">
                <time datetime={entry.modified_at.to_string()} title={format::full_date(entry.modified_at, props.zone)}>
                    { format::when(entry.modified_at, props.now, props.zone) }
                </time>
            </td>
            <td class="col-actions"><div class="actions">{ action }</div></td>
        </tr>
    }
}
