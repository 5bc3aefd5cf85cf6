//! Bad input on purpose: each gets a clear 4xx problem and changes nothing.

use data_encoding::BASE64URL_NOPAD;
use reqwest::StatusCode;
use strongroom_shared::SignupResponse;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::helpers::*;

/// The email is still free: the refused request created nothing.
async fn assert_no_account(app: &TestApp, email: &str) {
    problem(
        app.login_raw(email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn malformed_and_misshapen_bodies() {
    let app = spawn_app().await;
    let email = unique_email();
    let cases: Vec<(String, &str)> = vec![
        ("{\"email\": ".to_owned(), "malformed_json"),
        ("not json at all".to_owned(), "malformed_json"),
        (format!("{{\"email\": \"{email}\"}}"), "invalid_body"),
        (format!("{{\"password\": \"{PASSWORD}\"}}"), "invalid_body"),
        (
            format!("{{\"email\": \"{email}\", \"password\": \"{PASSWORD}\", \"admin\": true}}"),
            "invalid_body",
        ),
        (
            format!("{{\"email\": \"{email}\", \"password\": 12345678901}}"),
            "invalid_body",
        ),
        (
            format!("{{\"email\": [\"{email}\"], \"password\": \"{PASSWORD}\"}}"),
            "invalid_body",
        ),
        ("[]".to_owned(), "invalid_body"),
        ("null".to_owned(), "invalid_body"),
        // A struct's fields as an array: serde would take it, the API does not.
        (
            format!("[\"{email}\", \"{PASSWORD}\", null]"),
            "invalid_body",
        ),
    ];
    for (body, code) in cases {
        let response = app
            .post_raw("/api/v1/auth/signup", "application/json", body.clone())
            .await;
        let problem = problem(response, StatusCode::BAD_REQUEST, code).await;
        assert!(problem.detail.is_some(), "{body}");
    }
    assert_no_account(&app, &email).await;

    // Every JSON body is an object: a rename given as an array changes nothing.
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let folder = app.mkdir(token, "root", "Kept").await;
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/nodes/{}", folder.id)))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body("[null, null]")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "invalid_body").await;
    assert_eq!(
        app.list(token, "root").await.items[0].modified_at,
        folder.modified_at
    );
}

#[tokio::test]
async fn wrong_content_type_and_oversized_bodies() {
    let app = spawn_app().await;
    let email = unique_email();
    let body = serde_json::json!({ "email": email, "password": PASSWORD }).to_string();
    problem(
        app.post_raw("/api/v1/auth/signup", "text/plain", body)
            .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let huge = serde_json::json!({ "email": email, "password": "x".repeat(100_000) }).to_string();
    problem(
        app.post_raw("/api/v1/auth/signup", "application/json", huge)
            .await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
    assert_no_account(&app, &email).await;
}

#[tokio::test]
async fn invalid_fields_are_named() {
    let app = spawn_app().await;
    let long_password = "ab".repeat(5_000);
    let cases = [
        ("not-an-email", PASSWORD, "email", "email_invalid"),
        ("ada@localhost", PASSWORD, "email", "email_invalid"),
        ("", PASSWORD, "email", "email_required"),
        (
            "weak@example.com",
            "short",
            "password",
            "password_too_short",
        ),
        (
            "weak@example.com",
            "password123",
            "password",
            "password_too_common",
        ),
        (
            "weak@example.com",
            long_password.as_str(),
            "password",
            "password_too_long",
        ),
    ];
    for (email, password, field, code) in cases {
        let response = app.signup_raw(email, password).await;
        let problem = problem(response, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(problem.errors.len(), 1, "{problem:?}");
        assert_eq!(
            (
                problem.errors[0].field.as_str(),
                problem.errors[0].code.as_str()
            ),
            (field, code)
        );
    }
    // Every broken field is reported at once.
    let both = problem(
        app.signup_raw("nope", "short").await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(both.errors.len(), 2);
    assert_no_account(&app, "weak@example.com").await;
    // The refused address is still free for a good request.
    json::<SignupResponse>(
        app.signup_raw("weak@example.com", PASSWORD).await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn requests_without_a_valid_bearer_token() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    problem(response, StatusCode::UNAUTHORIZED, "missing_token").await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::UNAUTHORIZED, "missing_token").await;
    for garbage in ["x", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"] {
        problem(
            app.get_auth("/api/v1/me", garbage).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
}

#[tokio::test]
async fn forged_and_expired_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3);
    let mut claims: serde_json::Value =
        serde_json::from_slice(&BASE64URL_NOPAD.decode(parts[1].as_bytes()).unwrap()).unwrap();

    // alg: none with the genuine claims and no signature.
    let none_header = BASE64URL_NOPAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    for forged in [
        format!("{none_header}.{}.", parts[1]),
        format!("{none_header}.{}", parts[1]),
    ] {
        problem(
            app.get_auth("/api/v1/me", &forged).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }

    // A tampered claim under the original signature.
    claims["exp"] = serde_json::json!(claims["exp"].as_u64().unwrap() + 3600);
    let tampered = BASE64URL_NOPAD.encode(claims.to_string().as_bytes());
    let forged = format!("{}.{tampered}.{}", parts[0], parts[2]);
    problem(
        app.get_auth("/api/v1/me", &forged).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // Signed with another key.
    let other = strongroom_api::auth::TokenService::new(
        &strongroom_api::auth::TokenSecret::from_bytes([7; 32]),
        900,
    );
    let umk = strongroom_api::crypto::keys::Umk::random();
    let foreign = other
        .issue_access(
            user.signup.user.id,
            Uuid::new_v4(),
            &umk,
            OffsetDateTime::now_utc(),
        )
        .unwrap();
    problem(
        app.get_auth("/api/v1/me", &foreign).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;

    // Expired: genuinely signed by this server, an hour ago.
    let grant = app
        .token_service()
        .verify_access(token)
        .map_err(|e| e.to_string())
        .unwrap();
    let expired = app
        .token_service()
        .issue_access(
            grant.user_id,
            grant.session_id,
            &grant.umk,
            OffsetDateTime::now_utc() - time::Duration::hours(1),
        )
        .unwrap();
    problem(
        app.get_auth("/api/v1/me", &expired).await,
        StatusCode::UNAUTHORIZED,
        "token_expired",
    )
    .await;

    // The genuine token still works: nothing above changed anything.
    assert_eq!(
        app.get_auth("/api/v1/me", token).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn refresh_tokens_used_twice_or_after_logout() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for garbage in [
        "",
        "nonsense",
        "a.b",
        &format!("{}.AAAA", Uuid::new_v4().simple()),
    ] {
        let response = app.refresh_raw(garbage).await;
        let status = response.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{garbage:?}");
    }
    let used = refresh_token(&user.tokens).to_owned();
    assert_eq!(app.refresh_raw(&used).await.status(), StatusCode::OK);
    problem(
        app.refresh_raw(&used).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;

    let second = app.login(&user.email, PASSWORD).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&second.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.refresh_raw(refresh_token(&second)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn unknown_routes_are_problems_too() {
    let app = spawn_app().await;
    for path in ["/api/v1/nope", "/nothing-here", "/api/v2/me"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        app.url(path),
    );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

fn allow(response: &reqwest::Response) -> &str {
    response.headers()["allow"].to_str().unwrap()
}

#[tokio::test]
async fn other_methods_on_known_paths_are_405_with_allow() {
    let app = spawn_app().await;
    let id = Uuid::new_v4();
    for (method, path, allowed) in [
        ("TRACE", "/healthz".to_owned(), "GET, HEAD, OPTIONS"),
        (
            "DELETE",
            "/api/v1/auth/signup".to_owned(),
            "GET, HEAD, POST, OPTIONS",
        ),
        ("PUT", "/api/v1/auth/login".to_owned(), "POST, OPTIONS"),
        ("POST", "/api/v1/search".to_owned(), "GET, HEAD, OPTIONS"),
        (
            "PUT",
            format!("/api/v1/nodes/{id}"),
            "GET, HEAD, PATCH, DELETE, OPTIONS",
        ),
        (
            "POST",
            "/api/v1/fs/a/b/c.txt".to_owned(),
            "GET, HEAD, PUT, DELETE, OPTIONS",
        ),
        (
            "PATCH",
            "/api/v1/me".to_owned(),
            "GET, HEAD, DELETE, OPTIONS",
        ),
        (
            "DELETE",
            "/api/v1/openapi.json".to_owned(),
            "GET, HEAD, OPTIONS",
        ),
    ] {
        let response = send(&app, method, &path, None).await;
        assert_eq!(allow(&response), allowed, "{method} {path}");
        problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
        // OPTIONS answers the same list, with no body.
        let response = send(&app, "OPTIONS", &path, None).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "OPTIONS {path}");
        assert_eq!(allow(&response), allowed, "OPTIONS {path}");
    }
    // A path nobody serves is 404 whatever the method.
    for method in ["OPTIONS", "DELETE"] {
        problem(
            send(&app, method, "/api/v1/nope", None).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let body = pattern(100_000, 7);
    let file = app.upload(token, "root", "head.bin", body.clone()).await;

    let response = send(&app, "HEAD", "/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.bytes().await.unwrap().is_empty());

    let path = format!("/api/v1/files/{}/content", file.id);
    let get = send(&app, "GET", &path, Some(token)).await;
    let head = send(&app, "HEAD", &path, Some(token)).await;
    assert_eq!(head.status(), StatusCode::OK);
    for name in [
        "content-length",
        "etag",
        "content-type",
        "content-disposition",
    ] {
        assert_eq!(head.headers()[name], get.headers()[name], "{name}");
    }
    assert_eq!(
        head.headers()["content-length"],
        body.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());
    assert_eq!(get.bytes().await.unwrap(), body);

    // Ranges and problems as GET has them.
    let ranged = app
        .client
        .head(app.url(&path))
        .bearer_auth(token)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(ranged.headers()["content-range"], "bytes 10-19/100000");
    assert_eq!(ranged.headers()["content-length"], "10");
    let missing = send(&app, "HEAD", "/api/v1/fs/no/such/file", Some(token)).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.bytes().await.unwrap().is_empty());
    let listing = send(&app, "HEAD", "/api/v1/fs", Some(token)).await;
    assert_eq!(listing.status(), StatusCode::OK);
    assert_eq!(
        send(&app, "HEAD", "/api/v1/me", None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
