//! Space used against the quota, and what takes it: the files, their
//! earlier versions, the trash.

use yew::prelude::*;

use crate::{format, trash};

#[derive(Properties, PartialEq)]
pub struct UsageProps {
    /// Everything stored, versions and trash included.
    pub used: u64,
    pub quota: u64,
    /// The parts of `used` that earlier versions and the trash take.
    pub versions: u64,
    pub trash: u64,
}

#[function_component(Usage)]
pub fn usage(props: &UsageProps) -> Html {
    let percent = format::percent(props.used, props.quota);
    let share = match (percent, props.used) {
        (0, 1..) => String::from("under 1%"),
        _ => format!("{percent}%"),
    };
    // <progress> rather than a styled div: no inline style (the CSP forbids
    // it) and screen readers announce it.
    html! {
        <div class="usage">
            <progress id="usage-bar" max="100" value={percent.to_string()}
                aria-label="Storage used">{ format!("{percent}%") }</progress>
            <p id="usage-text">
                { format!("{} of {} used ({share})", format::size(props.used), format::size(props.quota)) }
            </p>
            <p id="usage-split">{ trash::usage_split(props.used, props.versions, props.trash) }</p>
        </div>
    }
}
