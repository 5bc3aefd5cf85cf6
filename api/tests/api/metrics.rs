//! Prometheus metrics on `metrics_bind`: after real traffic (sign-up, log-in,
//! uploads and downloads through the API and WebDAV, a 404) the text holds
//! the series with route patterns for labels, counts at least as large as
//! the traffic, and nothing that names a user, a file or a token; the public
//! port does not serve it.
//!
//! The recorder is one per process and the tests share the process, so
//! counts here are lower bounds: other tests' servers add to them.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use strongroom_api::app::Application;
use tempfile::TempDir;
use uuid::Uuid;

use crate::common::{aws, server};
use crate::helpers::{TestApp, pattern};

/// One sample of the text: its name, labels and value.
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The samples of a scrape (label values hold no `,` or `"` here: they are
/// route patterns, methods and fixed words).
fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => (name, rest.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split(',')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap();
                    (key.to_owned(), value.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value.parse().unwrap_or_else(|_| panic!("value of {line}")),
            }
        })
        .collect()
}

/// The sum of the samples named `name` whose labels include `labels`;
/// `None` when there is no such series.
fn total(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .collect();
    (!matching.is_empty()).then(|| matching.iter().sum())
}

fn at_least(samples: &[Sample], name: &str, labels: &[(&str, &str)], min: f64) {
    let value =
        total(samples, name, labels).unwrap_or_else(|| panic!("no series {name} with {labels:?}"));
    assert!(
        value >= min,
        "{name} {labels:?} = {value}, expected ≥ {min}"
    );
}

/// A server with `metrics_bind` on a free loopback port, and that port.
async fn spawn_with_metrics() -> (TestApp, u16) {
    let data_dir = TempDir::new().unwrap();
    let mut config = server::test_config(data_dir.path());
    if let Some(endpoint) = aws::suite_backend() {
        aws::use_aws_pair(&mut config, endpoint, "t");
    }
    config.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(config.clone()).await.unwrap();
    let metrics_port = app.metrics_port().expect("metrics_bind is set");
    assert_ne!(metrics_port, app.port());
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let app = TestApp {
        address,
        client: reqwest::Client::new(),
        data_dir,
        config,
    };
    (app, metrics_port)
}

