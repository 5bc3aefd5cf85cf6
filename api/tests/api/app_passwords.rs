//! App passwords through the real server: made by a log-in session, shown
//! once, used as a bearer token on the API, read-only ones refused writes,
//! revoked at once, wrong ones rate limited, and scoped to their owner.

use reqwest::{Response, StatusCode};
use strongroom_shared::{AppPassword, AppPasswordList, CreateAppPasswordRequest, DownloadUrl};
use uuid::Uuid;

use crate::helpers::{TestApp, json, pattern, problem, spawn_app, spawn_app_with};

const PATH: &str = "/api/v1/me/app-passwords";

async fn create_raw(app: &TestApp, token: &str, name: &str, read_only: bool) -> Response {
    app.client
        .post(app.url(PATH))
        .bearer_auth(token)
        .json(&CreateAppPasswordRequest {
            name: name.to_owned(),
            read_only,
        })
        .send()
        .await
        .unwrap()
}

async fn create(app: &TestApp, token: &str, name: &str, read_only: bool) -> AppPassword {
    json(
        create_raw(app, token, name, read_only).await,
        StatusCode::CREATED,
    )
    .await
}

async fn revoke(app: &TestApp, token: &str, id: Uuid) -> Response {
    app.client
        .delete(app.url(&format!("{PATH}/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn listed(app: &TestApp, token: &str) -> Vec<AppPassword> {
    let list: AppPasswordList = json(app.get_auth(PATH, token).await, StatusCode::OK).await;
    list.items
}

#[tokio::test]
async fn an_app_password_is_shown_once_and_works_as_a_bearer_token() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let session = &user.tokens.access_token;
    let root = user.signup.user.id.to_string();

    let created = create(&app, session, "  ci backup ", false).await;
    let password = created.password.clone().expect("shown once");
    assert!(password.starts_with(&format!("sr_app_{}_", created.id.simple())));
    assert_eq!(created.name, "ci backup");
    assert!(!created.read_only);
    assert_eq!(created.last_used_at, None);

    // Upload, list and download with the app password alone.
    let data = pattern(200_000, 3);
    let node = app
        .upload(&password, &root, "report.bin", data.clone())
        .await;
    let listing = app.list(&password, &root).await;
    assert!(listing.items.iter().any(|n| n.id == node.id));
    assert_eq!(app.content(&password, node.id).await, data);
    // And what it uploaded, the session reads: one vault, one key.
    assert_eq!(app.content(session, node.id).await, data);

    // The list never shows the password again, and says it was used.
    let items = listed(&app, session).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, created.id);
    assert_eq!(items[0].name, "ci backup");
    assert_eq!(items[0].password, None);
    assert!(items[0].last_used_at.is_some());
    let body = app.get_auth(PATH, session).await.text().await.unwrap();
    assert!(!body.contains(&password[password.len() - 20..]));
}

#[tokio::test]
async fn a_read_only_app_password_reads_but_never_writes() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let session = &user.tokens.access_token;
    let root = user.signup.user.id.to_string();
    let data = pattern(10_000, 5);
    let node = app.upload(session, &root, "a.txt", data.clone()).await;
    let reader = create(&app, session, "viewer", true).await;
    assert!(reader.read_only);
    let ro = reader.password.as_deref().unwrap();

    // Reads work, the download-url POST included.
    app.list(ro, &root).await;
    assert_eq!(app.content(ro, node.id).await, data);
    let link = app
        .client
        .post(app.url(&format!("/api/v1/files/{}/download-url", node.id)))
        .bearer_auth(ro)
        .send()
        .await
        .unwrap();
    let _: DownloadUrl = json(link, StatusCode::OK).await;

    // Writes are refused, whatever the route.
    let upload = app.put_file(ro, &root, "b.txt", vec![1, 2, 3], false).await;
    problem(upload, StatusCode::FORBIDDEN, "read_only").await;
    let mkdir = app
        .client
        .post(app.url("/api/v1/folders"))
        .bearer_auth(ro)
        .json(&serde_json::json!({ "parent_id": root, "name": "x" }))
        .send()
        .await
        .unwrap();
    problem(mkdir, StatusCode::FORBIDDEN, "read_only").await;
    let delete = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{}", node.id)))
        .bearer_auth(ro)
        .send()
        .await
        .unwrap();
    problem(delete, StatusCode::FORBIDDEN, "read_only").await;
    // Nothing changed.
    let listing = app.list(session, &root).await;
    assert_eq!(listing.items.len(), 1);
    assert_eq!(app.content(session, node.id).await, data);
}

