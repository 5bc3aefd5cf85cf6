//! Wiring only: opens the stores, builds the state, and serves the routes
//! behind the middleware. `Application::build` binds its own listener and
//! exposes the port, so tests can ask for port 0.

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::{App, HttpServer, web};
use bytes::Bytes;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::TokenSecret;
use crate::config::Config;
use crate::error::{ApiError, json_error};
use crate::metrics::exporter::MetricsServer;
use crate::middleware::Pace;
use crate::middleware::{self, security_headers};
use crate::routes::frontend::Frontend;
use crate::routes::throttle::Throttle;
use crate::routes::{self, AllowedMethods, session_cookie};
use crate::state::AppState;
use crate::store::Stores;
use crate::vault::sweeper;
use strongroom_shared::kinds;

/// Where the OpenAPI document is served, and the interactive docs.
pub const DOC_PATH: &str = "/api/v1/openapi.json";
const DOCS_UI_PATTERN: &str = "/api/docs/{_:.*}";

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("data folder {path}: {source}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] crate::auth::secret::SecretError),
    #[error("storage: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("the OpenAPI document: {0}")]
    Doc(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// The OpenAPI document as served at `DOC_PATH`.
struct DocJson(Bytes);

async fn serve_doc(doc: web::Data<DocJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type(actix_web::http::header::ContentType::json())
        .body(doc.0.clone())
}

pub struct Application {
    port: u16,
    server: Server,
    /// `/metrics` on `metrics_bind`, when configured.
    metrics: Option<MetricsServer>,
}

fn spawn_sweeper(config: &Config, stores: &Stores) {
    sweeper::spawn(
        stores.meta.clone(),
        stores.blobs.clone(),
        Duration::from_secs(config.sweep_interval_secs),
        Duration::from_secs(config.sweep_grace_secs),
        (config.trash_retention_days > 0)
            .then(|| time::Duration::days(i64::from(config.trash_retention_days))),
    );
}

fn warn_if_cookies_insecure(config: &Config) {
    if !config.cookies_secure() && !config.bind.ip().is_loopback() {
        tracing::warn!(
            "secure_cookies = false: the browser's session cookie is sent without `Secure` \
             although this server listens beyond loopback; browsers should reach it over HTTPS"
        );
    }
}

impl Application {
    /// Prepares storage and keys and binds the listener; `run_until_stopped` serves.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        create_private_dir(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        // First, so that what start-up does is measured too.
        let metrics = config.metrics_bind.map(bind_metrics).transpose()?;
        // Before anything is opened: a certificate that cannot be served
        // stops start-up with a message naming its key.
        let tls = config
            .tls
            .files()
            .map(|files| {
                crate::tls::start(files, Duration::from_secs(config.tls.reload_check_secs))
            })
            .transpose()?;
        let secret = TokenSecret::load_or_create(&config.token_secret_path())?;
        let stores = crate::store::open(&config, &secret.profile_keys()).await?;
        spawn_sweeper(&config, &stores);
        warn_if_cookies_insecure(&config);
        let cookie_key = session_cookie::cookie_key(&secret);
        let frontend = web::Data::new(Frontend::load(&config.web_dir));
        let state = web::Data::new(AppState::new(config.clone(), stores, &secret));
        let doc = crate::openapi::api_doc();
        let throttle = web::Data::new(Throttle::new(&config.limits));
        spawn_forgetting(throttle.clone());
        let limits = config.limits;
        let pace = Pace {
            idle: Duration::from_secs(limits.body_idle_secs),
            min_rate: limits.body_min_rate,
        };
        let allowed = web::Data::new(
            AllowedMethods::from_document(&doc)
                .with(DOC_PATH, &[Method::GET])
                .with(DOCS_UI_PATTERN, &[Method::GET]),
        );

        // Serialised once and shared by every worker: the document is the
        // largest thing the idle server holds, and a copy per worker (plus
        // one serialisation per request) is what the docs UI's own serving
        // would cost.
        let doc_json = web::Data::new(DocJson(Bytes::from(
            doc.to_json()
                .map_err(|err| StartupError::Doc(err.to_string()))?,
        )));
        drop(doc);

        let bind_error = |source| StartupError::Bind {
            addr: config.bind.to_string(),
            source,
        };
        let listener = TcpListener::bind(config.bind).map_err(bind_error)?;
        let port = listener.local_addr().map_err(bind_error)?.port();
        let json_limit = config.json_limit_bytes;
        let route_config = config.clone();
        let docs_policy = security_headers::docs_policy();
        let hsts = tls.is_some();
        let server = HttpServer::new(move || {
            let session = session_cookie::middleware(cookie_key.clone(), &route_config);
            App::new()
                .app_data(state.clone())
                .app_data(frontend.clone())
                .app_data(allowed.clone())
                .app_data(throttle.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(json_limit)
                        .error_handler(|err, _req| json_error(err).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                    ApiError::new(kinds::INVALID_QUERY, err.to_string()).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|err, _req| {
                    ApiError::new(kinds::INVALID_PATH, err.to_string()).into()
                }))
                // The docs UI also serves the document under /api/v1, so it
                // comes before the API's scope.
                .service(
                    // Guarded, so other methods fall through to the answer
                    // that lists the allowed ones (405 with `Allow`).
                    web::resource(DOC_PATH)
                        .guard(actix_web::guard::Get())
                        .app_data(doc_json.clone())
                        .to(serve_doc),
                )
                .service(
                    SwaggerUi::new(DOCS_UI_PATTERN)
                        .config(utoipa_swagger_ui::Config::new([DOC_PATH])),
                )
                .into_utoipa_app()
                .configure(|cfg| routes::configure(cfg, session))
                .into_app()
                // WebDAV before the browser app's fallback: a browser at
                // `/dav/` gets the WebDAV answer, not the app.
                .service(crate::dav::scope())
                .default_service(web::to(routes::frontend::serve))
                // Innermost first: the last one wraps all the others.
                .wrap_fn(middleware::head_as_get)
                .wrap_fn(middleware::pace_bodies(pace))
                .wrap_fn(middleware::log_request)
                .wrap_fn(middleware::no_store_for_api)
                .wrap_fn(middleware::secure(
                    frontend.policy().clone(),
                    docs_policy.clone(),
                    hsts,
                ))
                .wrap_fn(middleware::measure)
        })
        .client_request_timeout(Duration::from_secs(limits.request_header_secs))
        .keep_alive(Duration::from_secs(limits.keep_alive_secs));
        let server = match tls {
            Some(tls) => server.listen_rustls_0_23(listener, tls),
            None => server.listen(listener),
        }
        .map_err(bind_error)?
        .run();
        Ok(Self {
            port,
            server,
            metrics,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (and `/metrics`) as a signal would.
    pub fn stop_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The port `/metrics` is served on, when `metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(MetricsServer::port)
    }

    /// Serves until the server is stopped (a signal); `/metrics` stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics {
            Some(metrics) => metrics.serve_alongside(self.server).await,
            None => self.server.await,
        }
    }
}

fn bind_metrics(addr: std::net::SocketAddr) -> Result<MetricsServer, StartupError> {
    let bind_error = |source| StartupError::Bind {
        addr: addr.to_string(),
        source,
    };
    MetricsServer::bind(TcpListener::bind(addr).map_err(bind_error)?).map_err(bind_error)
}

/// The data folder is the server's own: created 0700 (on Unix). One that
/// exists already is left as it is, with a warning when others may read it.
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(path)?;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                path = %path.display(),
                "the data folder can be read by others (mode {:o}); `chmod 700` it",
                mode & 0o777
            );
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(path)
    }
}

/// Every minute, the rate limiter forgets clients whose budget is full again.
fn spawn_forgetting(throttle: web::Data<Throttle>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            throttle.forget_idle();
        }
    });
}
