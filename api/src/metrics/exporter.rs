//! The Prometheus recorder and the small server that shows its text at
//! `/metrics` on `metrics_bind`: a second actix server, apart from the
//! public one, that stops when the public one stops.

use std::net::TcpListener;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use actix_web::{App, HttpResponse, HttpServer, web};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Upper bounds of the latency histograms' buckets, in seconds: from a
/// SQLite point read to a slow S3 upload.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    120.0,
];

/// How often histogram samples are folded in when nobody scrapes (they
/// would pile up in memory otherwise).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// The `metrics` facade takes one recorder per process, for good: the
/// first server that asks for it installs it, and any later one (tests
/// start many servers in one process) shares it.
static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use.
fn recorder() -> Result<PrometheusHandle, String> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|err| err.to_string())?
        .build_recorder();
    let handle = recorder.handle();
    // Only the first of two racing installs succeeds; the other uses its
    // handle.
    if ::metrics::set_global_recorder(recorder).is_ok() {
        let _ = HANDLE.set(handle);
        super::describe();
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| "another metrics recorder is installed".to_owned())
}

/// `/metrics`, bound and ready; `serve_alongside` runs it.
pub struct MetricsServer {
    port: u16,
    server: Server,
    handle: PrometheusHandle,
}

impl MetricsServer {
    /// Installs the recorder (once per process) and binds `listener`.
    pub fn bind(listener: TcpListener) -> std::io::Result<Self> {
        let handle = recorder().map_err(std::io::Error::other)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(handle.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/metrics", web::get().to(render))
        })
        // Scrapes are rare and small; the public server's signal handling
        // decides when both stop.
        .workers(1)
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            handle,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `main` (the public server) stops, then stops too.
    pub async fn serve_alongside(self, main: Server) -> std::io::Result<()> {
        let stop = self.server.handle();
        let metrics = tokio::spawn(self.server);
        let handle = self.handle;
        let upkeep = tokio::spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
        let result = main.await;
        stop.stop(true).await;
        upkeep.abort();
        match metrics.await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "the metrics server failed"),
            Err(err) => tracing::warn!(error = %err, "the metrics server's task failed"),
        }
        result
    }
}

async fn render(handle: web::Data<PrometheusHandle>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        ))
        .insert_header((CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(handle.render())
}
