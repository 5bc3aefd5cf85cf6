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
    ];
    for (body, code) in cases {
        let response = app
            .post_raw("/api/v1/auth/signup", "application/json", body.clone())
            .await;
        let problem = problem(response, StatusCode::BAD_REQUEST, code).await;
        assert!(problem.detail.is_some(), "{body}");
    }
    assert_no_account(&app, &email).await;
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

#[tokio::test]
async fn other_methods_on_known_paths_are_405() {
    let app = spawn_app().await;
    for (method, path) in [
        ("TRACE", "/healthz"),
        ("DELETE", "/api/v1/auth/signup"),
        ("POST", "/api/v1/search"),
    ] {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(path),
            )
            .send()
            .await
            .unwrap();
        problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
}
