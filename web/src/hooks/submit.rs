//! A form's submit: busy while its call is on the way, then the problem
//! shown in the form, or the answer handed on. One pattern for every form
//! and dialog, so each says only what it sends and what follows.

use std::future::Future;
use std::pin::Pin;

use yew::prelude::*;

use crate::services::ApiError;

/// What a form shows about its submit: whether it is sending, and the
/// problem with the last try (`E`: one message, or one per field).
pub struct Submit<E: 'static = AttrValue> {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<E>>,
    describe: fn(&ApiError) -> E,
}

impl<E> Clone for Submit<E> {
    fn clone(&self) -> Self {
        Self {
            busy: self.busy.clone(),
            error: self.error.clone(),
            describe: self.describe,
        }
    }
}

impl<E: Clone> Submit<E> {
    /// True while a call is on the way; the form disables its button.
    pub fn busy(&self) -> bool {
        *self.busy
    }

    pub fn error(&self) -> Option<E> {
        (*self.error).clone()
    }

    /// A problem found before sending (the same rules the server applies).
    pub fn fail(&self, error: E) {
        self.error.set(Some(error));
    }

    pub fn clear(&self) {
        self.error.set(None);
    }

    /// Forgets the last try: for a dialog opened anew.
    pub fn reset(&self) {
        self.busy.set(false);
        self.error.set(None);
    }

    /// Sends `call` unless one is already on the way. On success the problem
    /// shown goes and `done` gets the answer; on failure the form shows what
    /// went wrong and can be sent again.
    pub fn run<T: 'static>(
        &self,
        call: impl Future<Output = Result<T, ApiError>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        if *self.busy {
            return;
        }
        self.busy.set(true);
        // Boxed, so that each form does not add its own copy of the task
        // below (and of the spawning behind it): the app stays small.
        let call: Pin<Box<dyn Future<Output = Result<T, ApiError>>>> = Box::pin(call);
        let done: Box<dyn FnOnce(T)> = Box::new(done);
        yew::platform::spawn_local(self.clone().finish(call, done));
    }

    async fn finish<T>(
        self,
        call: Pin<Box<dyn Future<Output = Result<T, ApiError>>>>,
        done: Box<dyn FnOnce(T)>,
    ) {
        match call.await {
            Ok(answer) => {
                self.error.set(None);
                self.busy.set(false);
                done(answer);
            }
            Err(failure) => {
                self.error.set(Some((self.describe)(&failure)));
                self.busy.set(false);
            }
        }
    }
}

/// The problem as one sentence for the user.
fn message(error: &ApiError) -> AttrValue {
    AttrValue::from(error.message())
}

/// A submit whose problems show as one message.
#[hook]
pub fn use_submit() -> Submit {
    use_submit_with(message)
}

/// A submit whose problems `describe` turns into what the form shows (for
/// example a message per field).
#[hook]
pub fn use_submit_with<E: 'static>(describe: fn(&ApiError) -> E) -> Submit<E> {
    let busy = use_state(|| false);
    let error = use_state(|| None::<E>);
    Submit {
        busy,
        error,
        describe,
    }
}
