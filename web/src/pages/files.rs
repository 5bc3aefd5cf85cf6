//! The file browser: one folder's items, breadcrumbs, search, uploads by
//! button and by drag-and-drop, and the dialogs for new folder, rename, move
//! and delete.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use strongroom_shared::validate::check_name;
use strongroom_shared::{Node, NodeKind};
use uuid::Uuid;
use web_sys::{File, FileList, HtmlInputElement};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::clock;
use crate::components::{Alert, Field, FileTable, FolderPicker, Modal, Spinner, UploadList};
use crate::hooks::{Load, Submit, use_auth, use_folder, use_submit_with};
use crate::listing::{Sort, SortKey, free_name, sorted, trail};
use crate::route::Route;
use crate::services::upload::{self, Cancel};
use crate::services::{ApiError, files};
use crate::uploads::{Action, Uploads};

#[derive(Properties, PartialEq)]
pub struct FilesProps {
    /// `None` is the root folder.
    pub folder: Option<Uuid>,
}

#[derive(Clone, PartialEq)]
enum Dialog {
    Closed,
    NewFolder { name: String },
    Rename { node: Node, name: String },
    Move { node: Node },
    Delete { node: Node },
}

#[derive(Clone, PartialEq)]
struct Search {
    query: String,
    results: Option<Result<Vec<Node>, ApiError>>,
}

/// What the upload tasks share with the page: the files waiting to be sent
/// (kept so "Replace" can send one again) and the handles to cancel them.
#[derive(Default)]
struct Transfers {
    files: HashMap<u64, File>,
    cancels: HashMap<u64, Cancel>,
    cancelled: HashSet<u64>,
}

fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .collect()
}

