//! The results of a search, shown instead of the folder's items.

use strongroom_shared::Node;
use yew::prelude::*;

use super::{Alert, Spinner};
use crate::services::ApiError;

#[derive(Properties, PartialEq)]
pub struct SearchResultsProps {
    pub query: AttrValue,
    /// `None` while the search runs.
    pub results: Option<Result<Vec<Node>, ApiError>>,
    pub on_clear: Callback<()>,
    /// Draws the items found: the page's file table, with its buttons.
    pub table: Callback<Vec<Node>, Html>,
}

#[function_component(SearchResults)]
pub fn search_results(props: &SearchResultsProps) -> Html {
    let clear = {
        let on_clear = props.on_clear.clone();
        Callback::from(move |_: MouseEvent| on_clear.emit(()))
    };
    html! {
        <section aria-live="polite" id="search-results">
            <div class="results-head">
                <h2>{ format!("Results for “{}”", props.query) }</h2>
                <button type="button" class="link-button" id="clear-search" onclick={clear}>{ "Clear search" }</button>
            </div>
            { match &props.results {
                None => html! { <Spinner /> },
                Some(Err(error)) => html! { <Alert message={error.message()} /> },
                Some(Ok(items)) if items.is_empty() => html! {
                    <p class="empty" id="empty-state">{ "Nothing matches." }</p>
                },
                Some(Ok(items)) => props.table.emit(items.clone()),
            } }
        </section>
    }
}
