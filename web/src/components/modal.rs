//! A dialog over the page. Escape or the backdrop closes it; its first field
//! gets the focus, Tab and Shift+Tab stay inside it, and the focus goes back
//! to what opened it when it closes.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ModalProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub on_close: Callback<()>,
    pub children: Html,
}

const FOCUSABLE: &str = "input:not([disabled]), select:not([disabled]), \
    textarea:not([disabled]), button:not([disabled]), a[href]";

/// Tab from the last control goes to the first, Shift+Tab from the first to
/// the last: the page behind the dialog is out of reach.
fn keep_focus_inside(panel: &HtmlElement, event: &KeyboardEvent) {
    let Ok(found) = panel.query_selector_all(FOCUSABLE) else {
        return;
    };
    let controls: Vec<HtmlElement> = (0..found.length())
        .filter_map(|index| found.get(index))
        .filter_map(|node| node.dyn_into::<HtmlElement>().ok())
        .collect();
    let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
        return;
    };
    let active = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.active_element());
    let at = |element: &HtmlElement| {
        active
            .as_ref()
            .is_some_and(|active| active == element.as_ref())
    };
    let wrap_to = match event.shift_key() {
        true if at(first)
            || active
                .as_ref()
                .is_some_and(|active| active == panel.as_ref()) =>
        {
            last
        }
        false if at(last) => first,
        _ => return,
    };
    event.prevent_default();
    let _ = wrap_to.focus();
}

#[function_component(Modal)]
pub fn modal(props: &ModalProps) -> Html {
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with((), move |()| {
            let opener = web_sys::window()
                .and_then(|window| window.document())
                .and_then(|document| document.active_element())
                .and_then(|element| element.dyn_into::<HtmlElement>().ok());
            if let Some(panel) = panel.cast::<HtmlElement>() {
                let target = panel
                    .query_selector("input, select, button.primary, button")
                    .ok()
                    .flatten()
                    .and_then(|element| element.dyn_into::<HtmlElement>().ok());
                let _ = target.map_or_else(|| panel.focus(), |element| element.focus());
            }
            move || {
                if let Some(opener) = opener.filter(|element| element.is_connected()) {
                    let _ = opener.focus();
                }
            }
        });
    }
    let onkeydown = {
        let on_close = props.on_close.clone();
        let panel = panel.clone();
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "Escape" => on_close.emit(()),
            "Tab" => {
                if let Some(panel) = panel.cast::<HtmlElement>() {
                    keep_focus_inside(&panel, &event);
                }
            }
            _ => {}
        })
    };
    let on_backdrop = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: MouseEvent| {
            // Only a click on the backdrop itself, not one inside the panel.
            if event.target() == event.current_target() {
                on_close.emit(());
            }
        })
    };
    let title_id = format!("{}-title", props.id);
    html! {
        <div class="backdrop" onclick={on_backdrop} {onkeydown}>
            <div class="modal" id={props.id.clone()} role="dialog" aria-modal="true"
                 aria-labelledby={title_id.clone()} tabindex="-1" ref={panel}>
                <h2 id={title_id}>{ props.title.clone() }</h2>
                { props.children.clone() }
            </div>
        </div>
    }
}