#[function_component(Files)]
pub fn files_page(props: &FilesProps) -> Html {
    let auth = use_auth();
    let folder = use_folder(props.folder);
    let sort = use_state(Sort::default);
    let dialog = use_state(|| Dialog::Closed);
    let dialog_submit = use_submit_with(name_problem);
    let notice = use_state(|| None::<AttrValue>);
    let search_text = use_state(String::new);
    let search = use_state(|| None::<Search>);
    let dragging = use_state(|| false);
    let uploads = use_reducer(Uploads::default);
    let transfers = use_mut_ref(Transfers::default);

    // Each load of the folder starts without the last one's notice.
    {
        let notice = notice.clone();
        use_effect_with((props.folder, folder.reloads()), move |_| notice.set(None));
    }
    // A new folder clears the search and the open dialog.
    {
        let (search, search_text, dialog) = (search.clone(), search_text.clone(), dialog.clone());
        use_effect_with(props.folder, move |_| {
            search.set(None);
            search_text.set(String::new());
            dialog.set(Dialog::Closed);
        });
    }

    let refresh = {
        let folder = folder.clone();
        Callback::from(move |()| folder.reload())
    };
    let current_folder = folder.id();

    // ---- uploads -------------------------------------------------------
    let send_one = {
        let dispatcher = uploads.dispatcher();
        let transfers = Rc::clone(&transfers);
        let refresh = refresh.clone();
        let auth = auth.clone();
        Rc::new(move |id: u64, folder: Uuid, overwrite: bool| {
            let dispatcher = dispatcher.clone();
            let transfers = Rc::clone(&transfers);
            let refresh = refresh.clone();
            let auth = auth.clone();
            async move {
                let file = transfers.borrow().files.get(&id).cloned();
                let Some(file) = file else { return };
                if transfers.borrow_mut().cancelled.remove(&id) {
                    return;
                }
                dispatcher.dispatch(Action::Started {
                    id,
                    at_ms: clock::now_ms(),
                });
                let last = Rc::new(RefCell::new(0.0_f64));
                let progress = {
                    let dispatcher = dispatcher.clone();
                    Callback::from(move |sent: u64| {
                        // At most ten updates a second: each one redraws.
                        let now = clock::now_ms();
                        if now - *last.borrow() >= 100.0 {
                            *last.borrow_mut() = now;
                            dispatcher.dispatch(Action::Progress {
                                id,
                                sent,
                                at_ms: now,
                            });
                        }
                    })
                };
                let started = {
                    let transfers = Rc::clone(&transfers);
                    Callback::from(move |cancel: Cancel| {
                        transfers.borrow_mut().cancels.insert(id, cancel);
                    })
                };
                let outcome = upload::upload(folder, file, overwrite, progress, started).await;
                transfers.borrow_mut().cancels.remove(&id);
                match outcome {
                    Ok(_) => {
                        transfers.borrow_mut().files.remove(&id);
                        dispatcher.dispatch(Action::Done { id });
                        refresh.emit(());
                        auth.reload();
                    }
                    Err(ApiError::Cancelled) => {
                        transfers.borrow_mut().files.remove(&id);
                        dispatcher.dispatch(Action::Cancelled { id });
                    }
                    Err(error) => {
                        let name_taken = error.code() == Some("name_taken");
                        let message = error.message();
                        if !name_taken {
                            transfers.borrow_mut().files.remove(&id);
                        }
                        dispatcher.dispatch(Action::Failed {
                            id,
                            message,
                            name_taken,
                        });
                    }
                }
            }
        })
    };
    let start_uploads = {
        let uploads = uploads.clone();
        let transfers = Rc::clone(&transfers);
        let send_one = Rc::clone(&send_one);
        Callback::from(move |picked: Vec<File>| {
            let Some(folder) = current_folder else { return };
            if picked.is_empty() {
                return;
            }
            let ids = uploads.next_ids(picked.len());
            let mut described = Vec::with_capacity(picked.len());
            for (id, file) in ids.iter().zip(picked) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                described.push((file.name(), file.size().max(0.0) as u64));
                transfers.borrow_mut().files.insert(*id, file);
            }
            uploads.dispatch(Action::Add(described));
            let send_one = Rc::clone(&send_one);
            // One at a time, in the order picked: each gets the full bandwidth
            // and its progress means something.
            yew::platform::spawn_local(async move {
                for id in ids {
                    send_one(id, folder, false).await;
                }
            });
        })
    };
    let on_cancel = {
        let transfers = Rc::clone(&transfers);
        let dispatcher = uploads.dispatcher();
        Callback::from(move |id: u64| {
            let handle = transfers.borrow().cancels.get(&id).cloned();
            match handle {
                Some(handle) => handle.cancel(),
                None => {
                    // Not started yet: it will be skipped.
                    let mut transfers = transfers.borrow_mut();
                    transfers.cancelled.insert(id);
                    transfers.files.remove(&id);
                    dispatcher.dispatch(Action::Cancelled { id });
                }
            }
        })
    };
    let on_replace = {
        let dispatcher = uploads.dispatcher();
        let send_one = Rc::clone(&send_one);
        Callback::from(move |id: u64| {
            let Some(folder) = current_folder else { return };
            dispatcher.dispatch(Action::Retry { id });
            let send_one = Rc::clone(&send_one);
            yew::platform::spawn_local(async move { send_one(id, folder, true).await });
        })
    };
    let on_clear = {
        let dispatcher = uploads.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::ClearFinished))
    };
    let on_file_input = {
        let start_uploads = start_uploads.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            start_uploads.emit(files_of(input.files()));
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };
    let on_drag_over = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let on_drag_leave = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            // Only when leaving the drop zone, not when crossing its children.
            if event.target() == event.current_target() {
                dragging.set(false);
            }
        })
    };
    let on_drop = {
        let dragging = dragging.clone();
        let start_uploads = start_uploads.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            start_uploads.emit(files_of(
                event.data_transfer().and_then(|data| data.files()),
            ));
        })
    };

    // ---- row actions ---------------------------------------------------
    let open_dialog = |make: fn(Node) -> Dialog| {
        let (dialog, dialog_submit) = (dialog.clone(), dialog_submit.clone());
        Callback::from(move |node: Node| {
            dialog_submit.reset();
            dialog.set(make(node));
        })
    };
    let on_rename = open_dialog(|node| Dialog::Rename {
        name: node.name.clone(),
        node,
    });
    let on_move = open_dialog(|node| Dialog::Move { node });
    let on_delete = open_dialog(|node| Dialog::Delete { node });
    let on_download = {
        let notice = notice.clone();
        Callback::from(move |id: Uuid| {
            let notice = notice.clone();
            yew::platform::spawn_local(async move {
                if let Err(error) = files::download(id).await {
                    notice.set(Some(AttrValue::from(error.message())));
                }
            });
        })
    };
    let on_sort = {
        let sort = sort.clone();
        Callback::from(move |key: SortKey| sort.set(sort.toggled(key)))
    };
    let new_folder = {
        let (dialog, dialog_submit, folder) =
            (dialog.clone(), dialog_submit.clone(), folder.clone());
        Callback::from(move |_: MouseEvent| {
            let existing = folder
                .listing()
                .map(|listing| listing.items.clone())
                .unwrap_or_default();
            dialog_submit.reset();
            dialog.set(Dialog::NewFolder {
                name: free_name("New folder", &existing),
            });
        })
    };
    let load_more = {
        let (folder, notice) = (folder.clone(), notice.clone());
        Callback::from(move |_: MouseEvent| {
            let notice = notice.clone();
            folder.load_more(Callback::from(move |error: ApiError| {
                notice.set(Some(AttrValue::from(error.message())));
            }));
        })
    };

    // ---- search --------------------------------------------------------
    // Shown results follow changes made from them (rename, move, delete).
    {
        let search = search.clone();
        use_effect_with(folder.reloads(), move |_| {
            if let Some(Search {
                query,
                results: Some(_),
            }) = (*search).clone()
            {
                yew::platform::spawn_local(async move {
                    let results = files::search(&query).await.map(|found| found.items);
                    search.set(Some(Search {
                        query,
                        results: Some(results),
                    }));
                });
            }
        });
    }
    let on_search = {
        let (search, search_text) = (search.clone(), search_text.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let query = search_text.trim().to_owned();
            if query.is_empty() {
                search.set(None);
                return;
            }
            search.set(Some(Search {
                query: query.clone(),
                results: None,
            }));
            let search = search.clone();
            yew::platform::spawn_local(async move {
                let results = files::search(&query).await.map(|found| found.items);
                search.set(Some(Search {
                    query,
                    results: Some(results),
                }));
            });
        })
    };
    let clear_search = {
        let (search, search_text) = (search.clone(), search_text.clone());
        Callback::from(move |_: MouseEvent| {
            search.set(None);
            search_text.set(String::new());
        })
    };
    // "Open folder" from a result: leave the search for that folder.
    let on_locate = {
        let (search, search_text) = (search.clone(), search_text.clone());
        let navigator = use_navigator();
        Callback::from(move |folder: Uuid| {
            search.set(None);
            search_text.set(String::new());
            if let Some(navigator) = &navigator {
                navigator.push(&Route::Folder { id: folder });
            }
        })
    };
    let on_search_input = {
        let search_text = search_text.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            search_text.set(input.value());
        })
    };

    // ---- the page ------------------------------------------------------
    let now = clock::now();
    let zone = clock::zone();
    let table = |items: &[Node], show_location: bool| {
        html! {
            <FileTable items={Rc::new(sorted(items, *sort))} sort={*sort} on_sort={on_sort.clone()}
                on_download={on_download.clone()} on_rename={on_rename.clone()} on_move={on_move.clone()}
                on_delete={on_delete.clone()} on_locate={on_locate.clone()} {now} {zone} {show_location} />
        }
    };
    let content = match (&*search, folder.load()) {
        (Some(found), _) => html! {
            <section aria-live="polite" id="search-results">
                <div class="results-head">
                    <h2>{ format!("Results for “{}”", found.query) }</h2>
                    <button type="button" class="link-button" id="clear-search" onclick={clear_search}>{ "Clear search" }</button>
                </div>
                { match &found.results {
                    None => html! { <Spinner /> },
                    Some(Err(error)) => html! { <Alert message={error.message()} /> },
                    Some(Ok(items)) if items.is_empty() => html! {
                        <p class="empty" id="empty-state">{ "Nothing matches." }</p>
                    },
                    Some(Ok(items)) => table(items, true),
                } }
            </section>
        },
        (None, Load::Loading) => html! { <Spinner /> },
        (None, Load::Failed(error)) => html! {
            <>
                <Alert message={match error.status() {
                    Some(404) => String::from("This folder does not exist (any more)."),
                    _ => error.message(),
                }} />
                <Link<Route> to={Route::Files}>{ "Back to my files" }</Link<Route>>
            </>
        },
        (None, Load::Ready(page)) if page.items.is_empty() => html! {
            <div class="empty" id="empty-state">
                <p><strong>{ "This folder is empty." }</strong></p>
                <p>{ "Drop files here, or use “Upload files”." }</p>
            </div>
        },
        (None, Load::Ready(page)) => html! {
            <>
                { table(&page.items, false) }
                if page.next_cursor.is_some() {
                    <button type="button" class="more" id="load-more" onclick={load_more} disabled={folder.loading_more()}>
                        { if folder.loading_more() { "Loading…" } else { "Show more" } }
                    </button>
                }
            </>
        },
    };
    let crumbs = folder
        .listing()
        .map(|listing| trail(&listing.breadcrumbs))
        .unwrap_or_default();
    let last = crumbs.len().saturating_sub(1);
    let title = crumbs.last().map_or_else(
        || String::from(crate::listing::ROOT_LABEL),
        |(_, name)| name.clone(),
    );

    html! {
        <div class={classes!("browser", dragging.then_some("dragging"))} id="files-page"
             ondragover={on_drag_over} ondragleave={on_drag_leave} ondrop={on_drop}>
            <nav class="breadcrumbs" aria-label="Folder path" id="breadcrumbs">
                <ol>
                    { for crumbs.iter().enumerate().map(|(index, (id, label))| {
                        let route = id.map_or(Route::Files, |id| Route::Folder { id });
                        match index == last {
                            true => html! { <li aria-current="page">{ label.clone() }</li> },
                            false => html! { <li><Link<Route> to={route}>{ label.clone() }</Link<Route>></li> },
                        }
                    }) }
                </ol>
            </nav>
            <div class="toolbar">
                <h1 id="folder-title">{ title }</h1>
                <form class="search" role="search" onsubmit={on_search}>
                    <label for="search" class="visually-hidden">{ "Search your files" }</label>
                    <input id="search" type="search" placeholder="Search" value={(*search_text).clone()}
                        oninput={on_search_input} />
                    <button type="submit">{ "Search" }</button>
                </form>
                <div class="toolbar-actions">
                    <button type="button" id="new-folder" onclick={new_folder} disabled={current_folder.is_none()}>
                        { "New folder" }
                    </button>
                    <input type="file" id="file-input" class="file-input" multiple=true onchange={on_file_input}
                        disabled={current_folder.is_none()} />
                    <label for="file-input" class="button primary">{ "Upload files" }</label>
                </div>
            </div>
            if let Some(message) = &*notice {
                <Alert message={message.clone()} />
            }
            <UploadList uploads={(*uploads).clone()} {on_cancel} {on_replace} {on_clear} />
            <div class="drop-zone" aria-hidden="true">{ "Drop files to upload them here" }</div>
            { content }
            { render_dialog(&dialog, &dialog_submit, current_folder, &refresh) }
        </div>
    }
}

