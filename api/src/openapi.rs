//! The OpenAPI 3.1 document, generated from the handlers and the `shared`
//! types; committed as `openapi/openapi.json` and checked against the code by a
//! test. Served at `/api/v1/openapi.json`, with interactive docs at `/api/docs`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Strongroom",
        description = "A self-hosted, encrypted file vault. Errors are RFC 9457 `application/problem+json` with a stable `code`.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(
        routes::health::healthz,
        routes::health::readyz,
        routes::accounts::signup,
        routes::accounts::login,
        routes::accounts::refresh,
        routes::accounts::logout,
        routes::accounts::recover,
        routes::accounts::me,
        routes::accounts::change_password,
        routes::accounts::delete_me,
        routes::vault::list_children,
        routes::vault::create_folder,
        routes::vault::upload_raw,
        routes::vault::upload_multipart,
        routes::vault::get_node,
        routes::vault::update_node,
        routes::vault::delete_node,
        routes::vault::file_content,
        routes::vault::create_download_url,
        routes::vault::download_by_url,
        routes::vault::search,
        routes::fs::get_root,
        routes::fs::get_path,
        routes::fs::put_path,
        routes::fs::delete_path,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign up, log in, sessions and the caller's account"),
        (name = "folders", description = "Folder listings and creation"),
        (name = "files", description = "Upload and download"),
        (name = "nodes", description = "Rename, move, delete and search files and folders"),
        (name = "paths", description = "The same, addressed by path"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as committed: pretty JSON with a final newline.
pub fn document() -> String {
    let mut text = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
