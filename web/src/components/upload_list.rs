//! One line per upload: name, a progress bar with percent and speed, and what
//! can be done about it (cancel, replace, dismiss).

use yew::prelude::*;

use crate::format;
use crate::uploads::{Entry, Status, Uploads};

#[derive(Properties, PartialEq)]
pub struct UploadListProps {
    pub uploads: Uploads,
    pub on_cancel: Callback<u64>,
    pub on_replace: Callback<u64>,
    pub on_clear: Callback<()>,
}

#[function_component(UploadList)]
pub fn upload_list(props: &UploadListProps) -> Html {
    if props.uploads.entries.is_empty() {
        return html! {};
    }
    let finished = props.uploads.entries.len() - props.uploads.active();
    let clear = {
        let on_clear = props.on_clear.clone();
        Callback::from(move |_: MouseEvent| on_clear.emit(()))
    };
    html! {
        <section class="uploads" id="uploads" aria-label="Uploads">
            <div class="uploads-head">
                <h2>{ "Uploads" }</h2>
                if finished > 0 {
                    <button type="button" class="link-button" id="clear-uploads" onclick={clear}>{ "Clear finished" }</button>
                }
            </div>
            <ul>
                { for props.uploads.entries.iter().map(|entry| line(props, entry)) }
            </ul>
        </section>
    }
}

fn line(props: &UploadListProps, entry: &Entry) -> Html {
    let id = entry.id;
    let percent = entry.percent();
    let (state, detail) = match &entry.status {
        Status::Queued => ("queued", String::from("Waiting…")),
        Status::Sending => (
            "sending",
            format!(
                "{percent}% · {} of {} · {}",
                format::size(entry.sent),
                format::size(entry.size),
                entry.speed()
            ),
        ),
        Status::Done => ("done", format!("Uploaded · {}", format::size(entry.size))),
        Status::Failed { message, .. } => ("failed", message.clone()),
        Status::Cancelled => ("cancelled", String::from("Cancelled")),
    };
    let cancel = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |_: MouseEvent| on_cancel.emit(id))
    };
    let replace = {
        let on_replace = props.on_replace.clone();
        Callback::from(move |_: MouseEvent| on_replace.emit(id))
    };
    let name_taken = matches!(
        entry.status,
        Status::Failed {
            name_taken: true,
            ..
        }
    );
    html! {
        <li class={classes!("upload", state)} key={id.to_string()} data-name={entry.name.clone()} data-state={state}>
            <div class="upload-name">{ entry.name.clone() }</div>
            // A bar only while it means something: not for a failed or
            // cancelled upload, which did not arrive.
            if matches!(entry.status, Status::Queued | Status::Sending | Status::Done) {
                <progress max="100" value={percent.to_string()}
                    aria-label={format!("Upload of {}", entry.name)}>{ format!("{percent}%") }</progress>
            }
            <div class="upload-detail" role={(state == "failed").then_some("alert")}>{ detail }</div>
            <div class="upload-actions">
                if entry.is_active() {
                    <button type="button" class="upload-cancel" onclick={cancel}
                        aria-label={format!("Cancel upload of {}", entry.name)}>{ "Cancel" }</button>
                }
                if name_taken {
                    <button type="button" class="upload-replace" onclick={replace}
                        aria-label={format!("Replace the existing {}", entry.name)}>{ "Replace" }</button>
                }
            </div>
        </li>
    }
}
