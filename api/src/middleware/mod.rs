//! What wraps every request, outermost first: HTTP metrics (`measure`),
//! security headers on every answer (`security_headers`), `no-store` on every
//! API answer, a log line by route pattern, request bodies paced (`pace`),
//! and `HEAD` served as `GET`.
//! Each is a function for `App::wrap_fn`.

mod measure;
mod pace;
pub mod security_headers;

pub use measure::measure;
pub use pace::{Pace, pace_bodies};

use std::future::Future;
use std::time::Instant;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::HeaderValue;
use actix_web::{Error, HttpMessage};
use futures_util::future::LocalBoxFuture;

/// `HEAD` is `GET` without the body: the request is routed as `GET`, and the
/// HTTP layer, which saw `HEAD` when it read the request, sends the headers
/// (`Content-Length` included) and no body.
pub fn head_as_get<S>(
    mut req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(WasHead);
    }
    service.call(req)
}

/// Left on a request that came as `HEAD` and is routed as `GET`, for the
/// few handlers for which the difference matters (a share's download count).
#[derive(Clone, Copy, Debug)]
pub struct WasHead;

/// One log line per request: the method the client sent (this runs outside
/// `head_as_get`), the route pattern and never the path (paths can hold file
/// names), the status and the time taken.
pub fn log_request<S>(
    req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    let method = req.method().clone();
    let pattern = req
        .match_pattern()
        .unwrap_or_else(|| "<unmatched>".to_owned());
    let started = Instant::now();
    let response = service.call(req);
    async move {
        let response = response.await?;
        tracing::info!(
            %method,
            route = %pattern,
            status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
        Ok(response)
    }
}

/// `Cache-Control: no-store` on every answer under `/api/`: tokens and
/// decrypted files must never land in a browser's or a proxy's cache.
pub fn no_store_for_api<S>(
    req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    let api = req.path().starts_with("/api/");
    let response = service.call(req);
    async move {
        let mut response = response.await?;
        if api {
            response.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            );
        }
        Ok(response)
    }
}

/// Security headers on every answer, even an error a middleware returned
/// instead of a response. The docs page gets its own content policy. `hsts`:
/// the server speaks TLS itself, so every answer also says "HTTPS only from
/// now on" (`Strict-Transport-Security`).
pub fn secure<S>(
    app_policy: HeaderValue,
    docs_policy: HeaderValue,
    hsts: bool,
) -> impl Fn(ServiceRequest, &S) -> LocalBoxFuture<'static, Result<ServiceResponse, Error>> + Clone
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
    S::Future: 'static,
{
    move |req, service| {
        let policy = match security_headers::is_docs_path(req.path()) {
            true => docs_policy.clone(),
            false => app_policy.clone(),
        };
        let response = service.call(req);
        Box::pin(async move {
            match response.await {
                Ok(mut response) => {
                    security_headers::apply(response.headers_mut(), &policy, hsts);
                    Ok(response)
                }
                Err(err) => Err(security_headers::SecuredError::wrap(err, policy, hsts)),
            }
        })
    }
}
