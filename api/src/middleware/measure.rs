//! HTTP metrics: every request by method, route pattern and status, with the
//! time until its answer's head (a download's body streams on after that).

use std::future::Future;
use std::time::Instant;

use actix_web::Error;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::Method;

/// WebDAV's prefix (`dav::PREFIX`; spelled here too, since `dav` depends on
/// `middleware` and not the other way round).
const DAV: &str = "/dav";

/// The route label of a request no route matched (the browser app's
/// fallback, unknown API paths).
const UNMATCHED: &str = "unmatched";

/// Records the request in `strongroom_http_*`. Outermost, so it sees the
/// method the client sent and the status it got, error answers included.
pub fn measure<S>(
    req: ServiceRequest,
    service: &S,
) -> impl Future<Output = Result<ServiceResponse, Error>> + use<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse, Error = Error>,
{
    let method = method_label(req.method());
    let route = route_label(&req);
    let started = Instant::now();
    let response = service.call(req);
    async move {
        let response = response.await;
        let status = match &response {
            Ok(response) => response.status(),
            Err(err) => err.as_response_error().status_code(),
        };
        crate::metrics::http_request(method, route, status.as_u16(), started.elapsed());
        response
    }
}

/// The route pattern, never the path: paths hold ids and names. WebDAV
/// serves every path under one prefix, so all of it is `/dav`.
fn route_label(req: &ServiceRequest) -> String {
    let path = req.path();
    if path
        .strip_prefix(DAV)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    {
        return DAV.to_owned();
    }
    req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned())
}

/// The method, from a fixed list: clients may send any token as a method,
/// and each distinct label is a new series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: &[&str] = &[
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "OPTIONS",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
    ];
    KNOWN
        .iter()
        .find(|known| **known == method.as_str())
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn methods_outside_the_list_are_other() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(
            method_label(&Method::from_bytes(b"PROPFIND").unwrap_or(Method::GET)),
            "PROPFIND"
        );
        assert_eq!(
            method_label(&Method::from_bytes(b"X-SECRET-NAME").unwrap_or(Method::GET)),
            "other"
        );
    }

    #[test]
    fn dav_paths_are_one_label_and_unrouted_paths_are_unmatched() {
        for path in ["/dav", "/dav/", "/dav/Private%20notes/tax.pdf"] {
            let req = TestRequest::with_uri(path).to_srv_request();
            assert_eq!(route_label(&req), "/dav", "{path}");
        }
        for path in ["/davx", "/some/secret-name"] {
            let req = TestRequest::with_uri(path).to_srv_request();
            assert_eq!(route_label(&req), UNMATCHED, "{path}");
        }
    }
}
