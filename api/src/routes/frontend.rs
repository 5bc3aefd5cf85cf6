//! The built browser app (`web_dir`, trunk's `dist`), served on the API's port.
//!
//! Files are served with actix-files (content type, ETag, Last-Modified,
//! ranges). `index.html` is `no-cache`; every other file is named by its
//! content hash (trunk's `name-<hash>.js`, `_bg.wasm`, `.css`), so it is cached
//! for a year as immutable. Any other path outside `/api/`, `/healthz` and
//! `/readyz` answers `index.html`, so the app's deep links (`/files/<id>`,
//! `/account`) load it. Without a built app the API runs alone and `/` says
//! so in a problem.
//!
//! Compression: `scripts/web-build` leaves a gzip copy (`name.gz`) beside each
//! asset, served with `Content-Encoding: gzip` to browsers that accept it (the
//! wasm goes from ~700 KB to ~300 KB). Nothing is compressed on the fly: no
//! CPU per request, and API answers, which carry tokens beside what callers
//! sent, are never compressed (no BREACH-style length leaks).

use std::path::{Path, PathBuf};

use actix_files::{NamedFile, PathBufWrap};
use actix_web::http::Method;
use actix_web::http::header::{self, ContentEncoding, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};

use strongroom_shared::kinds;

use super::allow;
use crate::error::ApiError;
use crate::middleware::security_headers::{self, InlineHashes};

const INDEX: &str = "index.html";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_CACHE: &str = "no-cache";

/// What the server knows of the browser app at start-up.
pub struct Frontend {
    /// The folder with `index.html`, when there is one.
    dir: Option<PathBuf>,
    /// The Content-Security-Policy of every response, with the hashes of
    /// `index.html`'s inline scripts as they were at start-up.
    policy: HeaderValue,
}

impl Frontend {
    /// Looks for `index.html` in `web_dir`. Without it the API is served alone
    /// and a warning says how to build the app; never an error.
    pub fn load(web_dir: &Path) -> Self {
        let index = web_dir.join(INDEX);
        match std::fs::read(&index) {
            Ok(html) => {
                let dir = web_dir
                    .canonicalize()
                    .unwrap_or_else(|_| web_dir.to_owned());
                tracing::info!(web_dir = %dir.display(), "serving the browser app");
                Self {
                    policy: policy_for(&html),
                    dir: Some(dir),
                }
            }
            Err(err) => {
                tracing::warn!(
                    web_dir = %web_dir.display(),
                    "no browser app at {} ({err}): serving the API only. Build it with \
                     `scripts/web-build`, or point `web_dir` (STRONGROOM_WEB_DIR) at a built one",
                    index.display()
                );
                Self {
                    policy: policy_for(b""),
                    dir: None,
                }
            }
        }
    }

    /// The Content-Security-Policy for responses that set none of their own.
    pub fn policy(&self) -> &HeaderValue {
        &self.policy
    }
}

fn policy_for(html: &[u8]) -> HeaderValue {
    security_headers::header_value(&InlineHashes::of_html(html).policy())
}

