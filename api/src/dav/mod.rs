//! WebDAV at `/dav/`: dav-server over the vault (`fs.rs`, `file.rs`). A
//! handler is built per request for the request's caller, so everything a
//! client can reach is that caller's tree.
//!
//! Clients sign in with HTTP Basic: the account's email and an app password
//! (never the account password: that would cost an Argon2 run per request
//! and hand it to every file manager). A bearer token works too.
//!
//! Every answer here is sandboxed (`Content-Security-Policy: sandbox`,
//! `nosniff`): the files are the users' own bytes on the app's origin, and an
//! HTML file must not run script that could talk to the API.

mod file;
mod fs;
pub mod locks;
mod upload;

use actix_web::body::{BoxBody, SizedStream};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::StatusCode;
use actix_web::http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_SECURITY_POLICY, HeaderValue, WWW_AUTHENTICATE,
    X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, Responder, Scope, web};
use bytes::Bytes;
use dav_server::DavHandler;
use dav_server::actix::{DavRequest, DavResponse};
use dav_server::davpath::DavPath;
use strongroom_shared::kinds;

use data_encoding::BASE64;

use crate::auth::{AuthError, Caller, Unauthorized};
use crate::crypto::keys::APP_PASSWORD_PREFIX;
use crate::error::ApiError;
use crate::middleware::WasHead;
use crate::routes::caller::{authenticate, bearer_token, login_charge};
use crate::state::AppState;

pub const PREFIX: &str = "/dav";

const BASIC_CHALLENGE: &str = r#"Basic realm="Strongroom", charset="UTF-8""#;

/// Bytes per `read_bytes`: larger than dav-server's 16 KiB default, so a
/// large download costs fewer calls and allocations.
const READ_BUF_SIZE: usize = 256 * 1024;

/// The `/dav` scope, to be registered before the browser app's fallback.
pub fn scope() -> Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope(PREFIX)
        .wrap_fn(|req, service| {
            let response = service.call(req);
            async move {
                let mut response = response.await?;
                let unauthorized = response.status() == StatusCode::UNAUTHORIZED;
                let headers = response.headers_mut();
                if unauthorized {
                    // File managers ask for a user and password only when
                    // challenged for Basic.
                    headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(BASIC_CHALLENGE));
                }
                headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                Ok(response)
            }
        })
        .default_service(web::to(serve))
}

/// Who the request comes from: HTTP Basic with the account's email and an
/// app password, or a bearer token as on the API. A read-only app password
/// may only read.
async fn caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    let caller = match basic_credentials(req) {
        Some((user, password)) => {
            let charge = login_charge(req);
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| ApiError::internal("application state is not registered"))?;
            if !password.starts_with(APP_PASSWORD_PREFIX) {
                charge()?;
                return Err(AuthError::from(Unauthorized::InvalidCredentials).into());
            }
            let caller = authenticate(req, Some(password)).await?;
            if !state.accounts.is_email_of(&user, caller.user_id).await? {
                charge()?;
                return Err(AuthError::from(Unauthorized::InvalidCredentials).into());
            }
            caller
        }
        None => authenticate(req, bearer_token(req)).await?,
    };
    if caller.is_read_only() && !only_reads(req.method()) {
        return Err(AuthError::ReadOnly.into());
    }
    Ok(caller)
}

/// The methods that change nothing. LOCK is a write: it may create a file.
fn only_reads(method: &Method) -> bool {
    [Method::GET, Method::HEAD, Method::OPTIONS].contains(method) || method.as_str() == "PROPFIND"
}

/// `Authorization: Basic` as (user, password); `None` for any other scheme.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = BASE64.decode(encoded.trim().as_bytes()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

async fn serve(
    req: HttpRequest,
    dav: DavRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&req).await?;
    if req.method().as_str() == "COPY" && copies_into_itself(&req) {
        // dav-server would copy the folder into its own copy, level after
        // level; a move there is refused by the vault.
        return Err(ApiError::new(
            kinds::INVALID_MOVE,
            "a folder cannot be copied into itself",
        ));
    }
    let mut request = dav.request;
    let was_head = req.extensions().contains::<WasHead>();
    if was_head {
        // `head_as_get` routed it as GET; dav-server should answer HEAD
        // (headers only, no file opened for reading). The method type is
        // `http` 1.x's, reached through `parse` rather than a new dependency.
        if let Ok(head) = "HEAD".parse() {
            *request.method_mut() = head;
        }
    }
    // dav-server lets `X-Litmus` requests walk `Depth: infinity`; no client
    // of ours gets that by sending a header.
    request.headers_mut().remove("x-litmus");
    if request.method().as_str() == "DELETE" {
        // A folder goes to the trash as one item, like the API's delete:
        // with `Depth: 0` dav-server calls `remove_dir` once instead of
        // trashing every file below it separately. Its lock check still
        // covers the whole subtree.
        if let Ok(zero) = "0".parse() {
            request.headers_mut().insert("depth", zero);
        }
    }
    let read_ahead = read_ahead(&req, was_head);
    let locks = state.dav_locks.for_user(caller.user_id);
    let handler: DavHandler = DavHandler::builder()
        .locksystem(locks)
        .filesystem(Box::new(fs::VaultFs::new(
            state.into_inner(),
            caller,
            read_ahead,
        )))
        .strip_prefix(PREFIX)
        .read_buf_size(READ_BUF_SIZE)
        .build_handler();
    let mut response = DavResponse::from(handler.handle(request).await).respond_to(&req);
    if let Some(length) = content_length(&response) {
        if was_head {
            // dav-server's HEAD answer has an empty body, which actix would
            // announce as `Content-Length: 0`; a sized empty stream keeps
            // the file's length (the HTTP layer sends no body for HEAD).
            let empty = futures_util::stream::empty::<Result<Bytes, actix_web::Error>>();
            response = response.set_body(BoxBody::new(SizedStream::new(length, empty)));
        } else {
            // A streamed body would go out chunked, without the length.
            response.head_mut().no_chunking(true);
        }
    }
    Ok(response)
}

/// Whether `Destination` lies below the request's path.
fn copies_into_itself(req: &HttpRequest) -> bool {
    let Some(destination) = req
        .headers()
        .get("destination")
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    // An absolute URL's path, or the path as given.
    let destination = match destination.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |at| &rest[at..]),
        None => destination,
    };
    let (Ok(source), Ok(destination)) = (DavPath::new(req.uri().path()), DavPath::new(destination))
    else {
        return false;
    };
    let source = String::from_utf8_lossy(source.as_bytes());
    let destination = String::from_utf8_lossy(destination.as_bytes());
    let source = source.trim_end_matches('/');
    destination
        .strip_prefix(source)
        .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

/// A plain GET will read the file: say where, so the first piece is
/// decrypted before the answer starts. Not for HEAD, nor for a conditional
/// GET that may end as 304 without reading.
fn read_ahead(req: &HttpRequest, was_head: bool) -> Option<fs::ReadAhead> {
    let headers = req.headers();
    let conditional = ["if-none-match", "if-modified-since", "if-match", "if-range"]
        .iter()
        .any(|name| headers.contains_key(*name));
    (req.method() == Method::GET && !was_head && !conditional).then(|| fs::ReadAhead {
        range: headers
            .get("range")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
    })
}

fn content_length(response: &HttpResponse) -> Option<u64> {
    response
        .headers()
        .get(CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
