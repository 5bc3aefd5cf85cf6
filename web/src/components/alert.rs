//! Messages above a form or a list.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AlertProps {
    pub message: AttrValue,
    #[prop_or_default]
    pub success: bool,
}

#[function_component(Alert)]
pub fn alert(props: &AlertProps) -> Html {
    let class = match props.success {
        true => "alert alert-success",
        false => "alert alert-error",
    };
    let role = match props.success {
        true => "status",
        false => "alert",
    };
    html! { <div {class} {role}>{ props.message.clone() }</div> }
}

/// A busy indicator with words for screen readers.
#[function_component(Spinner)]
pub fn spinner() -> Html {
    html! {
        <div class="spinner" role="status"><span class="visually-hidden">{ "Loading…" }</span></div>
    }
}
