//! Where the folder shown is: a link to each folder above it.

use uuid::Uuid;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::Route;

#[derive(Properties, PartialEq)]
pub struct BreadcrumbsProps {
    /// From the root to the folder shown, as `listing::trail` gives it.
    pub trail: Vec<(Option<Uuid>, String)>,
}

#[function_component(Breadcrumbs)]
pub fn breadcrumbs(props: &BreadcrumbsProps) -> Html {
    let last = props.trail.len().saturating_sub(1);
    html! {
        <nav class="breadcrumbs" aria-label="Folder path" id="breadcrumbs">
            <ol>
                { for props.trail.iter().enumerate().map(|(index, (id, label))| {
                    let route = id.map_or(Route::Files, |id| Route::Folder { id });
                    match index == last {
                        true => html! { <li aria-current="page">{ label.clone() }</li> },
                        false => html! { <li><Link<Route> to={route}>{ label.clone() }</Link<Route>></li> },
                    }
                }) }
            </ol>
        </nav>
    }
}
