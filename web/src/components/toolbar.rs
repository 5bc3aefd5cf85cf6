//! Above a folder's items: its name, the search box, and the buttons that
//! add to it (new folder, upload).

use web_sys::{File, HtmlInputElement};
use yew::prelude::*;

use crate::hooks::files_of;

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub title: AttrValue,
    pub search_text: AttrValue,
    pub on_search_input: Callback<String>,
    pub on_search: Callback<()>,
    /// False until the folder is loaded: there is nowhere to add to yet.
    pub can_add: bool,
    pub on_new_folder: Callback<()>,
    pub on_files: Callback<Vec<File>>,
}

#[function_component(Toolbar)]
pub fn toolbar(props: &ToolbarProps) -> Html {
    let on_search = {
        let on_search = props.on_search.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            on_search.emit(());
        })
    };
    let on_search_input = {
        let on_search_input = props.on_search_input.clone();
        Callback::from(move |event: InputEvent| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_search_input.emit(input.value());
        })
    };
    let new_folder = {
        let on_new_folder = props.on_new_folder.clone();
        Callback::from(move |_: MouseEvent| on_new_folder.emit(()))
    };
    let on_file_input = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            on_files.emit(files_of(input.files()));
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };
    html! {
        <div class="toolbar">
            <h1 id="folder-title">{ props.title.clone() }</h1>
            <form class="search" role="search" onsubmit={on_search}>
                <label for="search" class="visually-hidden">{ "Search your files" }</label>
                <input id="search" type="search" placeholder="Search" value={props.search_text.clone()}
                    oninput={on_search_input} />
                <button type="submit">{ "Search" }</button>
            </form>
            <div class="toolbar-actions">
                <button type="button" id="new-folder" onclick={new_folder} disabled={!props.can_add}>
                    { "New folder" }
                </button>
                <input type="file" id="file-input" class="file-input" multiple=true onchange={on_file_input}
                    disabled={!props.can_add} />
                <label for="file-input" class="button primary">{ "Upload files" }</label>
            </div>
        </div>
    }
}
