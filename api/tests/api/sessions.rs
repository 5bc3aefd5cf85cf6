//! Session hygiene over HTTP: the absolute lifetime, reuse of a token a few
//! rotations old, and refresh refused once the account is gone or disabled
//! even while its session is still stored.

use std::time::Duration;

use reqwest::StatusCode;
use strongroom_shared::{TokenResponse, UserProfile};

use crate::common::raw_meta::RawMeta;
use crate::helpers::{TestApp, TestUser, json, problem, refresh_token, spawn_app, spawn_app_with};

async fn refreshed(app: &TestApp, tokens: &TokenResponse) -> TokenResponse {
    json(app.refresh_raw(refresh_token(tokens)).await, StatusCode::OK).await
}

/// Neither refreshing nor the access token works any more.
async fn assert_session_ended(app: &TestApp, tokens: &TokenResponse) {
    problem(
        app.refresh_raw(refresh_token(tokens)).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    problem(
        app.get_auth("/api/v1/me", &tokens.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_often_refreshed() {
    let app = spawn_app_with(|config| config.session_max_age_secs = 3).await;
    let user = app.new_user().await;
    let started = std::time::Instant::now();
    // Refreshes inside the lifetime work (the idle lifetime is 30 days)...
    let mut tokens = refreshed(&app, &user.tokens).await;
    tokens = refreshed(&app, &tokens).await;
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &tokens.access_token).await,
        StatusCode::OK,
    )
    .await;
    // ...and none past it: stores keep whole seconds, so 4 s is surely past 3.
    tokio::time::sleep(Duration::from_secs(4).saturating_sub(started.elapsed())).await;
    assert_session_ended(&app, &tokens).await;
    // A new log-in starts a new lifetime.
    let again = app.login(&user.email, crate::helpers::PASSWORD).await;
    refreshed(&app, &again).await;
}

#[tokio::test]
async fn a_token_two_rotations_old_is_recognised_as_reuse() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let first = refreshed(&app, &user.tokens).await;
    let second = refreshed(&app, &first).await;
    let third = refreshed(&app, &second).await;
    problem(
        app.refresh_raw(refresh_token(&first)).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;
    assert_session_ended(&app, &third).await;
}

/// What a crash half-way through an account deletion could leave in the old
/// order: the profile gone, the session still stored.
#[tokio::test]
async fn refresh_fails_once_the_profile_is_gone_even_if_the_session_is_not() {
    let app = spawn_app().await;
    let TestUser { signup, tokens, .. } = app.new_user().await;
    let raw = RawMeta::of(&app.config).await;
    raw.delete_profile_only(signup.user.id).await;
    let session = app
        .token_service()
        .verify_access(&tokens.access_token)
        .unwrap()
        .session_id;
    assert!(raw.session_stored(signup.user.id, session).await);

    // The refresh ends the session it found, so the access token stops too.
    assert_session_ended(&app, &tokens).await;
    assert!(!raw.session_stored(signup.user.id, session).await);
}

/// Disabling through the store alone leaves the sessions (the administrator's
/// command deletes them too): refresh still refuses.
#[tokio::test]
async fn refresh_fails_for_a_disabled_account() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let stores = app.stores().await;
    stores
        .meta
        .set_disabled(user.signup.user.id, true)
        .await
        .unwrap();
    assert_session_ended(&app, &user.tokens).await;
}
