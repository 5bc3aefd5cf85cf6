//! The access token, kept in memory only (never LocalStorage), and the silent
//! refresh that replaces it from the HttpOnly session cookie.
//!
//! Refreshes are single-flight: the cookie's refresh token is single use, so
//! two refreshes racing with the same cookie would look like token theft to the
//! server and end the session. Within this tab, callers that find a refresh
//! already done while they waited use its result instead of starting another;
//! across tabs (which share the cookie), a Web Lock makes them take turns, so
//! each one sends the cookie the one before it left.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::channel::oneshot;
use futures::lock::Mutex;
use gloo_net::http::Method;
use js_sys::{Function, Promise, Reflect};
use strongroom_shared::{RefreshRequest, TokenResponse};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use yew::Callback;

use super::error::ApiError;
use super::paths::API;

thread_local! {
    static ACCESS_TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Bumped by every finished refresh attempt.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static REFRESH_LOCK: Rc<Mutex<()>> = Rc::new(Mutex::new(()));
    /// Told when the session ends behind the app's back (refresh refused).
    static ON_SESSION_LOST: RefCell<Option<Callback<()>>> = const { RefCell::new(None) };
}

pub fn access_token() -> Option<String> {
    ACCESS_TOKEN.with(|token| token.borrow().clone())
}

pub fn set_access_token(token: Option<String>) {
    ACCESS_TOKEN.with(|slot| *slot.borrow_mut() = token);
}

pub fn on_session_lost(callback: Callback<()>) {
    ON_SESSION_LOST.with(|slot| *slot.borrow_mut() = Some(callback));
}

fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// Gets a new access token from the session cookie. `Ok(false)` when there is
/// no session (no cookie, or it was refused).
pub async fn refresh() -> Result<bool, ApiError> {
    let seen = generation();
    let lock = REFRESH_LOCK.with(Rc::clone);
    let _guard = lock.lock().await;
    if generation() != seen {
        // Someone else refreshed while we waited: theirs is the answer.
        return Ok(access_token().is_some());
    }
    let outcome = across_tabs(refresh_now).await;
    GENERATION.with(|value| value.set(value.get() + 1));
    match outcome {
        Ok(tokens) => {
            set_access_token(Some(tokens.access_token));
            Ok(true)
        }
        Err(error) if matches!(error.status(), Some(400 | 401 | 403)) => {
            set_access_token(None);
            Ok(false)
        }
        Err(error) => Err(error),
    }
}

/// Runs `work` holding the browser-wide lock `strongroom-refresh` (Web Locks
/// API); where the browser has none, just runs it.
async fn across_tabs<F, Fut>(work: F) -> Result<TokenResponse, ApiError>
where
    F: FnOnce() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<TokenResponse, ApiError>> + 'static,
{
    let Some((locks, request)) = lock_manager() else {
        return work().await;
    };
    let (sender, receiver) = oneshot::channel();
    // The lock is held until the promise this callback returns settles.
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        future_to_promise(async move {
            let _ = sender.send(work().await);
            Ok(JsValue::UNDEFINED)
        })
    });
    let granted = request
        .call2(&locks, &JsValue::from_str("strongroom-refresh"), &callback)
        .ok()
        .and_then(|value| value.dyn_into::<Promise>().ok());
    match granted {
        Some(promise) => {
            let _ = JsFuture::from(promise).await;
            receiver.await.unwrap_or(Err(ApiError::Network))
        }
        None => Err(ApiError::Network),
    }
}

fn lock_manager() -> Option<(JsValue, Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = Reflect::get(&navigator, &JsValue::from_str("locks")).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = Reflect::get(&locks, &JsValue::from_str("request"))
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((locks, request))
}

async fn refresh_now() -> Result<TokenResponse, ApiError> {
    // Once, never through the retrying `api::send`: a refused refresh is an answer.
    let path = format!("{API}/auth/refresh");
    let response =
        super::api::send_once(Method::POST, &path, Some(&RefreshRequest::default())).await?;
    super::api::decode_json(response).await
}

/// After a 401: gets a new access token so the caller can retry once.
/// `Ok(false)` when the session is gone, and the app has been told.
pub async fn renew() -> Result<bool, ApiError> {
    let renewed = refresh().await?;
    if !renewed {
        session_lost();
    }
    Ok(renewed)
}

/// The session ended (refresh refused while the app thought it was signed
/// in): forget the token and tell the app, which shows the log-in page.
pub fn session_lost() {
    set_access_token(None);
    let callback = ON_SESSION_LOST.with(|slot| slot.borrow().clone());
    if let Some(callback) = callback {
        callback.emit(());
    }
}
