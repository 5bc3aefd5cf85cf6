//! The file browser: one folder's items, breadcrumbs, search, uploads by
//! button and by drag-and-drop, and the dialogs for new folder, rename, move,
//! delete (to the trash), share and a file's versions. The state lives in hooks and the drawing in components; this
//! page connects them.

use std::future::Future;
use std::rc::Rc;

use strongroom_shared::validate::check_name;
use strongroom_shared::{Node, Share};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::clock;
use crate::components::{
    Alert, Breadcrumbs, DeleteDialog, FileTable, FolderPicker, NameDialog, SearchResults,
    ShareCreated, ShareDialog, Spinner, Toolbar, UploadList, VersionsDialog,
};
use crate::hooks::{
    Folder, Load, Search, Submit, use_auth, use_file_drop, use_folder, use_search, use_submit_with,
    use_uploads,
};
use crate::listing::{ROOT_LABEL, Sort, SortKey, free_name, sorted, trail};
use crate::route::Route;
use crate::services::{ApiError, files, shares};
use crate::sharing::{self, ShareForm, ShareProblems};

#[derive(Properties, PartialEq)]
pub struct FilesProps {
    /// `None` is the root folder.
    pub folder: Option<Uuid>,
}

#[derive(Clone, PartialEq)]
enum Dialog {
    Closed,
    /// With the name it suggests.
    NewFolder(String),
    Rename(Node),
    Move(Node),
    Delete(Node),
    Share(Node),
    /// A link just made, with its whole address: shown this once.
    Shared(Share, AttrValue),
    Versions(Node),
}

#[function_component(Files)]
pub fn files_page(props: &FilesProps) -> Html {
    let auth = use_auth();
    let folder = use_folder(props.folder);
    let search = use_search(folder.reloads());
    let sort = use_state(Sort::default);
    let dialog = use_state(|| Dialog::Closed);
    let dialog_submit = use_submit_with(name_problem);
    let share_submit = use_submit_with(ShareProblems::from_error);
    let notice = use_state(|| None::<AttrValue>);
    let on_uploaded = {
        let (folder, auth) = (folder.clone(), auth.clone());
        Callback::from(move |()| {
            folder.reload();
            auth.reload();
        })
    };
    let uploads = use_uploads(folder.id(), on_uploaded);
    let file_drop = use_file_drop(uploads.start.clone());
    let navigator = use_navigator();

    // Each load of the folder starts without the last one's notice.
    {
        let notice = notice.clone();
        use_effect_with((props.folder, folder.reloads()), move |_| notice.set(None));
    }
    // A new folder clears the search and the open dialog.
    {
        let (search, dialog) = (search.clone(), dialog.clone());
        use_effect_with(props.folder, move |_| {
            search.clear();
            dialog.set(Dialog::Closed);
        });
    }

    let dialogs = Dialogs {
        open: dialog.clone(),
        submit: dialog_submit,
        share: share_submit,
        folder: folder.clone(),
    };
    let table = Table {
        sort: sort.clone(),
        on_download: download(&notice),
        on_rename: dialogs.on(Dialog::Rename),
        on_move: dialogs.on(Dialog::Move),
        on_delete: dialogs.on(Dialog::Delete),
        on_share: dialogs.on(Dialog::Share),
        on_versions: dialogs.on(Dialog::Versions),
        on_locate: locate(&search, navigator),
        now: clock::now(),
        zone: clock::zone(),
    };
    let crumbs = folder
        .listing()
        .map(|listing| trail(&listing.breadcrumbs))
        .unwrap_or_default();
    let title = crumbs
        .last()
        .map_or_else(|| String::from(ROOT_LABEL), |(_, name)| name.clone());

    html! {
        <div class={classes!("browser", file_drop.dragging.then_some("dragging"))} id="files-page"
             ondragover={file_drop.ondragover} ondragleave={file_drop.ondragleave} ondrop={file_drop.ondrop}>
            <Breadcrumbs trail={crumbs} />
            <Toolbar {title} search_text={search.text()} on_search_input={search.on_input()}
                on_search={search.on_send()} can_add={folder.id().is_some()}
                on_new_folder={dialogs.on_new_folder()} on_files={uploads.start.clone()} />
            if let Some(message) = (*notice).clone() {
                <Alert {message} />
            }
            <UploadList uploads={uploads.list()} on_cancel={uploads.cancel.clone()}
                on_replace={uploads.replace.clone()} on_clear={uploads.clear.clone()} />
            <div class="drop-zone" aria-hidden="true">{ "Drop files to upload them here" }</div>
            { content(&search, &folder, &table, &notice) }
            { dialogs.view() }
        </div>
    }
}

