//! A dialog over the page. Escape or the backdrop closes it; its first field
//! gets the focus.

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

#[function_component(Modal)]
pub fn modal(props: &ModalProps) -> Html {
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with((), move |()| {
            if let Some(panel) = panel.cast::<HtmlElement>() {
                let target = panel
                    .query_selector("input, select, button.primary, button")
                    .ok()
                    .flatten()
                    .and_then(|element| element.dyn_into::<HtmlElement>().ok());
                let _ = target.map_or_else(|| panel.focus(), |element| element.focus());
            }
        });
    }
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                on_close.emit(());
            }
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
