//! The caller's share links as a table: what each opens and its options,
//! with Revoke.

use std::rc::Rc;

use strongroom_shared::{NodeKind, Share};
use time::{OffsetDateTime, UtcOffset};
use yew::prelude::*;

use crate::{format, sharing};

#[derive(Properties, PartialEq)]
pub struct ShareTableProps {
    /// Newest first, as the server lists them.
    pub items: Rc<Vec<Share>>,
    pub on_revoke: Callback<Share>,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
}

#[function_component(ShareTable)]
pub fn share_table(props: &ShareTableProps) -> Html {
    html! {
        <table class="files shares" id="share-table">
            <thead>
                <tr>
                    <th scope="col" class="col-name">{ "Name" }</th>
                    <th scope="col">{ "Kind" }</th>
                    <th scope="col" class="col-modified">{ "Created" }</th>
                    <th scope="col" class="col-modified">{ "Expires" }</th>
                    <th scope="col" class="col-size">{ "Downloads" }</th>
                    <th scope="col" class="col-size">{ "Password" }</th>
                    <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr>
            </thead>
            <tbody>
                { for props.items.iter().map(|share| row(props, share)) }
            </tbody>
        </table>
    }
}

fn row(props: &ShareTableProps, share: &Share) -> Html {
    let (kind, icon) = match share.kind {
        NodeKind::Folder => ("folder", "icon icon-folder"),
        NodeKind::File => ("file", "icon icon-file"),
    };
    let revoke = {
        let (on_revoke, share) = (props.on_revoke.clone(), share.clone());
        Callback::from(move |_: MouseEvent| on_revoke.emit(share.clone()))
    };
    let name = share.name.clone();
    html! {
        <tr key={share.id.to_string()} data-name={name.clone()} data-kind={kind} data-share={share.id.to_string()}>
            <td class="col-name">
                <span class="name"><span class={icon} aria-hidden="true"></span>{ name.clone() }</span>
            </td>
            <td class="col-kind">{ kind }</td>
            <td class="col-created">
                <time datetime={share.created_at.to_string()} title={format::full_date(share.created_at, props.zone)}>
                    { format::when(share.created_at, props.now, props.zone) }
                </time>
            </td>
            <td class="col-expires">{ sharing::expiry(share.expires_at, props.zone) }</td>
            <td class="col-downloads">{ sharing::downloads(share.downloads, share.max_downloads) }</td>
            <td class="col-password">{ if share.has_password { "Yes" } else { "No" } }</td>
            <td class="col-actions">
                <div class="actions">
                    <button type="button" class="action-revoke danger" onclick={revoke}
                        aria-label={format!("Revoke the link to {name}")}>{ "Revoke" }</button>
                </div>
            </td>
        </tr>
    }
}
