//! The committed OpenAPI document matches the code, and the server serves it.
//! After a deliberate API change: `UPDATE_OPENAPI=1 cargo test --test api openapi`.

use reqwest::StatusCode;

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
    let doc: serde_json::Value = serde_json::from_str(&generated).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Every route of the contract is described, with the bearer scheme.
    for path in [
        "/api/v1/auth/signup",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/recover",
        "/api/v1/me",
        "/api/v1/me/password",
        "/api/v1/folders",
        "/api/v1/folders/{id}/children",
        "/api/v1/folders/{id}/files",
        "/api/v1/folders/{id}/files/{name}",
        "/api/v1/nodes/{id}",
        "/api/v1/files/{id}/content",
        "/api/v1/files/{id}/download-url",
        "/api/v1/download/{token}",
        "/api/v1/search",
        "/api/v1/fs",
        "/api/v1/fs/{path}",
        "/healthz",
        "/readyz",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"].get("Problem").is_some());
}

#[tokio::test]
async fn the_server_serves_the_document_and_the_docs_page() {
    let app = crate::helpers::spawn_app().await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let generated: serde_json::Value =
        serde_json::from_str(&strongroom_api::openapi::document()).unwrap();
    assert_eq!(served, generated);
    let page = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger"));
}
