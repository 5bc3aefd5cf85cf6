//! One folder's listing, loaded when the folder changes or something in it
//! did, and its further pages on demand.

use std::cell::RefCell;
use std::rc::Rc;

use strongroom_shared::FolderListing;
use uuid::Uuid;
use yew::prelude::*;

use crate::services::{ApiError, files};

#[derive(Clone, PartialEq)]
pub enum Load {
    Loading,
    Failed(ApiError),
    Ready(FolderListing),
}

#[derive(Clone)]
pub struct Folder {
    load: UseStateHandle<Load>,
    reloads: UseStateHandle<u32>,
    loading_more: UseStateHandle<bool>,
    /// Which load may still show (see `use_folder`).
    latest: Rc<RefCell<u64>>,
}

impl Folder {
    pub fn load(&self) -> &Load {
        &self.load
    }

    pub fn listing(&self) -> Option<&FolderListing> {
        match &*self.load {
            Load::Ready(listing) => Some(listing),
            _ => None,
        }
    }

    /// The folder shown, once its listing is there (`None` while loading
    /// or after a failure: nothing can be put into it then).
    pub fn id(&self) -> Option<Uuid> {
        self.listing().map(|listing| listing.folder.id)
    }

    /// Loads it again, after a change in it.
    pub fn reload(&self) {
        self.reloads.set(self.reloads.wrapping_add(1));
    }

    /// Counts the reloads, for what must follow them.
    pub fn reloads(&self) -> u32 {
        *self.reloads
    }

    pub fn loading_more(&self) -> bool {
        *self.loading_more
    }

    /// Appends the next page, if there is one; `failed` hears why not.
    pub fn load_more(&self, failed: Callback<ApiError>) {
        let Some(mut listing) = self.listing().cloned() else {
            return;
        };
        let Some(cursor) = listing.next_cursor.clone() else {
            return;
        };
        let this = self.clone();
        let this_load = *self.latest.borrow();
        self.loading_more.set(true);
        yew::platform::spawn_local(async move {
            match files::list(Some(listing.folder.id), Some(&cursor)).await {
                Ok(more) => {
                    listing.items.extend(more.items);
                    listing.next_cursor = more.next_cursor;
                    // Not when the folder was loaded again, or left, meanwhile:
                    // these items would hide the fresh listing.
                    if *this.latest.borrow() == this_load {
                        this.load.set(Load::Ready(listing));
                    }
                }
                Err(error) => failed.emit(error),
            }
            this.loading_more.set(false);
        });
    }
}

/// Loads `folder` (`None`: the root) when it changes, showing `Loading`
/// meanwhile, and again on `reload` (keeping the old listing until the new
/// one is there). Only the latest load may show: a slow answer for a folder
/// already left is dropped.
#[hook]
pub fn use_folder(folder: Option<Uuid>) -> Folder {
    let load = use_state(|| Load::Loading);
    let reloads = use_state(|| 0_u32);
    let loading_more = use_state(|| false);
    let latest = use_mut_ref(|| 0_u64);
    {
        let load = load.clone();
        use_effect_with(folder, move |_| load.set(Load::Loading));
    }
    {
        let load = load.clone();
        let latest = Rc::clone(&latest);
        use_effect_with((folder, *reloads), move |(folder, _)| {
            let folder = *folder;
            let this_load = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            yew::platform::spawn_local(async move {
                let next = match files::list(folder, None).await {
                    Ok(page) => Load::Ready(page),
                    Err(error) => Load::Failed(error),
                };
                if *latest.borrow() == this_load {
                    load.set(next);
                }
            });
        });
    }
    Folder {
        load,
        reloads,
        loading_more,
        latest,
    }
}