/// Downloads through the browser; a failure shows in the page's notice.
fn download(notice: &UseStateHandle<Option<AttrValue>>) -> Callback<Uuid> {
    let notice = notice.clone();
    Callback::from(move |id: Uuid| {
        let notice = notice.clone();
        yew::platform::spawn_local(async move {
            if let Err(error) = files::download(id).await {
                notice.set(Some(AttrValue::from(error.message())));
            }
        });
    })
}

/// "Open folder" from a result: leave the search for that folder.
fn locate(search: &Search, navigator: Option<Navigator>) -> Callback<Uuid> {
    let search = search.clone();
    Callback::from(move |folder: Uuid| {
        search.clear();
        if let Some(navigator) = &navigator {
            navigator.push(&Route::Folder { id: folder });
        }
    })
}

/// What every file table on the page gets: the order, what its buttons do,
/// and the time to tell "modified" from.
#[derive(Clone)]
struct Table {
    sort: UseStateHandle<Sort>,
    on_download: Callback<Uuid>,
    on_rename: Callback<Node>,
    on_move: Callback<Node>,
    on_delete: Callback<Node>,
    on_share: Callback<Node>,
    on_versions: Callback<Node>,
    on_locate: Callback<Uuid>,
    now: OffsetDateTime,
    zone: UtcOffset,
}

impl Table {
    /// Search results also offer to open the folder each item lives in.
    fn view(&self, items: &[Node], show_location: bool) -> Html {
        let on_sort = {
            let sort = self.sort.clone();
            Callback::from(move |key: SortKey| sort.set(sort.toggled(key)))
        };
        html! {
            <FileTable items={Rc::new(sorted(items, *self.sort))} sort={*self.sort} {on_sort}
                on_download={self.on_download.clone()} on_rename={self.on_rename.clone()}
                on_move={self.on_move.clone()} on_delete={self.on_delete.clone()}
                on_share={self.on_share.clone()} on_versions={self.on_versions.clone()}
                on_locate={self.on_locate.clone()} now={self.now} zone={self.zone} {show_location} />
        }
    }

    /// For the search results, which draw it when they have items.
    fn for_results(&self) -> Callback<Vec<Node>, Html> {
        let table = self.clone();
        Callback::from(move |items: Vec<Node>| table.view(&items, true))
    }
}

/// The search results while there is a search, else the folder's items.
fn content(
    search: &Search,
    folder: &Folder,
    table: &Table,
    notice: &UseStateHandle<Option<AttrValue>>,
) -> Html {
    if let Some(found) = search.found() {
        return html! {
            <SearchResults query={found.query.clone()} results={found.results.clone()} on_clear={search.on_clear()}
                table={table.for_results()} />
        };
    }
    match folder.load() {
        Load::Loading => html! { <Spinner /> },
        Load::Failed(error) => html! {
            <>
                <Alert message={match error.status() {
                    Some(404) => String::from("This folder does not exist (any more)."),
                    _ => error.message(),
                }} />
                <Link<Route> to={Route::Files}>{ "Back to my files" }</Link<Route>>
            </>
        },
        Load::Ready(listing) if listing.items.is_empty() => html! {
            <div class="empty" id="empty-state">
                <p><strong>{ "This folder is empty." }</strong></p>
                <p>{ "Drop files here, or use “Upload files”." }</p>
            </div>
        },
        Load::Ready(listing) => {
            let load_more = {
                let (folder, notice) = (folder.clone(), notice.clone());
                Callback::from(move |_: MouseEvent| {
                    let notice = notice.clone();
                    folder.load_more(Callback::from(move |error: ApiError| {
                        notice.set(Some(AttrValue::from(error.message())));
                    }));
                })
            };
            html! {
                <>
                    { table.view(&listing.items, false) }
                    if listing.next_cursor.is_some() {
                        <button type="button" class="more" id="load-more" onclick={load_more}
                            disabled={folder.loading_more()}>
                            { if folder.loading_more() { "Loading…" } else { "Show more" } }
                        </button>
                    }
                </>
            }
        }
    }
}

/// What a dialog shows when its call fails: the server's words about the
/// name when it has some, else the problem.
fn name_problem(error: &ApiError) -> AttrValue {
    AttrValue::from(error.field("name").unwrap_or_else(|| error.message()))
}

/// The page's dialogs: which one is open, how its submit is going, and the
/// folder its changes are made in.
#[derive(Clone)]
struct Dialogs {
    open: UseStateHandle<Dialog>,
    submit: Submit,
    /// The share dialog's, whose problems go beside its fields.
    share: Submit<ShareProblems>,
    folder: Folder,
}

impl Dialogs {
    /// Each dialog opens without the last one's problem.
    fn show(&self, dialog: Dialog) {
        self.submit.reset();
        self.share.reset();
        self.open.set(dialog);
    }

    /// For a row's button: the dialog about that row's item.
    fn on(&self, make: fn(Node) -> Dialog) -> Callback<Node> {
        let this = self.clone();
        Callback::from(move |node: Node| this.show(make(node)))
    }

