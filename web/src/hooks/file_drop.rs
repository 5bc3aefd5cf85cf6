//! Files dragged from the desktop and dropped on an element.

use web_sys::{File, FileList};
use yew::prelude::*;

/// The handlers for the element files may be dropped on, and whether files
/// are being dragged over it (to show where they would go).
pub struct FileDrop {
    pub dragging: bool,
    pub ondragover: Callback<DragEvent>,
    pub ondragleave: Callback<DragEvent>,
    pub ondrop: Callback<DragEvent>,
}

/// The files of a file input or a drop, in their order.
pub fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .collect()
}

/// `on_files` gets what was dropped.
#[hook]
pub fn use_file_drop(on_files: Callback<Vec<File>>) -> FileDrop {
    let dragging = use_state(|| false);
    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            // Only when leaving the drop zone, not when crossing its children.
            if event.target() == event.current_target() {
                dragging.set(false);
            }
        })
    };
    let ondrop = {
        let dragging = dragging.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            dragging.set(false);
            on_files.emit(files_of(
                event.data_transfer().and_then(|data| data.files()),
            ));
        })
    };
    FileDrop {
        dragging: *dragging,
        ondragover,
        ondragleave,
        ondrop,
    }
}
