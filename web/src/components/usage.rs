//! Space used against the quota.

use yew::prelude::*;

use crate::format;

#[derive(Properties, PartialEq)]
pub struct UsageProps {
    pub used: u64,
    pub quota: u64,
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
        </div>
    }
}
