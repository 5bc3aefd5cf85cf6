//! The committed OpenAPI document matches the code, and the server serves it.
//! After a deliberate API change: `UPDATE_OPENAPI=1 cargo test --test api openapi`.
//! (That the document is valid OpenAPI 3.1 and generates a working client is
//! checked by tools nobody here wrote: `scripts/client-api`, `scripts/fuzz-api`.)

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::Value;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");

#[test]
fn committed_document_matches_the_code() {
    let generated = strongroom_api::openapi::document();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(COMMITTED, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
    );
    let doc: Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}

/// What generators trip over, checked on every operation: a description on
/// every response, path parameters that are in the path (and only those),
/// unique operation ids, problems described by the `Problem` schema.
#[test]
fn every_operation_is_well_formed() {
    let doc: Value = serde_json::from_str(&strongroom_api::openapi::document()).unwrap();
    let mut ids = HashSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_template: HashSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                ids.insert(op["operationId"].as_str().unwrap().to_owned()),
                "{name}: duplicate operationId"
            );
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: HashSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(in_path, in_template, "{name}: path parameters");
            for p in &params {
                let nullable = p["schema"]["type"]
                    .as_array()
                    .is_some_and(|types| types.contains(&Value::from("null")));
                assert!(!nullable, "{name}: parameter `{}` is nullable", p["name"]);
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{name} {status}: no description"
                );
                if let Some(problem) = response["content"].get("application/problem+json") {
                    assert_eq!(
                        problem["schema"]["$ref"], "#/components/schemas/Problem",
                        "{name} {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 25, "only {operations} operations");
    // Every reference resolves.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').unwrap();
        assert!(
            doc.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                refs.push(reference.clone());
            }
            map.values().for_each(|v| collect_refs(v, refs));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}

#[tokio::test]
async fn the_server_serves_the_document_and_the_docs_page() {
    let app = crate::helpers::spawn_app().await;
    let served: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: Value = serde_json::from_str(&strongroom_api::openapi::document()).unwrap();
    assert_eq!(served, generated);
    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger"));
}
