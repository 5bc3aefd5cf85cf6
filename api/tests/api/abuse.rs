//! Ready for the open internet: per-address rate limits, per-account
//! lock-out, the bounded queue of key work, and the sign-up policies.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use strongroom_api::auth::TokenSecret;
use strongroom_api::config::{Config, SignupPolicy};
use strongroom_api::state::AppState;
use strongroom_shared::{SignupInfo, SignupRequest};

use crate::helpers::*;

const WRONG: &str = "not the password at all";

/// Trust the test client (127.0.0.1) as a proxy, so `X-Forwarded-For` names
/// the client address a request claims.
fn behind_proxy(config: &mut Config) {
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

async fn login_from(app: &TestApp, email: &str, password: &str, from: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn one_address_gets_429_with_retry_after_and_others_do_not() {
    let app = spawn_app_with(|config| {
        behind_proxy(config);
        config.limits.login_per_minute = 3;
    })
    .await;
    let user = app.new_user().await;
    for _ in 0..3 {
        let response = login_from(&app, &user.email, WRONG, "198.51.100.1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = login_from(&app, &user.email, PASSWORD, "198.51.100.1").await;
    assert!(retry_after(&refused) >= 1);
    problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Recovery draws on the same budget: guessing codes is no way around it.
    let recover = app
        .client
        .post(app.url("/api/v1/auth/recover"))
        .header("x-forwarded-for", "198.51.100.1")
        .json(&serde_json::json!({
            "email": user.email,
            "recovery_code": "AAAA-BBBB-CCCC-DDDD",
            "new_password": "another long passphrase"
        }))
        .send()
        .await
        .unwrap();
    problem(recover, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another address has its own budget; the right password works there.
    let other = login_from(&app, &user.email, PASSWORD, "198.51.100.2").await;
    assert_eq!(other.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_recovery_codes_lock_the_account_like_wrong_passwords() {
    let app = spawn_app_with(|config| {
        config.limits.free_failures = 2;
        config.limits.lockout_secs = 30;
    })
    .await;
    let user = app.new_user().await;
    let recover = |code: String| {
        app.client
            .post(app.url("/api/v1/auth/recover"))
            .json(&serde_json::json!({
                "email": user.email,
                "recovery_code": code,
                "new_password": "another long passphrase"
            }))
            .send()
    };
    for _ in 0..3 {
        let wrong = recover("AAAA-BBBB-CCCC-DDDD".to_owned()).await.unwrap();
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    }
    // Locked: the real code is not even tried, and stays good for later.
    let real = user.signup.recovery_code.clone();
    problem(
        recover(real).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    let app = spawn_app_with(|config| config.limits.login_per_minute = 3).await;
    // Signing up logs in once: one of the three from 127.0.0.1.
    let user = app.new_user().await;
    // Each request claims another address; none of them counts.
    for n in 0..2 {
        let from = format!("203.0.113.{n}");
        let response = login_from(&app, &user.email, WRONG, &from).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = login_from(&app, &user.email, WRONG, "203.0.113.99").await;
    problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn an_account_locks_after_its_free_failures_from_any_number_of_addresses() {
    let app = spawn_app_with(|config| {
        behind_proxy(config);
        config.limits.free_failures = 3;
        // Stores keep whole seconds: a lock of 3 s lasts at least 2.
        config.limits.lockout_secs = 3;
        config.limits.lockout_max_secs = 6;
    })
    .await;
    let user = app.new_user().await;
    let bystander = app.new_user().await;
    // Four wrong passwords, each from another address: the fourth locks.
    for n in 0..4 {
        let from = format!("192.0.2.{n}");
        let response = login_from(&app, &user.email, WRONG, &from).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    // Locked: even the right password, from a fresh address, is refused
    // without being checked.
    let locked = login_from(&app, &user.email, PASSWORD, "192.0.2.200").await;
    let wait = retry_after(&locked);
    assert!((1..=3).contains(&wait), "Retry-After {wait}");
    problem(locked, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Other accounts are not affected.
    let other = login_from(&app, &bystander.email, PASSWORD, "192.0.2.1").await;
    assert_eq!(other.status(), StatusCode::OK);
    // After the lock, the right password works and the count starts again.
    tokio::time::sleep(Duration::from_secs(wait + 1)).await;
    let ok = login_from(&app, &user.email, PASSWORD, "192.0.2.201").await;
    assert_eq!(ok.status(), StatusCode::OK);
    for n in 0..3 {
        let response = login_from(&app, &user.email, WRONG, "192.0.2.202").await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "after reset {n}"
        );
    }
}

#[tokio::test]
async fn guesses_sent_at_once_get_no_more_through_than_one_at_a_time() {
    let app = spawn_app_with(|config| {
        config.limits.free_failures = 2;
        config.limits.lockout_secs = 30;
    })
    .await;
    let user = app.new_user().await;
    for _ in 0..2 {
        let response = app.login_raw(&user.email, WRONG).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // The third guess locks the account; of eight sent together, only one
    // is checked, however long each check takes.
    let burst = (0..8).map(|_| app.login_raw(&user.email, WRONG));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(burst)
        .await
        .iter()
        .map(reqwest::Response::status)
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(checked, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn unknown_emails_lock_like_known_ones() {
    // Otherwise a 429 would tell a stranger which addresses have accounts.
    let app = spawn_app_with(|config| {
        config.limits.free_failures = 1;
        config.limits.lockout_secs = 30;
    })
    .await;
    for email in [unique_email(), app.new_user().await.email] {
        for expected in [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED] {
            assert_eq!(app.login_raw(&email, WRONG).await.status(), expected);
        }
        problem(
            app.login_raw(&email, WRONG).await,
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
        )
        .await;
    }
}

#[tokio::test]
async fn wrong_current_passwords_count_towards_the_lock_too() {
    let app = spawn_app_with(|config| {
        config.limits.free_failures = 1;
        config.limits.lockout_secs = 30;
    })
    .await;
    let user = app.new_user().await;
    let change = |current: &'static str| {
        app.client
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(&user.tokens.access_token)
            .json(&serde_json::json!({
                "current_password": current,
                "new_password": "a brand new passphrase"
            }))
            .send()
    };
    for _ in 0..2 {
        problem(
            change(WRONG).await.unwrap(),
            StatusCode::FORBIDDEN,
            "wrong_password",
        )
        .await;
    }
    problem(
        change(PASSWORD).await.unwrap(),
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    problem(
        app.login_raw(&user.email, PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
}

#[tokio::test]
async fn sign_up_floods_are_limited_per_address() {
    let app = spawn_app_with(|config| config.limits.signup_per_hour = 2).await;
    for _ in 0..2 {
        let response = app.signup_raw(&unique_email(), PASSWORD).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let refused = app.signup_raw(&unique_email(), PASSWORD).await;
    assert!(
        retry_after(&refused) > 60,
        "an hourly budget refills slowly"
    );
    problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn a_full_key_work_queue_answers_503_busy() {
    let app = spawn_app_with(|config| config.limits.key_work_queue = 0).await;
    // Twelve log-ins at once, each at another (unknown) account so that no
    // lock-out is involved: each is one Argon2 like any other log-in.
    let emails: Vec<String> = (0..12).map(|_| unique_email()).collect();
    let attempts = emails.iter().map(|email| app.login_raw(email, WRONG));
    let answers = futures_util::future::join_all(attempts).await;
    let mut busy = 0;
    for response in answers {
        match response.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                busy += 1;
                assert_eq!(retry_after(&response), 1);
                problem(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        busy > 0,
        "12 log-ins at once on a queue of 0 turn some away"
    );
    assert!(busy < 12, "the ones that found a core were checked");
}

/// An invite made the administrator's way, through the server's own stores.
async fn invite(app: &TestApp, valid_for: time::Duration) -> String {
    let secret = TokenSecret::load_or_create(&app.config.token_secret_path()).unwrap();
    let stores = strongroom_api::store::open(&app.config, &secret.profile_keys())
        .await
        .unwrap();
    let state = AppState::new(app.config.clone(), stores, &secret);
    state.accounts.create_invite(valid_for).await.unwrap().code
}

async fn signup_with(app: &TestApp, email: &str, code: Option<&str>) -> reqwest::Response {
    app.post_json(
        "/api/v1/auth/signup",
        &SignupRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            display_name: None,
            invite_code: code.map(str::to_owned),
        },
    )
    .await
}

async fn policy(app: &TestApp) -> SignupInfo {
    json(
        app.client
            .get(app.url("/api/v1/auth/signup"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn invite_only_sign_up() {
    let app = spawn_app_with(|config| config.signup = SignupPolicy::Invite).await;
    assert_eq!(policy(&app).await.policy, SignupPolicy::Invite);
    let email = unique_email();
    let missing = problem(
        signup_with(&app, &email, None).await,
        StatusCode::BAD_REQUEST,
        "validation_failed",
    )
    .await;
    assert_eq!(missing.errors[0].field, "invite_code");
    assert_eq!(missing.errors[0].code, "invite_required");
    problem(
        signup_with(&app, &email, Some("ABCD-EFGH")).await,
        StatusCode::FORBIDDEN,
        "invite_invalid",
    )
    .await;
    let code = invite(&app, time::Duration::days(1)).await;
    // Case and dashes do not matter, as with recovery codes.
    let sloppy = code.to_lowercase().replace('-', " ");
    let created = signup_with(&app, &email, Some(&sloppy)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    // Single use.
    problem(
        signup_with(&app, &unique_email(), Some(&code)).await,
        StatusCode::FORBIDDEN,
        "invite_invalid",
    )
    .await;
    // Without a valid invite, a taken email is not revealed.
    problem(
        signup_with(&app, &email, Some("WRONG-CODE")).await,
        StatusCode::FORBIDDEN,
        "invite_invalid",
    )
    .await;
    // An expired invite is refused alike, and a failed sign-up keeps a good one.
    let expired = invite(&app, time::Duration::seconds(-1)).await;
    problem(
        signup_with(&app, &unique_email(), Some(&expired)).await,
        StatusCode::FORBIDDEN,
        "invite_invalid",
    )
    .await;
    let kept = invite(&app, time::Duration::days(1)).await;
    problem(
        signup_with(&app, &email, Some(&kept)).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
    let created = signup_with(&app, &unique_email(), Some(&kept)).await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn closed_and_open_sign_up() {
    let closed = spawn_app_with(|config| config.signup = SignupPolicy::Closed).await;
    assert_eq!(policy(&closed).await.policy, SignupPolicy::Closed);
    problem(
        signup_with(&closed, &unique_email(), None).await,
        StatusCode::FORBIDDEN,
        "signup_closed",
    )
    .await;
    let open = spawn_app().await;
    assert_eq!(policy(&open).await.policy, SignupPolicy::Open);
    // An invite code is ignored when sign-up is open.
    let created = signup_with(&open, &unique_email(), Some("ANY")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn refresh_is_limited_per_address() {
    let app = spawn_app_with(|config| config.limits.refresh_per_minute = 2).await;
    let user = app.new_user().await;
    let mut token = refresh_token(&user.tokens).to_owned();
    let started = Instant::now();
    for _ in 0..2 {
        let tokens: strongroom_shared::TokenResponse =
            json(app.refresh_raw(&token).await, StatusCode::OK).await;
        token = refresh_token(&tokens).to_owned();
    }
    problem(
        app.refresh_raw(&token).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(30));
}
