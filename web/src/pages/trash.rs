//! The trash: what was deleted, from where and until when, with Restore
//! (under another name when its own is taken meanwhile), Delete forever and
//! Empty trash (each after a confirmation).

use std::rc::Rc;

use strongroom_shared::validate::check_name;
use strongroom_shared::{Node, TrashItem, TrashListing, kinds};
use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::clock;
use crate::components::{Alert, ConfirmDialog, NameDialog, Spinner, TrashTable};
use crate::hooks::{Fetch, Fetched, Submit, use_submit, use_submit_with, use_trash};
use crate::route::Route;
use crate::services::{ApiError, trash as service};
use crate::trash;

#[derive(Clone, PartialEq)]
enum Dialog {
    Closed,
    /// Its own name is taken where it goes back to: ask for another.
    Rename(TrashItem),
    Purge(TrashItem),
    Empty,
}

/// Where a restored item went, to say so with a link there.
#[derive(Clone, PartialEq)]
struct Restored {
    name: String,
    /// `None`: the root.
    folder: Option<Uuid>,
    place: String,
}

impl Restored {
    fn new(item: &TrashItem, node: &Node) -> Self {
        Self {
            name: node.name.clone(),
            // The root has no id of its own in the app's links.
            folder: item
                .original_path
                .get(1..)
                .and_then(<[_]>::last)
                .map(|crumb| crumb.id),
            place: trash::restored_to(&item.original_path),
        }
    }
}

#[function_component(Trash)]
pub fn trash_page() -> Html {
    let listing = use_trash();
    let dialog = use_state(|| Dialog::Closed);
    let restore = use_submit();
    let dialog_submit = use_submit_with(name_problem);
    let restored = use_state(|| None::<Restored>);
    let actions = Actions {
        listing: listing.clone(),
        dialog: dialog.clone(),
        restore,
        submit: dialog_submit,
        restored: restored.clone(),
    };

    let (body, empty, retention) = match listing.state() {
        Fetch::Loading => (html! { <Spinner /> }, true, None),
        Fetch::Failed(error) => (html! { <Alert message={error.message()} /> }, true, None),
        Fetch::Ready(found) => (
            actions.body(found),
            found.items.is_empty(),
            Some(found.retention_days),
        ),
    };
    let open_empty = {
        let actions = actions.clone();
        Callback::from(move |_: MouseEvent| actions.show(Dialog::Empty))
    };
    html! {
        <div class="trash" id="trash-page">
            <div class="toolbar">
                <h1>{ "Trash" }</h1>
                <div class="toolbar-actions">
                    <button type="button" class="danger" id="empty-trash" onclick={open_empty} disabled={empty}>
                        { "Empty trash" }
                    </button>
                </div>
            </div>
            if let Some(days) = retention {
                <p class="aside" id="trash-retention">{ trash::retention(days) }</p>
            }
            if let Some(done) = (*restored).clone() {
                <div class="alert alert-success" role="status" id="trash-notice">
                    { format!("“{}” is back in {}. ", done.name, done.place) }
                    <Link<Route> to={done.folder.map_or(Route::Files, |id| Route::Folder { id })}>
                        { "Show it" }
                    </Link<Route>>
                </div>
            }
            if let Some(message) = actions.restore.error() {
                <Alert {message} />
            }
            { body }
            { actions.dialog(listing.ready().as_deref()) }
        </div>
    }
}

/// What a dialog shows when its call fails: the server's words about the
/// name when it has some, else the problem.
fn name_problem(error: &ApiError) -> AttrValue {
    AttrValue::from(error.field("name").unwrap_or_else(|| error.message()))
}

/// The page's state and what its buttons do.
#[derive(Clone)]
struct Actions {
    listing: Fetched<TrashListing>,
    dialog: UseStateHandle<Dialog>,
    /// A Restore clicked in the table; its problem shows above it.
    restore: Submit,
    /// The open dialog's call.
    submit: Submit,
    restored: UseStateHandle<Option<Restored>>,
}

impl Actions {
    /// Each dialog opens without the last one's problem.
    fn show(&self, dialog: Dialog) {
        self.submit.reset();
        self.dialog.set(dialog);
    }

    fn close(&self) -> Callback<()> {
        let dialog = self.dialog.clone();
        Callback::from(move |()| dialog.set(Dialog::Closed))
    }

    /// After a change: the dialog closes and the trash is listed again.
    fn done(&self) {
        self.dialog.set(Dialog::Closed);
        self.listing.reload();
    }

