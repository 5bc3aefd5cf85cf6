//! The recovery code, shown once: copy it, confirm it is stored, go on.

use wasm_bindgen::JsValue;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RecoveryCodeProps {
    pub code: String,
    pub on_continue: Callback<()>,
    #[prop_or_default]
    pub busy: bool,
    pub continue_label: AttrValue,
}

/// Copies to the clipboard where the browser allows it (secure contexts).
pub fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .is_ok_and(|value| !value.is_undefined());
    if !has_clipboard {
        return false;
    }
    let _ = navigator.clipboard().write_text(text);
    true
}

#[function_component(RecoveryCode)]
pub fn recovery_code(props: &RecoveryCodeProps) -> Html {
    let stored = use_state(|| false);
    let copied = use_state(|| None::<bool>);
    let copy = {
        let (copied, code) = (copied.clone(), props.code.clone());
        Callback::from(move |_: MouseEvent| copied.set(Some(copy_to_clipboard(&code))))
    };
    let toggle = {
        let stored = stored.clone();
        Callback::from(move |event: Event| {
            let input: HtmlInputElement = event.target_unchecked_into();
            stored.set(input.checked());
        })
    };
    let go_on = {
        let on_continue = props.on_continue.clone();
        Callback::from(move |_: MouseEvent| on_continue.emit(()))
    };
    html! {
        <div class="recovery">
            <p>
                <strong>{ "Store this recovery code now." }</strong>
                { " It is the only way back into your files if you forget your password. \
                   It is shown this once: Strongroom cannot show it again or reset your password without it." }
            </p>
            <div class="recovery-box">
                <code id="recovery-code">{ props.code.clone() }</code>
                <button type="button" id="copy-code" onclick={copy}>{ "Copy" }</button>
            </div>
            <p class="field-hint" role="status">
                { match *copied {
                    Some(true) => "Copied to the clipboard.",
                    Some(false) => "Copying is not available here: select the code and copy it by hand.",
                    None => "",
                } }
            </p>
            <label class="check">
                <input type="checkbox" id="stored-confirm" checked={*stored} onchange={toggle} />
                { "I have stored my recovery code somewhere safe." }
            </label>
            <button type="button" class="primary wide" id="recovery-continue"
                disabled={!*stored || props.busy} onclick={go_on}>
                { props.continue_label.clone() }
            </button>
        </div>
    }
}
