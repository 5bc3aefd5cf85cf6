//! The trash as a table: what each item is, where it was deleted from, when,
//! and when it goes for good, with Restore and Delete forever.

use std::rc::Rc;

use strongroom_shared::{NodeKind, TrashItem};
use time::{OffsetDateTime, UtcOffset};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;
use crate::{format, trash};

#[derive(Properties, PartialEq)]
pub struct TrashTableProps {
    /// Most recently deleted first, as the server lists them.
    pub items: Rc<Vec<TrashItem>>,
    pub on_restore: Callback<TrashItem>,
    pub on_purge: Callback<TrashItem>,
    /// A restore is on the way: its buttons wait.
    pub busy: bool,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
}

#[function_component(TrashTable)]
pub fn trash_table(props: &TrashTableProps) -> Html {
    html! {
        <table class="files trash" id="trash-table">
            <thead>
                <tr>
                    <th scope="col" class="col-name">{ "Name" }</th>
                    <th scope="col" class="col-size">{ "Size" }</th>
                    <th scope="col" class="col-origin">{ "Deleted from" }</th>
                    <th scope="col" class="col-deleted">{ "Deleted" }</th>
                    <th scope="col" class="col-purge">{ "Deleted for good" }</th>
                    <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr>
            </thead>
            <tbody>
                { for props.items.iter().map(|item| row(props, item)) }
            </tbody>
        </table>
    }
}

/// The folder it came from, as a link while that folder is there.
fn origin(item: &TrashItem) -> Html {
    let label = trash::origin(&item.original_path);
    match item.original_path.as_slice() {
        [] => html! { <span class="muted">{ label }</span> },
        [_root] => html! { <Link<Route> to={Route::Files}>{ label }</Link<Route>> },
        [.., folder] => {
            html! { <Link<Route> to={Route::Folder { id: folder.id }}>{ label }</Link<Route>> }
        }
    }
}

fn row(props: &TrashTableProps, item: &TrashItem) -> Html {
    let (kind, icon) = match item.kind {
        NodeKind::Folder => ("folder", "icon icon-folder"),
        NodeKind::File => ("file", "icon icon-file"),
    };
    let emit = |callback: &Callback<TrashItem>| {
        let (callback, item) = (callback.clone(), item.clone());
        Callback::from(move |_: MouseEvent| callback.emit(item.clone()))
    };
    let name = item.name.clone();
    html! {
        <tr key={item.id.to_string()} data-name={name.clone()} data-kind={kind} data-trash={item.id.to_string()}>
            <td class="col-name">
                <span class="name"><span class={icon} aria-hidden="true"></span>{ name.clone() }</span>
            </td>
            <td class="col-size"><span title={format::exact_size(item.size)}>{ format::size(item.size) }</span></td>
            <td class="col-origin">{ origin(item) }</td>
            <td class="col-deleted">
                <time datetime={item.deleted_at.to_string()} title={format::full_date(item.deleted_at, props.zone)}>
                    { format::when(item.deleted_at, props.now, props.zone) }
                </time>
            </td>
            <td class="col-purge">
                <time datetime={item.purge_at.to_string()} title={format::full_date(item.purge_at, props.zone)}>
                    { trash::purged_in(item.purge_at, props.now) }
                </time>
            </td>
            <td class="col-actions">
                <div class="actions">
                    <button type="button" class="restore" onclick={emit(&props.on_restore)} disabled={props.busy}
                        aria-label={format!("Restore {name}")}>{ "Restore" }</button>
                    <button type="button" class="purge danger" onclick={emit(&props.on_purge)}
                        aria-label={format!("Delete {name} forever")}>{ "Delete forever" }</button>
                </div>
            </td>
        </tr>
    }
}