#[tokio::test]
async fn a_revoked_app_password_stops_at_once() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let session = &user.tokens.access_token;
    let root = user.signup.user.id.to_string();
    let created = create(&app, session, "laptop", false).await;
    let password = created.password.as_deref().unwrap();
    app.list(password, &root).await;

    assert_eq!(
        revoke(&app, session, created.id).await.status(),
        StatusCode::NO_CONTENT
    );
    let refused = app
        .get_auth(&format!("/api/v1/folders/{root}/children"), password)
        .await;
    problem(refused, StatusCode::UNAUTHORIZED, "invalid_token").await;
    assert!(listed(&app, session).await.is_empty());
    // Revoked twice: there is none any more.
    problem(
        revoke(&app, session, created.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn another_users_app_password_cannot_be_revoked_or_listed() {
    let app = spawn_app().await;
    let ada = app.new_user().await;
    let bob = app.new_user().await;
    let adas = create(&app, &ada.tokens.access_token, "ada's", false).await;
    problem(
        revoke(&app, &bob.tokens.access_token, adas.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(listed(&app, &bob.tokens.access_token).await.is_empty());
    // Still works for ada, and opens ada's vault only.
    let password = adas.password.as_deref().unwrap();
    app.list(password, &ada.signup.user.id.to_string()).await;
    let bobs_root = app
        .get_auth(
            &format!("/api/v1/folders/{}/children", bob.signup.user.id),
            password,
        )
        .await;
    assert_eq!(bobs_root.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_app_password_cannot_manage_app_passwords() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let created = create(&app, &user.tokens.access_token, "script", false).await;
    let password = created.password.as_deref().unwrap();
    problem(
        create_raw(&app, password, "another", false).await,
        StatusCode::FORBIDDEN,
        "session_required",
    )
    .await;
    problem(
        app.get_auth(PATH, password).await,
        StatusCode::FORBIDDEN,
        "session_required",
    )
    .await;
    problem(
        revoke(&app, password, created.id).await,
        StatusCode::FORBIDDEN,
        "session_required",
    )
    .await;
    assert_eq!(listed(&app, &user.tokens.access_token).await.len(), 1);
}

#[tokio::test]
async fn a_wrong_app_password_is_refused_and_counts_toward_the_log_in_limit() {
    let app = spawn_app_with(|config| config.limits.login_per_minute = 3).await;
    // Signing up logs in once: one of the three.
    let user = app.new_user().await;
    let created = create(&app, &user.tokens.access_token, "ci", false).await;
    let password = created.password.unwrap();
    let root = user.signup.user.id.to_string();
    // The right id with another secret.
    let wrong = format!("sr_app_{}_{}", created.id.simple(), "A".repeat(43));
    let path = format!("/api/v1/folders/{root}/children");
    for attempt in 0..2 {
        let refused = app.get_auth(&path, &wrong).await;
        assert_eq!(
            refused.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }
    problem(
        app.get_auth(&path, &wrong).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    // The same budget as log-in.
    problem(
        app.login_raw(&user.email, crate::helpers::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    // Successes draw nothing from it: the right password still works.
    app.list(&password, &root).await;
}

#[tokio::test]
async fn a_disabled_account_refuses_its_app_passwords() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let created = create(&app, &user.tokens.access_token, "ci", false).await;
    let password = created.password.unwrap();
    let root = user.signup.user.id.to_string();
    let stores = app.stores().await;
    stores
        .meta
        .set_disabled(user.signup.user.id, true)
        .await
        .unwrap();
    problem(
        app.get_auth(&format!("/api/v1/folders/{root}/children"), &password)
            .await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    stores
        .meta
        .set_disabled(user.signup.user.id, false)
        .await
        .unwrap();
    app.list(&password, &root).await;
}

/// A password change keeps app passwords (the key they unwrap is the same);
/// recovery revokes them all (whoever knew the old password may have made
/// some).
#[tokio::test]
async fn a_password_change_keeps_app_passwords_and_recovery_revokes_them() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let root = user.signup.user.id.to_string();
    let created = create(&app, &user.tokens.access_token, "ci", false).await;
    let password = created.password.unwrap();
    let data = pattern(5_000, 9);
    let node = app.upload(&password, &root, "kept.bin", data.clone()).await;

    let new_password = "an entirely different passphrase";
    let changed = app
        .client
        .put(app.url("/api/v1/me/password"))
        .bearer_auth(&user.tokens.access_token)
        .json(&serde_json::json!({
            "current_password": crate::helpers::PASSWORD,
            "new_password": new_password,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.content(&password, node.id).await, data);

    let recovered = app
        .post_json(
            "/api/v1/auth/recover",
            &serde_json::json!({
                "email": user.email,
                "recovery_code": user.signup.recovery_code,
                "new_password": "yet another long passphrase",
            }),
        )
        .await;
    assert_eq!(recovered.status(), StatusCode::OK);
    problem(
        app.get_auth(&format!("/api/v1/files/{}/content", node.id), &password)
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
}
