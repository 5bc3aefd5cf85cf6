//! What a share link's page holds: what the link opens (once the password,
//! when it has one, is given), the folder shown inside a shared folder, and
//! the downloads. Every call goes with the link's token to its own public
//! endpoints only, and with the password that opened it.

use std::cell::RefCell;
use std::rc::Rc;

use strongroom_shared::{NodeKind, PublicListing, PublicShare};
use uuid::Uuid;
use yew::prelude::*;

use crate::services::{ApiError, shares};
use crate::sharing::{LinkProblem, folder_path, zip_words};

#[derive(Clone, Debug, PartialEq)]
pub enum Gate {
    /// Asking the server what the link opens.
    Opening,
    /// The link has a password: asking for it, with why again when it was
    /// not right (or the server asked to wait).
    Locked {
        problem: Option<AttrValue>,
    },
    Open(Rc<PublicShare>),
    /// Expired, revoked, used up or never made: the server tells no more.
    Gone,
    /// Anything else (offline, rate limited), in words.
    Failed(AttrValue),
}

/// A folder inside a shared folder.
#[derive(Clone, Debug, PartialEq)]
pub enum Listing {
    Loading,
    Ready(Rc<PublicListing>),
    Failed(AttrValue),
}

#[derive(Clone)]
pub struct ShareLink {
    token: Rc<str>,
    gate: UseStateHandle<Gate>,
    /// The password that opened the link, sent with every later call.
    password: UseStateHandle<Option<Rc<str>>>,
    unlocking: UseStateHandle<bool>,
    /// The folder shown, by its names from the shared folder down.
    path: UseStateHandle<Rc<Vec<String>>>,
    listing: UseStateHandle<Listing>,
    /// A download that failed, in words.
    notice: UseStateHandle<Option<AttrValue>>,
    /// Which listing may still show: a slow answer for a folder already
    /// left is dropped.
    latest: Rc<RefCell<u64>>,
}

impl PartialEq for ShareLink {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
            && self.gate == other.gate
            && *self.unlocking == *other.unlocking
            && self.path == other.path
            && self.listing == other.listing
            && self.notice == other.notice
    }
}

impl ShareLink {
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    pub fn unlocking(&self) -> bool {
        *self.unlocking
    }

    pub fn listing(&self) -> &Listing {
        &self.listing
    }

    pub fn notice(&self) -> Option<AttrValue> {
        (*self.notice).clone()
    }

    fn password(&self) -> Option<Rc<str>> {
        (*self.password).clone()
    }

    /// Tries a password: the link opens, or the prompt says why not.
    pub fn unlock(&self, password: String) {
        if *self.unlocking {
            return;
        }
        if password.is_empty() {
            self.gate.set(Gate::Locked {
                problem: Some(AttrValue::from("Enter the link's password.")),
            });
            return;
        }
        self.unlocking.set(true);
        let this = self.clone();
        let password: Rc<str> = Rc::from(password);
        yew::platform::spawn_local(async move {
            let answer = shares::open(&this.token, Some(&password)).await;
            this.unlocking.set(false);
            match answer {
                Ok(share) => {
                    this.password.set(Some(Rc::clone(&password)));
                    this.opened(share, Some(password));
                }
                Err(error) => match LinkProblem::of(&error) {
                    LinkProblem::PasswordWrong | LinkProblem::PasswordRequired => {
                        this.gate.set(Gate::Locked {
                            problem: Some(AttrValue::from(
                                "That password is not right. Check it and try again.",
                            )),
                        });
                    }
                    LinkProblem::Other(words) => this.gate.set(Gate::Locked {
                        problem: Some(AttrValue::from(words)),
                    }),
                    LinkProblem::Gone => this.gate.set(Gate::Gone),
                },
            }
        });
    }

    /// The link is open: show it, and a folder's items.
    fn opened(&self, share: PublicShare, password: Option<Rc<str>>) {
        let folder = share.kind == NodeKind::Folder;
        self.gate.set(Gate::Open(Rc::new(share)));
        if folder {
            self.show(Vec::new(), password);
        }
    }

    /// Opens a folder of the one shown.
    pub fn open_folder(&self, name: String) {
        let mut path = (**self.path).clone();
        path.push(name);
        self.show(path, self.password());
    }

    /// Goes back up to `depth` folders below the shared one (0: itself).
    pub fn go_up(&self, depth: usize) {
        let path = self.path.iter().take(depth).cloned().collect();
        self.show(path, self.password());
    }

