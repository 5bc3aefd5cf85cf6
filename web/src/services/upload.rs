//! Uploads through `XMLHttpRequest`, the one browser API that reports upload
//! progress (fetch has no upload events). The file goes as the raw request
//! body straight from the browser's file handle: never read into WASM memory.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use strongroom_shared::Node;
use uuid::Uuid;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{File, ProgressEvent, XmlHttpRequest};
use yew::Callback;

use super::error::ApiError;
use super::{paths, session};

/// Lets the page cancel an upload in flight.
#[derive(Clone)]
pub struct Cancel(XmlHttpRequest);

impl Cancel {
    pub fn cancel(&self) {
        let _ = self.0.abort();
    }
}

impl PartialEq for Cancel {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

enum Outcome {
    Answered {
        status: u16,
        content_type: Option<String>,
        retry_after: Option<String>,
        body: String,
    },
    Failed,
    Aborted,
}

/// Uploads one file into `folder`; `progress` hears bytes sent so far and
/// `started` gets the handle to cancel it (once per attempt: an expired
/// access token is refreshed and the upload sent once more).
pub async fn upload(
    folder: Uuid,
    file: File,
    overwrite: bool,
    progress: Callback<u64>,
    started: Callback<Cancel>,
) -> Result<Node, ApiError> {
    let url = paths::upload(folder, &file.name(), overwrite);
    let mut retried = false;
    loop {
        let outcome = send(&url, &file, &progress, &started).await?;
        let (status, content_type, retry_after, body) = match outcome {
            Outcome::Answered {
                status,
                content_type,
                retry_after,
                body,
            } => (status, content_type, retry_after, body),
            Outcome::Failed => return Err(ApiError::Network),
            Outcome::Aborted => return Err(ApiError::Cancelled),
        };
        if status == 401 && !retried {
            retried = true;
            if session::renew().await? {
                continue;
            }
        }
        if (200..300).contains(&status) {
            return serde_json::from_str(&body).map_err(|_| ApiError::Unexpected { status });
        }
        return Err(
            ApiError::from_answer(status, content_type.as_deref(), &body)
                .with_retry_after(retry_after.as_deref()),
        );
    }
}

async fn send(
    url: &str,
    file: &File,
    progress: &Callback<u64>,
    started: &Callback<Cancel>,
) -> Result<Outcome, ApiError> {
    let xhr = XmlHttpRequest::new().map_err(|_| ApiError::Network)?;
    xhr.open("PUT", url).map_err(|_| ApiError::Network)?;
    let _ = xhr.set_request_header("Accept", "application/json");
    let content_type = file.type_();
    let content_type = match content_type.is_empty() {
        true => "application/octet-stream",
        false => content_type.as_str(),
    };
    let _ = xhr.set_request_header("Content-Type", content_type);
    if let Some(token) = session::access_token() {
        let _ = xhr.set_request_header("Authorization", &format!("Bearer {token}"));
    }

    let (sender, receiver) = oneshot::channel::<Outcome>();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let finish = {
        let sender = Rc::clone(&sender);
        move |outcome: Outcome| {
            if let Some(sender) = sender.borrow_mut().take() {
                let _ = sender.send(outcome);
            }
        }
    };

    let on_progress = {
        let progress = progress.clone();
        Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            progress.emit(event.loaded().max(0.0) as u64);
        })
    };
    let on_load = {
        let xhr = xhr.clone();
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || {
            finish(Outcome::Answered {
                status: xhr.status().unwrap_or(0),
                content_type: xhr.get_response_header("content-type").ok().flatten(),
                retry_after: xhr.get_response_header("retry-after").ok().flatten(),
                body: xhr.response_text().ok().flatten().unwrap_or_default(),
            });
        })
    };
    let on_error = {
        let finish = finish.clone();
        Closure::<dyn FnMut()>::new(move || finish(Outcome::Failed))
    };
    let on_abort = Closure::<dyn FnMut()>::new(move || finish(Outcome::Aborted));

    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    }
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));

    xhr.send_with_opt_blob(Some(file))
        .map_err(|_| ApiError::Network)?;
    started.emit(Cancel(xhr.clone()));

    // The closures live until the request has ended, then go with this frame.
    let outcome = receiver.await.unwrap_or(Outcome::Failed);
    if let Ok(upload) = xhr.upload() {
        upload.set_onprogress(None);
    }
    xhr.set_onload(None);
    xhr.set_onerror(None);
    xhr.set_onabort(None);
    drop((on_progress, on_load, on_error, on_abort));
    Ok(outcome)
}
