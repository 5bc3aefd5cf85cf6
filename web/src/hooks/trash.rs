//! The trash as the pages need it: its listing, and how long it keeps
//! things.

use strongroom_shared::TrashListing;
use yew::prelude::*;

use super::fetch::{Fetched, use_fetch};
use crate::services::trash;

/// The trash listing, loaded when the page opens.
#[hook]
pub fn use_trash() -> Fetched<TrashListing> {
    use_fetch((), |()| trash::list())
}

/// Days the server keeps deleted items, once known (asked at most once per
/// visit of the app); `None` until then, or when asking failed.
#[hook]
pub fn use_retention() -> Option<u32> {
    let days = use_state(|| None::<u32>);
    {
        let days = days.clone();
        use_effect_with((), move |()| {
            yew::platform::spawn_local(async move {
                if let Ok(kept) = trash::retention_days().await {
                    days.set(Some(kept));
                }
            });
        });
    }
    *days
}
