//! The OpenAPI 3.1 document, generated from the handlers and the `shared`
//! types as `routes::configure` registers them; committed as
//! `openapi/openapi.json` and checked against the code by a test. Served at
//! `/api/v1/openapi.json`, with interactive docs at `/api/docs/`.

use actix_web::App;
use actix_web::cookie::Key;
use strongroom_shared::schema;
use utoipa::openapi::link::Link;
use utoipa::openapi::schema::{SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_actix_web::AppExt;

use crate::config::Config;
use crate::routes;
use crate::routes::session_cookie as cookie;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Strongroom",
        description = "A self-hosted, encrypted file vault. Errors are RFC 9457 `application/problem+json` with a stable `code`. `HEAD` works wherever `GET` does, and `OPTIONS` answers every path with its `Allow` header.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign up, log in, sessions and the caller's account"),
        (name = "app-passwords", description = "App passwords for scripts and file managers: make, list and revoke them"),
        (name = "folders", description = "Folder listings and creation"),
        (name = "files", description = "Upload and download"),
        (name = "nodes", description = "Rename, move, delete and search files and folders"),
        (name = "trash", description = "Deleted files and folders: list, restore, purge"),
        (name = "versions", description = "Earlier contents of files: list, download, restore, delete"),
        (name = "paths", description = "The same, addressed by path"),
        (name = "shares", description = "Share links: make, list and revoke them"),
        (name = "public", description = "What a share link opens, for anyone who holds it (no account)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

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

/// The document: every route `routes::configure` registers, as it registers
/// them. (The session key here only satisfies the type: this app never runs.)
pub fn api_doc() -> utoipa::openapi::OpenApi {
    let session = cookie::middleware(Key::from(&[0u8; 64]), &Config::default());
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(|cfg| routes::configure(cfg, session))
        .split_for_parts();
    // Response sets (`IntoResponses`) and parameters name these schemas
    // without registering them.
    let components = doc.components.get_or_insert_with(Default::default);
    let mut named = Vec::new();
    schema::<strongroom_shared::Problem>(&mut named);
    schema::<schema::FileName>(&mut named);
    schema::<schema::FilePath>(&mut named);
    schema::<schema::NodePath>(&mut named);
    for (name, schema) in named {
        components.schemas.entry(name).or_insert(schema);
    }
    optional_bodies_without_null(&mut doc);
    link_created_nodes(&mut doc);
    doc
}

/// Where the node a response returns can be taken next, as OpenAPI links
/// (`$response.body#/id` into each operation's `id`): clients and tools such
/// as schemathesis's stateful phase follow them.
const NODE_LINKS: &[(&str, &[&str])] = &[
    (
        "create_folder",
        &["get_node", "list_children", "update_node", "delete_node"],
    ),
    (
        "upload_raw",
        &[
            "get_node",
            "file_content",
            "create_download_url",
            "update_node",
            "delete_node",
        ],
    ),
    (
        "put_path",
        &[
            "get_node",
            "file_content",
            "create_download_url",
            "update_node",
            "delete_node",
        ],
    ),
];

fn link_created_nodes(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put].into_iter().flatten() {
            let Some((_, targets)) = NODE_LINKS
                .iter()
                .find(|(from, _)| operation.operation_id.as_deref() == Some(*from))
            else {
                continue;
            };
            for (status, response) in operation.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                if !status.starts_with('2') {
                    continue;
                }
                for target in *targets {
                    let link = Link::builder()
                        .operation_id(*target)
                        .parameter("id", "$response.body#/id")
                        .build();
                    response.links.insert((*target).to_owned(), RefOr::T(link));
                }
            }
        }
    }
}

/// A raw upload's body is optional (none is an empty file), which utoipa
/// writes as `oneOf: [bytes, null]`. Bytes are never `null`: what makes the
/// body optional is `required: false`, which an absent `required` says.
fn optional_bodies_without_null(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let Some(RefOr::T(body)) = operation.request_body.as_mut() else {
                continue;
            };
            for content in body.content.values_mut() {
                let RefOr::T(content) = content else { continue };
                if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
                    let mut not_null = one_of.items.iter().filter(|item| !is_null(item));
                    if let (Some(only), None) = (not_null.next(), not_null.next()) {
                        content.schema = Some(only.clone());
                    }
                }
            }
        }
    }
}

/// A schema under its name, with those it refers to.
fn schema<T: ToSchema>(named: &mut Vec<(String, RefOr<Schema>)>) {
    named.push((T::name().into_owned(), T::schema()));
    T::schemas(named);
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(object))
        if object.schema_type == SchemaType::Type(Type::Null))
}

/// The document as committed: pretty JSON with a final newline.
pub fn document() -> String {
    let mut text = api_doc().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}