/// Paths that belong to the server, never to the app.
fn is_server_path(path: &str) -> bool {
    path == "/api"
        || path.starts_with("/api/")
        || ["/healthz", "/readyz"].iter().any(|own| {
            path == *own
                || path
                    .strip_prefix(own)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// The app's default service: whatever no route answered.
pub async fn serve(
    req: HttpRequest,
    frontend: web::Data<Frontend>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if is_server_path(path) || req.resource_map().has_resource(path) {
        return super::not_found(req).await;
    }
    let Some(dir) = frontend.dir.as_deref() else {
        return Err(match path {
            "/" | "/index.html" => app_not_built(),
            _ => ApiError::not_found(),
        });
    };
    match *req.method() {
        // (HEAD arrives as GET: `routes::allow::head_as_get`.)
        Method::GET | Method::HEAD => {}
        Method::OPTIONS => return Ok(allow::options(allow::READ_ONLY)),
        _ => {
            return Err(ApiError::method_not_allowed(allow::READ_ONLY.to_owned()));
        }
    }
    // A path that tries `..` at all is refused outright; the rest is
    // percent-decoded with hidden and odd segments refused: never outside `dir`.
    if has_dot_dot(path) {
        return Err(ApiError::not_found());
    }
    let relative = PathBufWrap::parse_path(path, false).map_err(|_| ApiError::not_found())?;
    let relative: &Path = relative.as_ref();
    if relative.as_os_str().is_empty() || relative == Path::new(INDEX) {
        return index(&req, dir).await;
    }
    let file = dir.join(relative);
    match tokio::fs::metadata(&file).await {
        Ok(meta) if meta.is_file() => asset(&req, &file).await,
        _ => index(&req, dir).await,
    }
}

/// Whether any segment, percent-decoded, is `..`.
fn has_dot_dot(path: &str) -> bool {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .split(['/', '\\'])
        .any(|segment| segment == "..")
}

/// Opens a file on the blocking pool.
async fn open(path: PathBuf) -> Option<NamedFile> {
    tokio::task::spawn_blocking(move || NamedFile::open(path).ok())
        .await
        .ok()
        .flatten()
}

async fn asset(req: &HttpRequest, file: &Path) -> Result<HttpResponse, ApiError> {
    let is_wasm = file.extension().is_some_and(|ext| ext == "wasm");
    let is_html = file
        .extension()
        .is_some_and(|ext| ext == "html" || ext == "htm");
    // Browsers stream-compile wasm only when it says `application/wasm`.
    let content_type = match is_wasm {
        true => wasm_mime(),
        false => mime_guess::from_path(file).first_or_octet_stream(),
    };
    let gzipped = match accepts_gzip(req) {
        true => open(gzip_sibling(file)).await,
        false => None,
    };
    let named = match gzipped {
        Some(named) => named.set_content_encoding(ContentEncoding::Gzip),
        None => open(file.to_owned()).await.ok_or(ApiError::not_found())?,
    };
    let mut response = named
        .disable_content_disposition()
        .set_content_type(content_type)
        .into_response(req);
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if is_html { NO_CACHE } else { IMMUTABLE }),
    );
    // Caches must keep the gzip and the plain answer apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

fn gzip_sibling(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".gz");
    PathBuf::from(name)
}

/// Whether `Accept-Encoding` lists gzip (or `*`) with a non-zero weight.
fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|param| {
                param
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

fn wasm_mime() -> mime_guess::Mime {
    actix_files::file_extension_to_mime("wasm")
}

/// `index.html`, for `/` and every deep link: never cached without asking, and
/// with a policy that hashes exactly the inline scripts of the bytes served
/// (the app may have been rebuilt since start-up).
async fn index(req: &HttpRequest, dir: &Path) -> Result<HttpResponse, ApiError> {
    let path = dir.join(INDEX);
    let html = tokio::fs::read(&path).await.map_err(|_| app_not_built())?;
    let named = open(path)
        .await
        .ok_or(app_not_built())?
        .disable_content_disposition();
    let mut response = named.into_response(req);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_CACHE));
    headers.insert(header::CONTENT_SECURITY_POLICY, policy_for(&html));
    Ok(response)
}

fn app_not_built() -> ApiError {
    ApiError::new(
        kinds::APP_NOT_BUILT,
        "the browser app is not built on this server; the API is at /api/v1 and its documentation at /api/docs/",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_paths_are_never_the_app() {
        for path in [
            "/api",
            "/api/",
            "/api/v2/x",
            "/healthz",
            "/readyz",
            "/readyz/x",
        ] {
            assert!(is_server_path(path), "{path}");
        }
        for path in ["/", "/apis", "/healthzz", "/files/x", "/account"] {
            assert!(!is_server_path(path), "{path}");
        }
    }

    #[test]
    fn dot_dot_is_found_however_spelled() {
        for path in ["/../x", "/a/%2e%2e/x", "/%2E%2E", "/a/..%5cb", "/..\\x"] {
            assert!(has_dot_dot(path), "{path}");
        }
        for path in ["/a..b", "/...", "/x/.."] {
            assert_eq!(has_dot_dot(path), path.ends_with("/.."), "{path}");
        }
    }

    #[test]
    fn gzip_is_taken_when_offered_with_a_weight() {
        let asking = |value: &str| {
            let req = actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request();
            accepts_gzip(&req)
        };
        assert!(asking("gzip"));
        assert!(asking("gzip, deflate, br, zstd"));
        assert!(asking("br;q=1.0, GZIP;q=0.5"));
        assert!(asking("*"));
        assert!(!asking("gzip;q=0"));
        assert!(!asking("br, deflate"));
        assert!(!asking("identity"));
        assert!(!accepts_gzip(
            &actix_web::test::TestRequest::default().to_http_request()
        ));
        assert_eq!(
            gzip_sibling(Path::new("/d/app_bg.wasm")),
            Path::new("/d/app_bg.wasm.gz")
        );
    }

    #[test]
    fn wasm_is_application_wasm() {
        assert_eq!(wasm_mime().essence_str(), "application/wasm");
    }
}
