//! Something loaded from the server when a page or dialog opens, and again
//! after a change made to it there: the trash, a file's versions.

use std::future::Future;
use std::rc::Rc;

use yew::prelude::*;

use crate::services::ApiError;

pub enum Fetch<T> {
    Loading,
    Failed(ApiError),
    Ready(Rc<T>),
}

pub struct Fetched<T: 'static> {
    state: UseStateHandle<Fetch<T>>,
    reloads: UseStateHandle<u32>,
}

// By hand: derived, these would ask `T: Clone` of what is only behind an Rc.
impl<T> Clone for Fetched<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            reloads: self.reloads.clone(),
        }
    }
}

impl<T> Fetched<T> {
    pub fn state(&self) -> &Fetch<T> {
        &self.state
    }

    pub fn ready(&self) -> Option<Rc<T>> {
        match &*self.state {
            Fetch::Ready(value) => Some(Rc::clone(value)),
            _ => None,
        }
    }

    /// Loads it again, keeping what is shown until the new answer is there.
    pub fn reload(&self) {
        self.reloads.set(self.reloads.wrapping_add(1));
    }
}

/// Calls `fetch(key)` when `key` changes and on `reload`. Only the latest
/// call may show: an answer overtaken by a later reload is dropped, so a
/// slow listing from before a change never hides the one after it.
#[hook]
pub fn use_fetch<K, T, F, Fut>(key: K, fetch: F) -> Fetched<T>
where
    K: Clone + PartialEq + 'static,
    T: 'static,
    F: FnOnce(K) -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let state = use_state(|| Fetch::Loading);
    let reloads = use_state(|| 0_u32);
    let latest = use_mut_ref(|| 0_u64);
    {
        let state = state.clone();
        use_effect_with((key, *reloads), move |(key, _)| {
            let this_call = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            let call = fetch(key.clone());
            yew::platform::spawn_local(async move {
                let next = match call.await {
                    Ok(value) => Fetch::Ready(Rc::new(value)),
                    Err(error) => Fetch::Failed(error),
                };
                if *latest.borrow() == this_call {
                    state.set(next);
                }
            });
        });
    }
    Fetched { state, reloads }
}