/// What a dialog shows when its call fails: the server's words about the
/// name when it has some, else the problem.
fn name_problem(error: &ApiError) -> AttrValue {
    AttrValue::from(error.field("name").unwrap_or_else(|| error.message()))
}

/// The open dialog, if any, with what its buttons do.
fn render_dialog(
    dialog: &UseStateHandle<Dialog>,
    submit: &Submit,
    folder: Option<Uuid>,
    refresh: &Callback<()>,
) -> Html {
    let close = {
        let dialog = dialog.clone();
        Callback::from(move |()| dialog.set(Dialog::Closed))
    };
    let close_click = {
        let close = close.clone();
        Callback::from(move |_: MouseEvent| close.emit(()))
    };
    // Runs a dialog's action; closes it and reloads on success, shows the
    // problem in it otherwise.
    type Work = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>;
    let run: Rc<dyn Fn(Work)> = {
        let (submit, close, refresh) = (submit.clone(), close.clone(), refresh.clone());
        Rc::new(move |work: Work| {
            let (close, refresh) = (close.clone(), refresh.clone());
            submit.run(work, move |()| {
                close.emit(());
                refresh.emit(());
            });
        })
    };
    let name_input = |id: &'static str,
                      label: &'static str,
                      name: &str,
                      make: Rc<dyn Fn(String) -> Dialog>| {
        let dialog = dialog.clone();
        html! {
            <Field id={id} label={label} value={name.to_owned()} error={submit.error()} required=true
                oninput={Callback::from(move |value: String| dialog.set(make(value)))} autocomplete="off" />
        }
    };
    // The same name rules as the server (shared crate), checked before sending;
    // the server also NFC-normalises.
    let submit_name = |name: &str, act: Rc<dyn Fn(String) -> Work>| {
        let (name, submit, run) = (name.to_owned(), submit.clone(), Rc::clone(&run));
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            match check_name(&name) {
                Ok(()) => run(act(name.clone())),
                Err(invalid) => submit.fail(AttrValue::from(invalid.for_field("name").message)),
            }
        })
    };
    match &**dialog {
        Dialog::Closed => html! {},
        Dialog::NewFolder { name } => {
            let onsubmit = match folder {
                Some(parent) => submit_name(
                    name,
                    Rc::new(move |name: String| -> Work {
                        Box::pin(async move { files::create_folder(parent, &name).await.map(drop) })
                    }),
                ),
                None => Callback::from(|event: SubmitEvent| event.prevent_default()),
            };
            html! {
                <Modal id="new-folder-dialog" title="New folder" on_close={close}>
                    <form {onsubmit} novalidate=true>
                        { name_input("folder-name", "Name", name, Rc::new(|name| Dialog::NewFolder { name })) }
                        <div class="dialog-buttons">
                            <button type="button" onclick={close_click}>{ "Cancel" }</button>
                            <button type="submit" class="primary" id="create-folder-submit" disabled={submit.busy()}>{ "Create" }</button>
                        </div>
                    </form>
                </Modal>
            }
        }
        Dialog::Rename { node, name } => {
            let id = node.id;
            let onsubmit = submit_name(
                name,
                Rc::new(move |name: String| -> Work {
                    Box::pin(async move { files::rename(id, &name).await.map(drop) })
                }),
            );
            let keep = node.clone();
            html! {
                <Modal id="rename-dialog" title={format!("Rename “{}”", node.name)} on_close={close}>
                    <form {onsubmit} novalidate=true>
                        { name_input("rename-input", "New name", name, Rc::new(move |name| Dialog::Rename { node: keep.clone(), name })) }
                        <div class="dialog-buttons">
                            <button type="button" onclick={close_click}>{ "Cancel" }</button>
                            <button type="submit" class="primary" id="rename-submit" disabled={submit.busy()}>{ "Rename" }</button>
                        </div>
                    </form>
                </Modal>
            }
        }
        Dialog::Move { node } => {
            let on_pick = {
                let (id, run) = (node.id, Rc::clone(&run));
                Callback::from(move |parent: Uuid| {
                    run(Box::pin(async move {
                        files::move_to(id, parent).await.map(drop)
                    }));
                })
            };
            html! { <FolderPicker moving={node.clone()} {on_pick} on_close={close} error={submit.error()} /> }
        }
        Dialog::Delete { node } => {
            let confirm = {
                let (id, run) = (node.id, Rc::clone(&run));
                Callback::from(move |_: MouseEvent| {
                    run(Box::pin(async move { files::delete(id).await }));
                })
            };
            let what = match node.kind {
                NodeKind::Folder => "This deletes the folder and everything in it, for good.",
                NodeKind::File => "This deletes the file for good.",
            };
            html! {
                <Modal id="delete-dialog" title={format!("Delete “{}”?", node.name)} on_close={close}>
                    <p>{ what }</p>
                    if let Some(message) = submit.error() {
                        <Alert {message} />
                    }
                    <div class="dialog-buttons">
                        <button type="button" onclick={close_click}>{ "Cancel" }</button>
                        <button type="button" class="danger" id="confirm-delete" onclick={confirm} disabled={submit.busy()}>{ "Delete" }</button>
                    </div>
                </Modal>
            }
        }
    }
}
