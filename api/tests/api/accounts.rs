//! Every account endpoint, the happy paths and their guarantees.

use reqwest::StatusCode;
use strongroom_shared::{RecoverResponse, SignupResponse, TokenResponse, UserProfile};

use crate::helpers::*;

#[tokio::test]
async fn signup_creates_an_account_with_a_recovery_code() {
    let app = spawn_app().await;
    let response = app
        .post_json(
            "/api/v1/auth/signup",
            &serde_json::json!({ "email": "  Ada@Example.COM ", "password": PASSWORD, "display_name": " Ada " }),
        )
        .await;
    let created: SignupResponse = json(response, StatusCode::CREATED).await;
    assert_eq!(created.user.email, "ada@example.com");
    assert_eq!(created.user.display_name.as_deref(), Some("Ada"));
    assert_eq!(created.user.used_bytes, 0);
    assert_eq!(created.user.quota_bytes, 10 * 1024 * 1024 * 1024);
    assert_eq!(created.recovery_code.len(), 29);
    assert_eq!(created.recovery_code.split('-').count(), 6);
}

#[tokio::test]
async fn duplicate_signup_is_a_conflict_whatever_the_case() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    problem(
        app.signup_raw(&user.email, PASSWORD).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    let shouted = user.email.to_uppercase();
    problem(
        app.signup_raw(&shouted, "another good password").await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    // The first account is unchanged: its password still works, the other does not.
    app.login(&user.email, PASSWORD).await;
    problem(
        app.login_raw(&user.email, "another good password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn login_gives_tokens_that_open_me() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    assert_eq!(user.tokens.token_type, "Bearer");
    assert_eq!(user.tokens.expires_in, 900);
    let me: UserProfile = json(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me, user.signup.user);
    // Two logins are two sessions with their own tokens, carrying the same UMK.
    let again = app.login(&user.email, PASSWORD).await;
    assert_ne!(refresh_token(&again), refresh_token(&user.tokens));
    assert_eq!(
        app.umk_of(&again.access_token),
        app.umk_of(&user.tokens.access_token)
    );
}

#[tokio::test]
async fn login_never_reveals_whether_an_email_exists() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let wrong_password = problem(
        app.login_raw(&user.email, "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = problem(
        app.login_raw(&unique_email(), PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong_password, unknown);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_ends_the_session() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let first = refresh_token(&user.tokens).to_owned();
    let rotated: TokenResponse = json(app.refresh_raw(&first).await, StatusCode::OK).await;
    assert_ne!(refresh_token(&rotated), first);
    assert_eq!(
        app.umk_of(&rotated.access_token),
        app.umk_of(&user.tokens.access_token)
    );
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &rotated.access_token).await,
        StatusCode::OK,
    )
    .await;
    let next: TokenResponse = json(
        app.refresh_raw(refresh_token(&rotated)).await,
        StatusCode::OK,
    )
    .await;

    // The first token comes back: someone kept a copy. The whole session ends.
    problem(
        app.refresh_raw(&first).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;
    problem(
        app.refresh_raw(refresh_token(&next)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.get_auth("/api/v1/me", &next.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let other = app.login(&user.email, PASSWORD).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&user.tokens.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.refresh_raw(refresh_token(&user.tokens)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    // The user's other session is untouched.
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &other.access_token).await,
        StatusCode::OK,
    )
    .await;
}

async fn change_password(
    app: &TestApp,
    token: &str,
    current: &str,
    new: &str,
) -> reqwest::Response {
    app.client
        .put(app.url("/api/v1/me/password"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "current_password": current, "new_password": new }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn changing_the_password_rewraps_the_key_and_ends_other_sessions() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let umk = app.umk_of(&user.tokens.access_token);
    let elsewhere = app.login(&user.email, PASSWORD).await;
    let new_password = "a brand new passphrase";

    problem(
        change_password(
            &app,
            &user.tokens.access_token,
            "wrong current",
            new_password,
        )
        .await,
        StatusCode::FORBIDDEN,
        "wrong_password",
    )
    .await;
    let weak = problem(
        change_password(&app, &user.tokens.access_token, PASSWORD, "short").await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(weak.errors[0].field, "new_password");
    // Neither refusal changed anything.
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &elsewhere.access_token).await,
        StatusCode::OK,
    )
    .await;
    app.login(&user.email, PASSWORD).await;

    let response = change_password(&app, &user.tokens.access_token, PASSWORD, new_password).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);

    problem(
        app.login_raw(&user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let fresh = app.login(&user.email, new_password).await;
    assert_eq!(
        app.umk_of(&fresh.access_token),
        umk,
        "same UMK: no file needs re-encrypting"
    );
    // This session goes on; the others have ended.
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::OK,
    )
    .await;
    problem(
        app.get_auth("/api/v1/me", &elsewhere.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.refresh_raw(refresh_token(&elsewhere)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

async fn delete_account(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.client
        .delete(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn deleting_the_account_removes_it_and_its_sessions() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let bystander = app.new_user().await;
    problem(
        delete_account(&app, &user.tokens.access_token, "not my password").await,
        StatusCode::FORBIDDEN,
        "wrong_password",
    )
    .await;
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::OK,
    )
    .await;

    let response = delete_account(&app, &user.tokens.access_token, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    problem(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.refresh_raw(refresh_token(&user.tokens)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.login_raw(&user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    // The email is free again, and nobody else was touched.
    json::<SignupResponse>(
        app.signup_raw(&user.email, PASSWORD).await,
        StatusCode::CREATED,
    )
    .await;
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &bystander.tokens.access_token)
            .await,
        StatusCode::OK,
    )
    .await;
}

async fn recover(app: &TestApp, email: &str, code: &str, new_password: &str) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/recover",
        &serde_json::json!({ "email": email, "recovery_code": code, "new_password": new_password }),
    )
    .await
}

#[tokio::test]
async fn the_recovery_code_sets_a_new_password_and_keeps_the_key() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let umk = app.umk_of(&user.tokens.access_token);
    let code = user.signup.recovery_code.clone();
    let new_password = "remembered at last";

    let wrong = problem(
        recover(
            &app,
            &user.email,
            "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF",
            new_password,
        )
        .await,
        StatusCode::UNAUTHORIZED,
        "invalid_recovery",
    )
    .await;
    let unknown = problem(
        recover(&app, &unique_email(), &code, new_password).await,
        StatusCode::UNAUTHORIZED,
        "invalid_recovery",
    )
    .await;
    assert_eq!(wrong, unknown);
    app.login(&user.email, PASSWORD).await;

    // Typed sloppily: lower case, spaces for dashes.
    let sloppy = code.to_lowercase().replace('-', " ");
    let answer: RecoverResponse = json(
        recover(&app, &user.email, &sloppy, new_password).await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(answer.recovery_code, code);

    problem(
        app.login_raw(&user.email, PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let tokens = app.login(&user.email, new_password).await;
    assert_eq!(
        app.umk_of(&tokens.access_token),
        umk,
        "every file stays readable"
    );
    problem(
        app.get_auth("/api/v1/me", &user.tokens.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    // The old code is spent; the new one works.
    problem(
        recover(&app, &user.email, &code, "yet another password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_recovery",
    )
    .await;
    json::<RecoverResponse>(
        recover(
            &app,
            &user.email,
            &answer.recovery_code,
            "yet another password",
        )
        .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
}
