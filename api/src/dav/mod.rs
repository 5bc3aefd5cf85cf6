//! WebDAV at `/dav/`: dav-server over the vault (`fs.rs`, `file.rs`). A
//! handler is built per request for the request's caller, so everything a
//! client can reach is that caller's tree. Read operations so far.
//!
//! Every answer here is sandboxed (`Content-Security-Policy: sandbox`,
//! `nosniff`): the files are the users' own bytes on the app's origin, and an
//! HTML file must not run script that could talk to the API.

mod file;
mod fs;
pub mod locks;

use actix_web::body::{BoxBody, SizedStream};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{
    CONTENT_LENGTH, CONTENT_SECURITY_POLICY, HeaderValue, X_CONTENT_TYPE_OPTIONS,
};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, Responder, Scope, web};
use bytes::Bytes;
use dav_server::DavHandler;
use dav_server::actix::{DavRequest, DavResponse};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::middleware::WasHead;
use crate::state::AppState;

pub const PREFIX: &str = "/dav";

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
                let headers = response.headers_mut();
                headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
                headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
                Ok(response)
            }
        })
        .default_service(web::to(serve))
}

/// Who the request comes from. For now the API's bearer token, through the
/// same extractor; app passwords (HTTP Basic) replace this one function.
async fn caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    Caller::extract(req).await
}

async fn serve(
    req: HttpRequest,
    dav: DavRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&req).await?;
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
    let read_ahead = read_ahead(&req, was_head);
    let handler: DavHandler = DavHandler::builder()
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