    /// The new-folder dialog, suggesting a name nothing in the folder has.
    fn on_new_folder(&self) -> Callback<()> {
        let this = self.clone();
        Callback::from(move |()| {
            let existing = this
                .folder
                .listing()
                .map_or(&[][..], |listing| &listing.items);
            this.show(Dialog::NewFolder(free_name("New folder", existing)));
        })
    }

    /// Sends a dialog's call: on success the dialog closes and the folder is
    /// loaded again; otherwise the problem shows in the dialog.
    fn send<T: 'static>(&self, call: impl Future<Output = Result<T, ApiError>> + 'static) {
        let (open, folder) = (self.open.clone(), self.folder.clone());
        self.submit.run(call, move |_| {
            open.set(Dialog::Closed);
            folder.reload();
        });
    }

    /// The same name rules as the server (shared crate), checked before
    /// sending; the server also NFC-normalises.
    fn on_name<F>(&self, act: impl Fn(String) -> F + 'static) -> Callback<String>
    where
        F: Future<Output = Result<Node, ApiError>> + 'static,
    {
        let this = self.clone();
        Callback::from(move |name: String| match check_name(&name) {
            Ok(()) => this.send(act(name)),
            Err(invalid) => this
                .submit
                .fail(AttrValue::from(invalid.for_field("name").message)),
        })
    }

    /// Checks the share dialog's choices as the server would, then makes
    /// the link; on success the dialog shows it.
    fn on_share(&self, node: Uuid) -> Callback<ShareForm> {
        let (submit, open) = (self.share.clone(), self.open.clone());
        Callback::from(move |form: ShareForm| {
            match sharing::request(&form, clock::now(), clock::zone()) {
                Ok(request) => {
                    let open = open.clone();
                    submit.run(
                        async move { shares::create(node, &request).await },
                        move |share: Share| {
                            let origin = web_sys::window()
                                .and_then(|window| window.location().origin().ok())
                                .unwrap_or_default();
                            let link = sharing::link(&origin, &share);
                            open.set(Dialog::Shared(share, AttrValue::from(link)));
                        },
                    );
                }
                Err(problems) => submit.fail(problems),
            }
        })
    }

    /// The open dialog, if any, with what its buttons do.
    fn view(&self) -> Html {
        let on_close = {
            let open = self.open.clone();
            Callback::from(move |()| open.set(Dialog::Closed))
        };
        let (busy, error) = (self.submit.busy(), self.submit.error());
        match &*self.open {
            Dialog::Closed => html! {},
            Dialog::NewFolder(name) => {
                let on_submit = match self.folder.id() {
                    Some(parent) => self.on_name(move |name| async move {
                        files::create_folder(parent, &name).await
                    }),
                    None => Callback::noop(),
                };
                html! {
                    <NameDialog id="new-folder-dialog" title="New folder" field_id="folder-name" label="Name"
                        submit_id="create-folder-submit" submit_label="Create" name={name.clone()}
                        {busy} {error} {on_submit} {on_close} />
                }
            }
            Dialog::Rename(node) => {
                let id = node.id;
                let on_submit =
                    self.on_name(move |name| async move { files::rename(id, &name).await });
                html! {
                    <NameDialog id="rename-dialog" title={format!("Rename “{}”", node.name)} field_id="rename-input"
                        label="New name" submit_id="rename-submit" submit_label="Rename" name={node.name.clone()}
                        {busy} {error} {on_submit} {on_close} />
                }
            }
            Dialog::Move(node) => {
                let (id, this) = (node.id, self.clone());
                let on_pick =
                    Callback::from(move |parent: Uuid| this.send(files::move_to(id, parent)));
                html! { <FolderPicker moving={node.clone()} {on_pick} {on_close} {error} /> }
            }
            Dialog::Delete(node) => {
                let (id, this) = (node.id, self.clone());
                let on_confirm = Callback::from(move |()| this.send(files::delete(id)));
                html! { <DeleteDialog node={node.clone()} {busy} {error} {on_confirm} {on_close} /> }
            }
            Dialog::Share(node) => {
                let on_submit = self.on_share(node.id);
                html! {
                    <ShareDialog node={node.clone()} busy={self.share.busy()} problems={self.share.error()}
                        {on_submit} {on_close} />
                }
            }
            Dialog::Shared(share, link) => html! {
                <ShareCreated share={share.clone()} link={link.clone()} {on_close} />
            },
            Dialog::Versions(node) => {
                // The restored content shows in the folder at once.
                let on_restored = {
                    let (open, folder) = (self.open.clone(), self.folder.clone());
                    Callback::from(move |_: Node| {
                        open.set(Dialog::Closed);
                        folder.reload();
                    })
                };
                html! {
                    <VersionsDialog file={node.clone()} {on_restored} {on_close}
                        now={clock::now()} zone={clock::zone()} />
                }
            }
        }
    }
}
