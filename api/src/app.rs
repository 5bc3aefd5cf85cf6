//! Wiring: state, the HTTP server and its listener. `Application::build` binds
//! its own listener and exposes the port, so tests can ask for port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::dev::{Server, Service};
use actix_web::http::Method;
use actix_web::{App, HttpServer, web};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::{TokenSecret, TokenService, cookie};
use crate::config::Config;
use crate::config::{BlobBackend, MetaBackend};
use crate::error::{ApiError, json_error};
use crate::frontend::Frontend;
use crate::routes::{self, AllowedMethods};
use crate::security_headers;
use crate::store::blob::fs::FsBlobStore;
use crate::store::blob::s3::S3BlobStore;
use crate::store::meta::dynamodb::DynamoMetaStore;
use crate::store::meta::sqlite::SqliteMetaStore;
use crate::store::{BlobStore, MetaStore, StoreError};
use crate::vault::sweeper;

/// Where the OpenAPI document is served, and the interactive docs.
pub const DOC_PATH: &str = "/api/v1/openapi.json";
const DOCS_UI_PATTERN: &str = "/api/docs/{_:.*}";

/// What every handler can reach. Cheap to clone (all behind `Arc`).
pub struct AppState {
    pub config: Arc<Config>,
    pub meta: Arc<dyn MetaStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub tokens: TokenService,
    /// Bounds concurrent Argon2 work (see `auth::accounts`).
    pub key_work: tokio::sync::Semaphore,
}

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
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
}

/// Opens the configured backends. The AWS ones check that their bucket and
/// table exist (creating them with `storage.auto_create`), so a missing or
/// unreachable backend stops start-up with a message that names it.
pub async fn open_stores(
    config: &Config,
) -> Result<(Arc<dyn MetaStore>, Arc<dyn BlobStore>), StartupError> {
    let storage = &config.storage;
    let uses_aws = storage.blob == BlobBackend::S3 || storage.meta == MetaBackend::Dynamodb;
    let sdk = match uses_aws {
        true => Some(crate::store::aws::sdk_config(&storage.aws).await),
        false => None,
    };
    let meta: Arc<dyn MetaStore> = match (storage.meta, &sdk) {
        (MetaBackend::Dynamodb, Some(sdk)) => {
            Arc::new(DynamoMetaStore::connect(sdk, &storage.dynamodb, storage.auto_create).await?)
        }
        _ => {
            let db_path = config.data_dir.join("strongroom.db");
            Arc::new(
                tokio::task::spawn_blocking(move || SqliteMetaStore::open(&db_path))
                    .await
                    .map_err(|err| StoreError::Backend(Box::new(err)))??,
            )
        }
    };
    let blobs: Arc<dyn BlobStore> = match (storage.blob, &sdk) {
        (BlobBackend::S3, Some(sdk)) => {
            Arc::new(S3BlobStore::connect(sdk, &storage.s3, storage.auto_create).await?)
        }
        _ => Arc::new(FsBlobStore::open(&config.data_dir.join("objects"))?),
    };
    Ok((meta, blobs))
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Prepares storage and keys and binds the listener; `run` serves.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let data_dir = config.data_dir.clone();
        let dir_error = |source| StartupError::DataDir {
            path: data_dir.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&data_dir).map_err(dir_error)?;
        let secret = TokenSecret::load_or_create(&config.token_secret_path())?;
        let (meta, blobs) = open_stores(&config).await?;
        sweeper::spawn(
            meta.clone(),
            blobs.clone(),
            Duration::from_secs(config.sweep_interval_secs),
            Duration::from_secs(config.sweep_grace_secs),
        );
        let cookie_key = cookie::cookie_key(&secret);
        if !config.secure_cookies && !config.bind.ip().is_loopback() {
            tracing::warn!(
                "secure_cookies is off: the browser's session cookie is sent without `Secure`. \
                 Turn it on when browsers reach this server over HTTPS (as they should)"
            );
        }
        let frontend = web::Data::new(Frontend::load(&config.web_dir));
        let state = web::Data::new(AppState {
            tokens: TokenService::new(&secret, config.access_token_ttl_secs),
            meta,
            blobs,
            config: Arc::new(config.clone()),
            key_work: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            ),
        });

        let listener = TcpListener::bind(config.bind).map_err(|source| StartupError::Bind {
            addr: config.bind.to_string(),
            source,
        })?;
        let port = listener
            .local_addr()
            .map_err(|source| StartupError::Bind {
                addr: config.bind.to_string(),
                source,
            })?
            .port();
        let json_limit = config.json_limit_bytes;
        let route_config = config.clone();
        let docs_policy = security_headers::docs_policy();
        let doc = crate::openapi::api_doc();
        let allowed = web::Data::new(
            AllowedMethods::from_document(&doc)
                .with(DOC_PATH, &[Method::GET])
                .with(DOCS_UI_PATTERN, &[Method::GET]),
        );
        let server = HttpServer::new(move || {
            let session = cookie::middleware(cookie_key.clone(), &route_config);
            let policy = frontend.policy().clone();
            let docs_policy = docs_policy.clone();
            App::new()
                .app_data(state.clone())
                .app_data(frontend.clone())
                .app_data(allowed.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(json_limit)
                        .error_handler(|err, _req| json_error(err).into()),
                )
                .app_data(web::QueryConfig::default().error_handler(|err, _req| {
                    ApiError::bad_request("invalid_query", err.to_string()).into()
                }))
                .app_data(web::PathConfig::default().error_handler(|err, _req| {
                    ApiError::bad_request("invalid_path", err.to_string()).into()
                }))
                // The docs UI also serves the document under /api/v1, so it
                // comes before the API's scope.
                .service(SwaggerUi::new(DOCS_UI_PATTERN).url(DOC_PATH, doc.clone()))
                .into_utoipa_app()
                .configure(|cfg| routes::configure(cfg, session))
                .into_app()
                .default_service(web::to(crate::frontend::serve))
                .wrap_fn(routes::allow::head_as_get)
                .wrap_fn(|req, srv| {
                    // The route pattern, never the path: paths can hold file names.
                    let method = req.method().clone();
                    let pattern = req
                        .match_pattern()
                        .unwrap_or_else(|| "<unmatched>".to_owned());
                    let started = Instant::now();
                    let response = srv.call(req);
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
                })
                .wrap_fn(move |req, srv| {
                    // Outermost: every answer gets the security headers, even
                    // an error a middleware returned instead of a response.
                    let policy = match security_headers::is_docs_path(req.path()) {
                        true => docs_policy.clone(),
                        false => policy.clone(),
                    };
                    let response = srv.call(req);
                    async move {
                        match response.await {
                            Ok(mut response) => {
                                security_headers::apply(response.headers_mut(), &policy);
                                Ok(response)
                            }
                            Err(err) => Err(security_headers::SecuredError::wrap(err, policy)),
                        }
                    }
                })
        })
        .listen(listener)
        .map_err(|source| StartupError::Bind {
            addr: config.bind.to_string(),
            source,
        })?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
