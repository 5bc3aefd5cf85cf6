//! Which methods each path allows, for the `Allow` header of 405 answers and
//! of `OPTIONS` answers. The table is read off the OpenAPI document, which
//! `utoipa-actix-web` fills from the same registrations that make the routes,
//! and requests find their entry through actix's own route matching, so the
//! two cannot disagree. `HEAD` is allowed wherever `GET` is
//! (`middleware::head_as_get`), and `OPTIONS` everywhere.

use std::collections::HashMap;

use actix_web::http::{Method, header};
use actix_web::{HttpRequest, HttpResponse};
use utoipa::openapi::OpenApi;

/// What paths that only serve files (the browser app, the docs page) allow.
pub const READ_ONLY: &str = "GET, HEAD, OPTIONS";

/// Path template (as the document writes it) → the `Allow` header value.
#[derive(Clone, Debug, Default)]
pub struct AllowedMethods {
    by_template: HashMap<String, String>,
}

impl AllowedMethods {
    pub fn from_document(doc: &OpenApi) -> Self {
        let by_template = doc
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods: Vec<Method> = [
                    (Method::GET, &item.get),
                    (Method::HEAD, &item.head),
                    (Method::POST, &item.post),
                    (Method::PUT, &item.put),
                    (Method::PATCH, &item.patch),
                    (Method::DELETE, &item.delete),
                    (Method::OPTIONS, &item.options),
                ]
                .into_iter()
                .filter_map(|(method, operation)| operation.is_some().then_some(method))
                .collect();
                (template.clone(), allow_value(&methods))
            })
            .collect();
        Self { by_template }
    }

    /// Adds a route the document does not describe, by its actix pattern.
    pub fn with(mut self, pattern: &str, methods: &[Method]) -> Self {
        self.by_template
            .insert(template(pattern), allow_value(methods));
        self
    }

    /// The `Allow` value for the route that `req`'s path belongs to, if any.
    pub fn for_request(&self, req: &HttpRequest) -> Option<String> {
        let pattern = req.resource_map().match_pattern(req.path())?;
        self.by_template.get(&template(&pattern)).cloned()
    }
}

/// An `OPTIONS` answer: no body, the methods in `Allow`.
pub fn options(allow: &str) -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::ALLOW, allow.to_owned()))
        .finish()
}

/// `{name:regex}` → `{name}`, as utoipa writes actix patterns in the document.
fn template(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_regex = false;
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '{' if !in_regex => {
                depth += 1;
                out.push(c);
            }
            ':' if depth == 1 && !in_regex => in_regex = true,
            '{' => depth += 1,
            '}' if depth > 1 => depth -= 1,
            '}' => {
                depth = 0;
                in_regex = false;
                out.push(c);
            }
            _ if in_regex => {}
            _ => out.push(c),
        }
    }
    out
}

/// The methods in a fixed order, with `HEAD` beside `GET` and `OPTIONS` last.
fn allow_value(methods: &[Method]) -> String {
    let has_get = methods.contains(&Method::GET);
    [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
    ]
    .into_iter()
    .filter(|m| methods.contains(m) || (*m == Method::HEAD && has_get) || *m == Method::OPTIONS)
    .map(|m| m.to_string())
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_drop_the_regex_of_a_segment() {
        assert_eq!(template("/api/v1/fs/{path:.*}"), "/api/v1/fs/{path}");
        assert_eq!(template("/api/v1/nodes/{id}"), "/api/v1/nodes/{id}");
        assert_eq!(template("/a/{n:[0-9]{2}}/b"), "/a/{n}/b");
        assert_eq!(template("/api/docs/{_:.*}"), "/api/docs/{_}");
    }

    #[test]
    fn allow_lists_head_with_get_and_options_always() {
        assert_eq!(
            allow_value(&[Method::DELETE, Method::GET, Method::PATCH]),
            "GET, HEAD, PATCH, DELETE, OPTIONS"
        );
        assert_eq!(allow_value(&[Method::POST]), "POST, OPTIONS");
        assert_eq!(allow_value(&[Method::GET]), READ_ONLY);
    }
}
