//! Searching all of the user's files by name: the text typed, and the
//! results of the last search sent.

use strongroom_shared::Node;
use yew::prelude::*;

use crate::services::{ApiError, files};

/// A search sent, and its results once they are there.
#[derive(Clone, PartialEq)]
pub struct Found {
    pub query: String,
    /// `None` while the search runs.
    pub results: Option<Result<Vec<Node>, ApiError>>,
}

#[derive(Clone)]
pub struct Search {
    text: UseStateHandle<String>,
    found: UseStateHandle<Option<Found>>,
}

impl Search {
    /// What is typed in the search box.
    pub fn text(&self) -> String {
        (*self.text).clone()
    }

    /// For the search box's `oninput`.
    pub fn on_input(&self) -> Callback<String> {
        let text = self.text.clone();
        Callback::from(move |typed: String| text.set(typed))
    }

    /// For the search form's submit.
    pub fn on_send(&self) -> Callback<()> {
        let this = self.clone();
        Callback::from(move |()| this.send())
    }

    /// For the results' "Clear search".
    pub fn on_clear(&self) -> Callback<()> {
        let this = self.clone();
        Callback::from(move |()| this.clear())
    }

    /// The search shown instead of the folder, if any.
    pub fn found(&self) -> Option<&Found> {
        self.found.as_ref()
    }

    /// Searches for what is typed; nothing typed goes back to the folder.
    fn send(&self) {
        let query = self.text.trim().to_owned();
        if query.is_empty() {
            self.found.set(None);
            return;
        }
        self.found.set(Some(Found {
            query: query.clone(),
            results: None,
        }));
        run(query, self.found.clone());
    }

    /// Back to the folder, with the search box empty.
    pub fn clear(&self) {
        self.found.set(None);
        self.text.set(String::new());
    }
}

fn run(query: String, found: UseStateHandle<Option<Found>>) {
    yew::platform::spawn_local(async move {
        let results = files::search(&query).await.map(|answer| answer.items);
        found.set(Some(Found {
            query,
            results: Some(results),
        }));
    });
}

/// Shown results are searched again whenever `follow` changes, so they
/// show what was changed from them (renamed, moved, deleted).
#[hook]
pub fn use_search(follow: u32) -> Search {
    let text = use_state(String::new);
    let found = use_state(|| None::<Found>);
    {
        let found = found.clone();
        use_effect_with(follow, move |_| {
            if let Some(Found {
                query,
                results: Some(_),
            }) = (*found).clone()
            {
                run(query, found);
            }
        });
    }
    Search { text, found }
}