async fn scrape(app: &TestApp, port: u16) -> String {
    let response = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_the_traffic_by_route_pattern_and_name_nobody() {
    let (app, port) = spawn_with_metrics().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let name = format!("secret-plan-{}.txt", Uuid::new_v4().simple());
    let body = pattern(300_000, 3);
    let node = app.upload(token, "root", &name, body.clone()).await;
    assert_eq!(app.content(token, node.id).await, body);
    // Through WebDAV: the same vault functions, counted alike.
    let dav_name = format!("dav-secret-{}.bin", Uuid::new_v4().simple());
    let put = app
        .client
        .put(app.url(&format!("/dav/{dav_name}")))
        .bearer_auth(token)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    let got = app
        .client
        .get(app.url(&format!("/dav/{dav_name}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(got.bytes().await.unwrap().len(), body.len());
    let missing = Uuid::new_v4();
    let not_found = app
        .get_auth(&format!("/api/v1/files/{missing}/content"), token)
        .await;
    assert_eq!(not_found.status(), StatusCode::NOT_FOUND);
    let unrouted = app
        .client
        .get(app.url("/api/v1/no-such-route/private-name"))
        .send()
        .await
        .unwrap();
    assert_eq!(unrouted.status(), StatusCode::NOT_FOUND);
    let odd_method = Method::from_bytes(b"SECRETMETHOD").unwrap();
    app.client
        .request(odd_method, app.url("/api/v1/health"))
        .send()
        .await
        .unwrap();

    let text = scrape(&app, port).await;
    let samples = parse(&text);
    let requests = "strongroom_http_requests_total";
    at_least(
        &samples,
        requests,
        &[
            ("method", "POST"),
            ("route", "/api/v1/auth/signup"),
            ("status", "201"),
        ],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[("method", "POST"), ("route", "/api/v1/auth/login")],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[
            ("method", "PUT"),
            ("route", "/api/v1/folders/{id}/files/{name}"),
            ("status", "201"),
        ],
        1.0,
    );
    let content = "/api/v1/files/{id}/content";
    at_least(
        &samples,
        requests,
        &[("method", "GET"), ("route", content), ("status", "200")],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[("method", "GET"), ("route", content), ("status", "404")],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[("route", "unmatched"), ("status", "404")],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[("method", "PUT"), ("route", "/dav")],
        1.0,
    );
    at_least(
        &samples,
        requests,
        &[("method", "GET"), ("route", "/dav")],
        1.0,
    );
    at_least(&samples, requests, &[("method", "other")], 1.0);
    // The latency histogram: one observation per request, in buckets.
    let duration = "strongroom_http_request_duration_seconds";
    at_least(
        &samples,
        &format!("{duration}_count"),
        &[("route", content), ("status", "200")],
        1.0,
    );
    at_least(
        &samples,
        &format!("{duration}_bucket"),
        &[("route", content), ("status", "200"), ("le", "+Inf")],
        1.0,
    );
    assert!(
        total(&samples, &format!("{duration}_sum"), &[("route", content)]).unwrap() > 0.0,
        "time was measured"
    );
    // Every route label is a pattern, a fixed word or `/dav`: never a path.
    for sample in samples
        .iter()
        .filter(|s| s.name.starts_with("strongroom_http_"))
    {
        let route = &sample.labels["route"];
        assert!(
            route == "unmatched" || route == "/dav" || route.starts_with('/'),
            "{route}"
        );
        assert!(!route.starts_with("/dav/"), "a WebDAV path: {route}");
    }

    let bytes = body.len() as f64;
    at_least(
        &samples,
        "strongroom_uploaded_bytes_total",
        &[],
        2.0 * bytes,
    );
    at_least(
        &samples,
        "strongroom_downloaded_bytes_total",
        &[],
        2.0 * bytes,
    );
    // The series exists. Its value is not checked: the recorder is
    // process-wide, and the other tests' servers in this process may have
    // started uploads before it was installed (uncounted) that end after it
    // (counted), which a server that installs it at start never sees.
    assert!(total(&samples, "strongroom_uploads_in_flight", &[]).is_some());
    // Sign-up and log-in each ran Argon2 through the queue.
    at_least(&samples, "strongroom_key_work_wait_seconds_count", &[], 2.0);
    assert!(total(&samples, "strongroom_key_work_refused_total", &[]).is_some());

    let (meta, blobs) = match aws::suite_backend() {
        Some(_) => (
            [("backend", "dynamodb"), ("operation", "GetItem")],
            [("backend", "s3"), ("operation", "put")],
        ),
        None => (
            [("backend", "sqlite"), ("operation", "create_user")],
            [("backend", "fs"), ("operation", "put")],
        ),
    };
    let store = "strongroom_store_operation_duration_seconds_count";
    at_least(&samples, store, &meta, 1.0);
    at_least(&samples, store, &blobs, 2.0);
    let blob_get = [blobs[0], ("operation", "get")];
    at_least(&samples, store, &blob_get, 2.0);

    for name in [
        "strongroom_listing_cache_hits_total",
        "strongroom_listing_cache_misses_total",
    ] {
        assert!(total(&samples, name, &[]).is_some(), "{name}");
    }

    // Nothing that names the user, their files or their tokens.
    for secret in [
        user.email.as_str(),
        name.as_str(),
        dav_name.as_str(),
        token.as_str(),
        &user.signup.user.id.to_string(),
        &node.id.to_string(),
        &missing.to_string(),
        "private-name",
        "SECRETMETHOD",
    ] {
        assert!(!text.contains(secret), "the metrics name {secret}");
    }
}

#[tokio::test]
async fn the_sweeper_is_counted() {
    let (app, port) = spawn_with_metrics().await;
    // Its first pass runs at start-up, in the background.
    for _ in 0..100 {
        let samples = parse(&scrape(&app, port).await);
        if total(
            &samples,
            "strongroom_sweeper_runs_total",
            &[("job", "objects"), ("result", "ok")],
        )
        .is_some_and(|runs| runs >= 1.0)
        {
            at_least(
                &samples,
                "strongroom_sweeper_runs_total",
                &[("job", "sessions")],
                1.0,
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no sweeper run was counted");
}

#[tokio::test]
async fn metrics_are_never_on_the_public_port() {
    let (app, port) = spawn_with_metrics().await;
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    assert!(!public.text().await.unwrap().contains("strongroom_"));
    // The metrics port serves nothing else.
    let other = app
        .client
        .get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    // Off by default: no metrics port at all.
    let data_dir = TempDir::new().unwrap();
    let config = server::test_config(data_dir.path());
    assert_eq!(config.metrics_bind, None);
    let app = Application::build(config).await.unwrap();
    assert_eq!(app.metrics_port(), None);
}

#[tokio::test]
async fn metrics_stop_with_the_server() {
    let data_dir = TempDir::new().unwrap();
    let mut config = server::test_config(data_dir.path());
    config.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
    let app = Application::build(config).await.unwrap();
    let port = app.metrics_port().unwrap();
    let stop = app.stop_handle();
    let running = tokio::spawn(app.run_until_stopped());
    let url = format!("http://127.0.0.1:{port}/metrics");
    let client = reqwest::Client::new();
    assert_eq!(
        client.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    stop.stop(true).await;
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the servers stop")
        .unwrap()
        .unwrap();
    // A fresh connection: nobody listens any more.
    let fresh = reqwest::Client::new();
    assert!(
        fresh.get(&url).send().await.is_err(),
        "metrics still served"
    );
}