    fn restored(&self, item: &TrashItem, node: &Node) {
        self.restored.set(Some(Restored::new(item, node)));
        self.done();
    }

    /// Back under its own name; when that is taken there, the dialog asks
    /// for another.
    fn on_restore(&self) -> Callback<TrashItem> {
        let this = self.clone();
        Callback::from(move |item: TrashItem| {
            this.restored.set(None);
            let id = item.id;
            let call = async move {
                match service::restore(id, None).await {
                    Ok(node) => Ok(Some(node)),
                    Err(error) if error.is(kinds::NAME_TAKEN) => Ok(None),
                    Err(error) => Err(error),
                }
            };
            let this = this.clone();
            this.restore.clone().run(call, move |answer| match answer {
                Some(node) => this.restored(&item, &node),
                None => this.show(Dialog::Rename(item)),
            });
        })
    }

    fn on_purge(&self) -> Callback<TrashItem> {
        let this = self.clone();
        Callback::from(move |item: TrashItem| {
            this.restore.clear();
            this.show(Dialog::Purge(item));
        })
    }

    fn body(&self, found: &Rc<TrashListing>) -> Html {
        if found.items.is_empty() {
            return html! {
                <div class="empty" id="trash-empty">
                    <p><strong>{ "The trash is empty." }</strong></p>
                    // With the trash off, nothing ever waits here.
                    if found.retention_days > 0 {
                        <p>{ "What you delete in " }<Link<Route> to={Route::Files}>{ "your files" }</Link<Route>>
                            { " waits here until it is deleted for good." }</p>
                    }
                </div>
            };
        }
        html! {
            <TrashTable items={Rc::new(found.items.clone())} on_restore={self.on_restore()}
                on_purge={self.on_purge()} busy={self.restore.busy()} now={clock::now()} zone={clock::zone()} />
        }
    }

    /// The open dialog, if any.
    fn dialog(&self, listing: Option<&TrashListing>) -> Html {
        let (busy, error, on_close) = (self.submit.busy(), self.submit.error(), self.close());
        match &*self.dialog {
            Dialog::Closed => html! {},
            Dialog::Rename(item) => {
                let on_submit = self.on_rename(item);
                let place = trash::restored_to(&item.original_path);
                html! {
                    <NameDialog id="restore-name-dialog" title={format!("Restore “{}” under another name", item.name)}
                        hint={format!("Something named “{}” is already in {place}. Choose a name for the restored one.", item.name)}
                        field_id="restore-name" label="Name" submit_id="restore-name-submit" submit_label="Restore"
                        name={trash::restored_name(&item.name, item.kind)} {busy} {error} {on_submit} {on_close} />
                }
            }
            Dialog::Purge(item) => {
                let this = self.clone();
                let id = item.id;
                let on_confirm = Callback::from(move |()| {
                    let this2 = this.clone();
                    this.submit.run(service::purge(id), move |()| this2.done());
                });
                html! {
                    <ConfirmDialog id="purge-dialog" title={format!("Delete “{}” forever?", item.name)}
                        message={trash::purge_warning(item.kind)} confirm_id="confirm-purge" confirm_label="Delete forever"
                        {busy} {error} {on_confirm} {on_close} />
                }
            }
            Dialog::Empty => {
                let this = self.clone();
                let on_confirm = Callback::from(move |()| {
                    let this2 = this.clone();
                    this.submit.run(service::empty(), move |()| this2.done());
                });
                html! {
                    <ConfirmDialog id="empty-trash-dialog" title="Empty the trash?"
                        message={empty_warning(listing)} confirm_id="confirm-empty-trash" confirm_label="Empty trash"
                        {busy} {error} {on_confirm} {on_close} />
                }
            }
        }
    }

    /// The new name against the same rules as the server, then the restore
    /// again with it.
    fn on_rename(&self, item: &TrashItem) -> Callback<String> {
        let (this, item) = (self.clone(), item.clone());
        Callback::from(move |name: String| {
            if let Err(invalid) = check_name(&name) {
                this.submit
                    .fail(AttrValue::from(invalid.for_field("name").message));
                return;
            }
            let (this2, item2) = (this.clone(), item.clone());
            this.submit
                .run(service::restore(item.id, Some(name)), move |node| {
                    this2.restored(&item2, &node);
                });
        })
    }
}

/// Empty trash's question, with what the listing shown holds.
fn empty_warning(listing: Option<&TrashListing>) -> String {
    let items = listing.map_or(&[][..], |listing| &listing.items);
    trash::empty_warning(items.len(), items.iter().map(|item| item.size).sum())
}
