//! A share link's page, for whoever holds the link, signed in or not: what
//! it opens (name, size, expiry), a password prompt when the link has one,
//! Download, and for a folder its items to browse, each file to download,
//! and the whole folder as a zip.

use std::rc::Rc;

use strongroom_shared::{NodeKind, PublicShare as Shared};
use yew::prelude::*;

use crate::clock;
use crate::components::{Alert, Field, PublicCrumbs, PublicTable, Spinner, bind};
use crate::format;
use crate::hooks::{Gate, Listing, ShareLink, use_share_link};
use crate::sharing;

#[derive(Properties, PartialEq)]
pub struct PublicShareProps {
    /// The link's token: `/s/{token}`.
    pub token: String,
}

#[function_component(PublicShare)]
pub fn public_share(props: &PublicShareProps) -> Html {
    let link = use_share_link(&props.token);
    match link.gate() {
        Gate::Opening => html! { <Spinner /> },
        Gate::Gone => html! { <Gone /> },
        Gate::Failed(message) => html! {
            <section class="card auth-card" id="share-failed">
                <h1>{ "This link cannot be opened right now" }</h1>
                <Alert message={message.clone()} />
            </section>
        },
        Gate::Locked { problem } => {
            let on_submit = {
                let link = link.clone();
                Callback::from(move |password: String| link.unlock(password))
            };
            html! { <PasswordPrompt busy={link.unlocking()} problem={problem.clone()} {on_submit} /> }
        }
        Gate::Open(share) => html! { <Opened share={Rc::clone(share)} {link} /> },
    }
}

/// The same words whether the link expired, was revoked, ran out or never
/// existed: the server does not tell them apart either.
#[function_component(Gone)]
fn gone() -> Html {
    html! {
        <section class="card auth-card" id="share-not-found">
            <h1>{ "Nothing here" }</h1>
            <p>{ "This link does not open anything: it may have expired, been revoked or used up." }</p>
            <p class="aside">{ "If you were expecting a file, ask whoever sent you the link for a new one." }</p>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct PasswordPromptProps {
    busy: bool,
    problem: Option<AttrValue>,
    on_submit: Callback<String>,
}

#[function_component(PasswordPrompt)]
fn password_prompt(props: &PasswordPromptProps) -> Html {
    let password = use_state(String::new);
    let onsubmit = {
        let (password, on_submit) = (password.clone(), props.on_submit.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_submit.emit((*password).clone());
        })
    };
    html! {
        <section class="card auth-card" id="share-locked">
            <h1>{ "This link has a password" }</h1>
            <p>{ "Whoever shared it will have told you the password." }</p>
            <form {onsubmit} novalidate=true>
                <Field id="share-unlock-password" label="Password" kind="password" value={(*password).clone()}
                    oninput={bind(&password)} error={props.problem.clone()} autocomplete="off"
                    required=true autofocus=true />
                <button type="submit" class="primary wide" id="share-unlock" disabled={props.busy}>
                    { if props.busy { "Checking…" } else { "Open" } }
                </button>
            </form>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct OpenedProps {
    share: Rc<Shared>,
    link: ShareLink,
}

#[function_component(Opened)]
fn opened(props: &OpenedProps) -> Html {
    let (share, link) = (&props.share, &props.link);
    let zone = clock::zone();
    let is_folder = share.kind == NodeKind::Folder;
    let download = {
        let link = link.clone();
        Callback::from(move |_: MouseEvent| link.download())
    };
    let zip = {
        let link = link.clone();
        Callback::from(move |_: MouseEvent| link.download_zip())
    };
    html! {
        <section class="shared-link" id="share-page" data-kind={if is_folder { "folder" } else { "file" }}>
            <div class="toolbar">
                <h1 id="share-name">
                    <span class={if is_folder { "icon icon-folder" } else { "icon icon-file" }} aria-hidden="true"></span>
                    { " " }{ share.name.clone() }
                </h1>
                <div class="toolbar-actions">
                    if is_folder {
                        <button type="button" class="primary" id="share-zip" onclick={zip}>
                            { "Download all (zip)" }
                        </button>
                    } else {
                        <button type="button" class="primary" id="share-download" onclick={download}>
                            { "Download" }
                        </button>
                    }
                </div>
            </div>
            <dl class="facts" id="share-facts">
                if !is_folder {
                    <dt>{ "Size" }</dt>
                    <dd id="share-size" title={format::exact_size(share.size)}>{ format::size(share.size) }</dd>
                }
                <dt>{ "Link expires" }</dt>
                <dd id="share-expires">{ sharing::expiry(share.expires_at, zone) }</dd>
                if let Some(left) = share.downloads_left {
                    <dt>{ "Downloads left" }</dt>
                    <dd id="share-downloads-left">{ left }</dd>
                }
            </dl>
            if let Some(message) = link.notice() {
                <Alert {message} />
            }
            if is_folder {
                { folder(link) }
            }
        </section>
    }
}

/// The folder shown inside a shared folder.
fn folder(link: &ShareLink) -> Html {
    match link.listing() {
        Listing::Loading => html! { <Spinner /> },
        Listing::Failed(message) => html! { <Alert message={message.clone()} /> },
        Listing::Ready(listing) => {
            let on_go = {
                let link = link.clone();
                Callback::from(move |depth: usize| link.go_up(depth))
            };
            let on_open = {
                let link = link.clone();
                Callback::from(move |name: String| link.open_folder(name))
            };
            let on_download = {
                let link = link.clone();
                Callback::from(move |id| link.download_file(id))
            };
            html! {
                <>
                    <PublicCrumbs names={Rc::new(listing.breadcrumbs.clone())} {on_go} />
                    if listing.items.is_empty() {
                        <div class="empty" id="share-empty"><p>{ "This folder is empty." }</p></div>
                    } else {
                        <PublicTable items={Rc::new(listing.items.clone())} {on_open} {on_download}
                            now={clock::now()} zone={clock::zone()} />
                    }
                </>
            }
        }
    }
}
