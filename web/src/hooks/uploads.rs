//! The upload queue: files picked or dropped are sent one at a time into
//! the folder shown, each with its line in the upload list.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use strongroom_shared::kinds;
use uuid::Uuid;
use web_sys::File;
use yew::prelude::*;

use crate::clock;
use crate::services::ApiError;
use crate::services::upload::{self, Cancel};
use crate::uploads::{Action, Uploads};

/// The upload list, and what its buttons and the file pickers do.
pub struct UploadQueue {
    list: UseReducerHandle<Uploads>,
    /// Queues files and sends them, in the order given.
    pub start: Callback<Vec<File>>,
    pub cancel: Callback<u64>,
    /// Sends a file again over the one of the same name.
    pub replace: Callback<u64>,
    pub clear: Callback<()>,
}

impl UploadQueue {
    pub fn list(&self) -> Uploads {
        (*self.list).clone()
    }
}

/// What the upload tasks share with the buttons: the files waiting to be
/// sent (kept so "Replace" can send one again) and the handles to cancel them.
#[derive(Default)]
struct Transfers {
    files: HashMap<u64, File>,
    cancels: HashMap<u64, Cancel>,
    cancelled: HashSet<u64>,
}

/// Sends queued files, telling the list how each one goes.
#[derive(Clone)]
struct Sender {
    list: UseReducerDispatcher<Uploads>,
    transfers: Rc<RefCell<Transfers>>,
    on_uploaded: Callback<()>,
}

impl Sender {
    async fn send(&self, id: u64, folder: Uuid, overwrite: bool) {
        let file = self.transfers.borrow().files.get(&id).cloned();
        let Some(file) = file else { return };
        if self.transfers.borrow_mut().cancelled.remove(&id) {
            return;
        }
        self.list.dispatch(Action::Started {
            id,
            at_ms: clock::now_ms(),
        });
        let started = {
            let transfers = Rc::clone(&self.transfers);
            Callback::from(move |cancel: Cancel| {
                transfers.borrow_mut().cancels.insert(id, cancel);
            })
        };
        let outcome = upload::upload(folder, file, overwrite, self.progress(id), started).await;
        self.transfers.borrow_mut().cancels.remove(&id);
        match outcome {
            Ok(_) => {
                self.transfers.borrow_mut().files.remove(&id);
                self.list.dispatch(Action::Done { id });
                self.on_uploaded.emit(());
            }
            Err(ApiError::Cancelled) => {
                self.transfers.borrow_mut().files.remove(&id);
                self.list.dispatch(Action::Cancelled { id });
            }
            Err(error) => {
                let name_taken = error.is(kinds::NAME_TAKEN);
                let message = error.message();
                if !name_taken {
                    self.transfers.borrow_mut().files.remove(&id);
                }
                self.list.dispatch(Action::Failed {
                    id,
                    message,
                    name_taken,
                });
            }
        }
    }

    fn progress(&self, id: u64) -> Callback<u64> {
        let list = self.list.clone();
        let last = Rc::new(RefCell::new(0.0_f64));
        Callback::from(move |sent: u64| {
            // At most ten updates a second: each one redraws.
            let now = clock::now_ms();
            if now - *last.borrow() >= 100.0 {
                *last.borrow_mut() = now;
                list.dispatch(Action::Progress {
                    id,
                    sent,
                    at_ms: now,
                });
            }
        })
    }
}

/// Uploads go into `folder` (`None` while it is not loaded: nothing can be
/// sent then); `on_uploaded` hears of each file that arrived.
#[hook]
pub fn use_uploads(folder: Option<Uuid>, on_uploaded: Callback<()>) -> UploadQueue {
    let list = use_reducer(Uploads::default);
    let transfers = use_mut_ref(Transfers::default);
    let sender = Sender {
        list: list.dispatcher(),
        transfers: Rc::clone(&transfers),
        on_uploaded,
    };
    let start = {
        let (list, sender) = (list.clone(), sender.clone());
        Callback::from(move |picked: Vec<File>| {
            let Some(folder) = folder else { return };
            if picked.is_empty() {
                return;
            }
            let ids = list.next_ids(picked.len());
            let mut described = Vec::with_capacity(picked.len());
            for (id, file) in ids.iter().zip(picked) {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                described.push((file.name(), file.size().max(0.0) as u64));
                sender.transfers.borrow_mut().files.insert(*id, file);
            }
            list.dispatch(Action::Add(described));
            let sender = sender.clone();
            // One at a time, in the order picked: each gets the full bandwidth
            // and its progress means something.
            yew::platform::spawn_local(async move {
                for id in ids {
                    sender.send(id, folder, false).await;
                }
            });
        })
    };
    let cancel = {
        let dispatcher = list.dispatcher();
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
    let replace = {
        let dispatcher = list.dispatcher();
        Callback::from(move |id: u64| {
            let Some(folder) = folder else { return };
            dispatcher.dispatch(Action::Retry { id });
            let sender = sender.clone();
            yew::platform::spawn_local(async move { sender.send(id, folder, true).await });
        })
    };
    let clear = {
        let dispatcher = list.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::ClearFinished))
    };
    UploadQueue {
        list,
        start,
        cancel,
        replace,
        clear,
    }
}
