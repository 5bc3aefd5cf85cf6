//! The caller's app passwords as a table: name (and whether read-only),
//! when made, when last used, with Revoke.

use std::rc::Rc;

use strongroom_shared::AppPassword;
use time::{OffsetDateTime, UtcOffset};
use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct AppPasswordTableProps {
    /// Newest first, as the server lists them.
    pub items: Rc<Vec<AppPassword>>,
    pub on_revoke: Callback<AppPassword>,
    pub now: OffsetDateTime,
    pub zone: UtcOffset,
}

#[function_component(AppPasswordTable)]
pub fn app_password_table(props: &AppPasswordTableProps) -> Html {
    html! {
        <table class="files app-passwords" id="app-password-table">
            <thead>
                <tr>
                    <th scope="col" class="col-name">{ "Name" }</th>
                    <th scope="col" class="col-created">{ "Created" }</th>
                    <th scope="col" class="col-last-used">{ "Last used" }</th>
                    <th scope="col" class="col-actions"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr>
            </thead>
            <tbody>
                { for props.items.iter().map(|item| row(props, item)) }
            </tbody>
        </table>
    }
}

/// A moment as the tables show it: short, with the full date on hover.
fn moment(at: OffsetDateTime, props: &AppPasswordTableProps) -> Html {
    html! {
        <time datetime={at.to_string()} title={format::full_date(at, props.zone)}>
            { format::when(at, props.now, props.zone) }
        </time>
    }
}

fn row(props: &AppPasswordTableProps, item: &AppPassword) -> Html {
    let revoke = {
        let (on_revoke, item) = (props.on_revoke.clone(), item.clone());
        Callback::from(move |_: MouseEvent| on_revoke.emit(item.clone()))
    };
    let name = item.name.clone();
    html! {
        <tr key={item.id.to_string()} data-name={name.clone()} data-app-password={item.id.to_string()}
            data-read-only={item.read_only.to_string()}>
            <td class="col-name">
                <span class="name">{ name.clone() }</span>
                if item.read_only {
                    { " " }<span class="badge read-only-badge">{ "read-only" }</span>
                }
            </td>
            <td class="col-created">{ moment(item.created_at, props) }</td>
            <td class="col-last-used">
                { item.last_used_at.map_or_else(|| html! { <span class="muted">{ "never" }</span> },
                    |at| moment(at, props)) }
            </td>
            <td class="col-actions">
                <div class="actions">
                    <button type="button" class="action-revoke danger" onclick={revoke}
                        aria-label={format!("Revoke the app password {name}")}>{ "Revoke" }</button>
                </div>
            </td>
        </tr>
    }
}