    fn show(&self, path: Vec<String>, password: Option<Rc<str>>) {
        let this_load = {
            let mut latest = self.latest.borrow_mut();
            *latest += 1;
            *latest
        };
        let text = folder_path(&path);
        self.path.set(Rc::new(path));
        self.listing.set(Listing::Loading);
        self.notice.set(None);
        let this = self.clone();
        yew::platform::spawn_local(async move {
            let answer = shares::children(&this.token, &text, password.as_deref()).await;
            if *this.latest.borrow() != this_load {
                return;
            }
            match answer {
                Ok(listing) => this.listing.set(Listing::Ready(Rc::new(listing))),
                Err(error) => {
                    if let Some(words) = this.settle(&error) {
                        this.listing.set(Listing::Failed(words));
                    }
                }
            }
        });
    }

    /// What a failed call about the link means for the page: gone, or locked
    /// again (its password changed), or words to show where the call was
    /// made.
    fn settle(&self, error: &ApiError) -> Option<AttrValue> {
        match LinkProblem::of(error) {
            LinkProblem::Gone => {
                self.gate.set(Gate::Gone);
                None
            }
            LinkProblem::PasswordRequired | LinkProblem::PasswordWrong => {
                self.password.set(None);
                self.gate.set(Gate::Locked { problem: None });
                None
            }
            LinkProblem::Other(words) => Some(AttrValue::from(words)),
        }
    }

    /// Runs a download call; a failure shows in the notice or changes the
    /// page. On success the count of downloads left goes down by one.
    fn download_with<F>(
        &self,
        call: impl FnOnce(Rc<str>, Option<Rc<str>>) -> F + 'static,
        words: fn(&ApiError, bool) -> Option<String>,
    ) where
        F: std::future::Future<Output = Result<(), ApiError>> + 'static,
    {
        let this = self.clone();
        self.notice.set(None);
        yew::platform::spawn_local(async move {
            match call(Rc::clone(&this.token), this.password()).await {
                Ok(()) => {
                    if let Gate::Open(share) = &*this.gate
                        && let Some(left) = share.downloads_left
                    {
                        this.gate.set(Gate::Open(Rc::new(PublicShare {
                            downloads_left: Some(left.saturating_sub(1)),
                            ..(**share).clone()
                        })));
                    }
                }
                Err(error) => {
                    if let Some(ours) = words(&error, this.password.is_some()) {
                        this.notice.set(Some(AttrValue::from(ours)));
                    } else if let Some(words) = this.settle(&error) {
                        this.notice.set(Some(words));
                    }
                }
            }
        });
    }

    /// The shared file.
    pub fn download(&self) {
        self.download_with(
            |token, password| async move { shares::download(&token, password.as_deref()).await },
            no_words,
        );
    }

    /// One file inside a shared folder.
    pub fn download_file(&self, file: Uuid) {
        self.download_with(
            move |token, password| async move {
                shares::download_file(&token, file, password.as_deref()).await
            },
            no_words,
        );
    }

    /// The whole shared folder, as a zip.
    pub fn download_zip(&self) {
        self.download_with(|token, password| async move {
            shares::download_zip(&token, password.as_deref()).await
        }, zip_words);
    }
}

/// Downloads with nothing to say beyond what the link's problems say.
fn no_words(_: &ApiError, _: bool) -> Option<String> {
    None
}

/// Opens the link `token` when the page does (and when it changes), first
/// without a password: the server says when one is needed.
#[hook]
pub fn use_share_link(token: &str) -> ShareLink {
    let token: Rc<str> = Rc::from(token);
    let link = ShareLink {
        token: Rc::clone(&token),
        gate: use_state(|| Gate::Opening),
        password: use_state(|| None),
        unlocking: use_state(|| false),
        path: use_state(|| Rc::new(Vec::new())),
        listing: use_state(|| Listing::Loading),
        notice: use_state(|| None),
        latest: use_mut_ref(|| 0_u64),
    };
    {
        let link = link.clone();
        use_effect_with(token, move |token| {
            let token = Rc::clone(token);
            link.gate.set(Gate::Opening);
            link.password.set(None);
            yew::platform::spawn_local(async move {
                match shares::open(&token, None).await {
                    Ok(share) => link.opened(share, None),
                    Err(error) => match LinkProblem::of(&error) {
                        LinkProblem::Gone => link.gate.set(Gate::Gone),
                        LinkProblem::PasswordRequired | LinkProblem::PasswordWrong => {
                            link.gate.set(Gate::Locked { problem: None });
                        }
                        LinkProblem::Other(words) => {
                            link.gate.set(Gate::Failed(AttrValue::from(words)));
                        }
                    },
                }
            });
        });
    }
    link
}
