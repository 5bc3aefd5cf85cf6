//! Share links through the real server, with no auth header on the public
//! side: byte-exact round trips, passwords, expiry, the download limit under
//! a race, revoke, and a share ending with its file or its owner.

use reqwest::{Response, StatusCode};
use strongroom_api::crypto::keys::{Key32, ShareKey, ShareSecret};
use strongroom_shared::{CreateShareRequest, Node, PublicShare, Share, ShareList};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, json, pattern, problem, spawn_app};

async fn share(app: &TestApp, token: &str, node: Uuid, req: &CreateShareRequest) -> Response {
    app.client
        .post(app.url(&format!("/api/v1/nodes/{node}/shares")))
        .bearer_auth(token)
        .json(req)
        .send()
        .await
        .unwrap()
}

async fn shared(app: &TestApp, token: &str, node: Uuid, req: &CreateShareRequest) -> Share {
    json(share(app, token, node, req).await, StatusCode::CREATED).await
}

/// A public request: no bearer token, the password header when given.
async fn public(
    app: &TestApp,
    path: &str,
    password: Option<&str>,
    range: Option<&str>,
) -> Response {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/public/shares/{path}")));
    if let Some(password) = password {
        request = request.header("X-Share-Password", password);
    }
    if let Some(range) = range {
        request = request.header("range", range);
    }
    request.send().await.unwrap()
}

async fn content(app: &TestApp, link: &Share, password: Option<&str>) -> Response {
    let token = link.token.as_deref().unwrap();
    public(app, &format!("{token}/content"), password, None).await
}

async fn gone(response: Response) {
    problem(response, StatusCode::NOT_FOUND, "share_not_found").await;
}

#[tokio::test]
async fn a_shared_file_downloads_byte_exact_without_an_account() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let data = pattern(300_000, 7);
    let file = app
        .upload(token, "root", "Überblick 2026.pdf", data.clone())
        .await;
    let link = shared(&app, token, file.id, &CreateShareRequest::default()).await;
    let secret = link.token.clone().unwrap();
    assert_eq!(link.url.as_deref(), Some(format!("/s/{secret}").as_str()));
    assert_eq!(
        (link.name.as_str(), link.node_id, link.downloads),
        ("Überblick 2026.pdf", file.id, 0)
    );
    assert!(!link.has_password);

    let about: PublicShare = json(public(&app, &secret, None, None).await, StatusCode::OK).await;
    assert_eq!(
        (about.name.as_str(), about.size),
        ("Überblick 2026.pdf", 300_000)
    );
    assert!(!about.needs_password && about.downloads_left.is_none());
    let response = content(&app, &link, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains("%C3%9Cberblick"),
        "{disposition}"
    );
    assert_eq!(response.bytes().await.unwrap()[..], data[..]);
    let response = public(
        &app,
        &format!("{secret}/content"),
        None,
        Some("bytes=70000-200000"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap()[..], data[70_000..=200_000]);

    // The owner sees it, without its token, counted once (the range went on
    // from the middle, so it did not count).
    let list: ShareList = json(app.get_auth("/api/v1/shares", token).await, StatusCode::OK).await;
    assert_eq!(list.items.len(), 1);
    assert_eq!((list.items[0].id, list.items[0].downloads), (link.id, 1));
    assert!(list.items[0].token.is_none() && list.items[0].url.is_none());

    // A wrong secret, a made-up id and garbage answer alike.
    let (id, _) = ShareSecret::parse(&secret).unwrap();
    gone(public(&app, &ShareSecret::generate().token(id), None, None).await).await;
    gone(
        public(
            &app,
            &ShareSecret::generate().token(Uuid::new_v4()),
            None,
            None,
        )
        .await,
    )
    .await;
    gone(public(&app, "not-a-token", None, None).await).await;
}

#[tokio::test]
async fn a_password_is_asked_checked_and_then_enough() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let file = app
        .upload(token, "root", "secret.txt", b"behind a password".to_vec())
        .await;
    let req = CreateShareRequest {
        password: Some("caf\u{e9} au lait".to_owned()),
        ..CreateShareRequest::default()
    };
    let link = shared(&app, token, file.id, &req).await;
    assert!(link.has_password);
    let secret = link.token.clone().unwrap();
    problem(
        public(&app, &secret, None, None).await,
        StatusCode::UNAUTHORIZED,
        "share_password_required",
    )
    .await;
    problem(
        content(&app, &link, None).await,
        StatusCode::UNAUTHORIZED,
        "share_password_required",
    )
    .await;
    problem(
        public(&app, &secret, Some("cafe au lait"), None).await,
        StatusCode::UNAUTHORIZED,
        "share_password_wrong",
    )
    .await;
    problem(
        content(&app, &link, Some("nope")).await,
        StatusCode::UNAUTHORIZED,
        "share_password_wrong",
    )
    .await;
    // Right, in either spelling of the accent.
    let about: PublicShare = json(
        public(&app, &secret, Some("cafe\u{301} au lait"), None).await,
        StatusCode::OK,
    )
    .await;
    assert!(about.needs_password);
    let response = content(&app, &link, Some("caf\u{e9} au lait")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.bytes().await.unwrap()[..],
        b"behind a password"[..]
    );
}

#[tokio::test]
async fn password_guesses_at_one_share_are_rate_limited() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let file = app.upload(token, "root", "s.txt", b"x".to_vec()).await;
    let req = CreateShareRequest {
        password: Some("right".to_owned()),
        ..CreateShareRequest::default()
    };
    let link = shared(&app, token, file.id, &req).await;
    let secret = link.token.unwrap();
    let per_minute = app.config.limits.share_password_per_minute;
    for _ in 0..per_minute {
        let response = public(&app, &secret, Some("guess"), None).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = public(&app, &secret, Some("right"), None).await;
    assert!(refused.headers().contains_key("retry-after"));
    problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}

#[tokio::test]
async fn a_limit_of_three_holds_under_eight_parallel_downloads() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let data = pattern(200_000, 3);
    let file = app.upload(token, "root", "popular.bin", data.clone()).await;
    let req = CreateShareRequest {
        max_downloads: Some(3),
        ..CreateShareRequest::default()
    };
    let link = shared(&app, token, file.id, &req).await;
    let secret = link.token.clone().unwrap();
    let about: PublicShare = json(public(&app, &secret, None, None).await, StatusCode::OK).await;
    assert_eq!(about.downloads_left, Some(3));
    let downloads = (0..8).map(|_| {
        let (app, link) = (&app, &link);
        async move {
            let response = content(app, link, None).await;
            let status = response.status();
            (status, response.bytes().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(downloads).await;
    let ok: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::OK)
        .collect();
    assert_eq!(
        ok.len(),
        3,
        "{:?}",
        answers.iter().map(|(s, _)| *s).collect::<Vec<_>>()
    );
    assert!(ok.iter().all(|(_, body)| body[..] == data[..]));
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::NOT_FOUND)
    );
    // Spent: the link opens nothing, not even its description.
    gone(public(&app, &secret, None, None).await).await;
}

#[tokio::test]
async fn expired_revoked_deleted_and_foreign_shares_open_nothing() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let other = app.new_user().await;
    let token = &owner.tokens.access_token;
    let a = app.upload(token, "root", "a.txt", b"a".to_vec()).await;
    let b = app.upload(token, "root", "b.txt", b"b".to_vec()).await;

    // Expiry: soon, then past.
    let soon = CreateShareRequest {
        expires_at: Some(OffsetDateTime::now_utc() + Duration::seconds(2)),
        ..CreateShareRequest::default()
    };
    let expiring = shared(&app, token, a.id, &soon).await;
    assert_eq!(
        content(&app, &expiring, None).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    gone(content(&app, &expiring, None).await).await;

    // Revoke: only by its owner.
    let revoked = shared(&app, token, a.id, &CreateShareRequest::default()).await;
    let path = format!("/api/v1/shares/{}", revoked.id);
    let by_other = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&other.tokens.access_token)
        .send()
        .await
        .unwrap();
    gone(by_other).await;
    assert_eq!(content(&app, &revoked, None).await.status(), StatusCode::OK);
    let response = app
        .client
        .delete(app.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    gone(content(&app, &revoked, None).await).await;

    // Its file deleted.
    let of_b = shared(&app, token, b.id, &CreateShareRequest::default()).await;
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{}", b.id)))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    gone(content(&app, &of_b, None).await).await;

    // Another user's file cannot be shared; a folder not yet.
    problem(
        share(
            &app,
            &other.tokens.access_token,
            a.id,
            &CreateShareRequest::default(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let folder = app.mkdir(token, "root", "docs").await;
    problem(
        share(&app, token, folder.id, &CreateShareRequest::default()).await,
        StatusCode::CONFLICT,
        "not_a_file",
    )
    .await;

    // Its owner's account deleted.
    let kept = shared(&app, token, a.id, &CreateShareRequest::default()).await;
    let response = app
        .client
        .delete(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    gone(content(&app, &kept, None).await).await;
}

#[tokio::test]
async fn bad_share_requests_change_nothing() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let file = app.upload(token, "root", "f.txt", b"f".to_vec()).await;
    let past = OffsetDateTime::now_utc() - Duration::minutes(1);
    for (req, field) in [
        (
            serde_json::json!({ "expires_at": past.format(&time::format_description::well_known::Rfc3339).unwrap() }),
            "expires_at",
        ),
        (serde_json::json!({ "max_downloads": 0 }), "max_downloads"),
        (
            serde_json::json!({ "max_downloads": 1_000_001 }),
            "max_downloads",
        ),
        (serde_json::json!({ "password": "" }), "password"),
        (
            serde_json::json!({ "password": "x".repeat(1025) }),
            "password",
        ),
    ] {
        let response = app
            .client
            .post(app.url(&format!("/api/v1/nodes/{}/shares", file.id)))
            .bearer_auth(token)
            .json(&req)
            .send()
            .await
            .unwrap();
        let problem = problem(response, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(problem.errors[0].field, field);
    }
    let response = app
        .client
        .post(app.url(&format!("/api/v1/nodes/{}/shares", file.id)))
        .bearer_auth(token)
        .json(&serde_json::json!({ "surprise": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let list: ShareList = json(app.get_auth("/api/v1/shares", token).await, StatusCode::OK).await;
    assert!(list.items.is_empty());
}

#[tokio::test]
async fn a_file_share_follows_renames_and_new_versions() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let file = app
        .upload(token, "root", "draft.txt", b"first".to_vec())
        .await;
    let link = shared(&app, token, file.id, &CreateShareRequest::default()).await;
    let response = app
        .put_file(token, "root", "draft.txt", b"second, longer".to_vec(), true)
        .await;
    let _: Node = json(response, StatusCode::OK).await;
    let response = content(&app, &link, None).await;
    assert_eq!(response.bytes().await.unwrap()[..], b"second, longer"[..]);
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/nodes/{}", file.id)))
        .bearer_auth(token)
        .json(&serde_json::json!({ "name": "final.txt" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let about: PublicShare = json(
        public(&app, link.token.as_deref().unwrap(), None, None).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((about.name.as_str(), about.size), ("final.txt", 14));
}

#[tokio::test]
async fn the_stores_and_the_token_secret_open_no_share_without_the_link() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let file = app
        .upload(token, "root", "Kilimanjaro-plan.txt", b"summit".to_vec())
        .await;
    let link = shared(&app, token, file.id, &CreateShareRequest::default()).await;
    let secret_token = link.token.clone().unwrap();
    let dump = app.meta_dump().await;
    let contains = |needle: &[u8]| dump.windows(needle.len()).any(|w| w == needle);
    assert!(!contains(b"Kilimanjaro"));
    let secret_part = secret_token.split_once('.').unwrap().1;
    assert!(!contains(secret_part.as_bytes()));
    let (_, secret) = ShareSecret::parse(&secret_token).unwrap();
    let secret_bytes = data_encoding::BASE64URL_NOPAD
        .decode(secret_part.as_bytes())
        .unwrap();
    assert!(!contains(&secret_bytes));

    // Everything the stores and the server's secret hold, tried as the link.
    let record = app
        .stores()
        .await
        .meta
        .share(link.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.secret_hash, secret.hash());
    let server_secret = std::fs::read(app.data_dir.path().join("token_secret")).unwrap();
    let mut candidates = vec![
        record.secret_hash.to_vec(),
        record.owner_wrapped_key.clone(),
    ];
    candidates.push(server_secret);
    for candidate in candidates {
        let mut bytes = [0u8; 32];
        for (i, b) in candidate.iter().take(32).enumerate() {
            bytes[i] = *b;
        }
        let guess = ShareSecret::parse(&format!(
            "{}.{}",
            link.id.simple(),
            data_encoding::BASE64URL_NOPAD.encode(&bytes)
        ))
        .unwrap();
        let key = guess.1.link_key(None);
        assert!(ShareKey::unwrap_for_link(&key, &record.link_wrapped_key, link.id).is_err());
        let as_key = Key32::from_bytes(bytes);
        assert!(ShareKey::unwrap_for_link(&as_key, &record.link_wrapped_key, link.id).is_err());
    }
    // The link itself does.
    let key = secret.link_key(None);
    let sk = ShareKey::unwrap_for_link(&key, &record.link_wrapped_key, link.id).unwrap();
    assert_eq!(
        sk.open_file(link.id, &record.sealed).unwrap().name,
        "Kilimanjaro-plan.txt"
    );
}

#[tokio::test]
async fn a_browser_downloads_through_a_counted_one_minute_url() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let token = &owner.tokens.access_token;
    let data = pattern(100_000, 11);
    let file = app
        .upload(token, "root", "plain link.bin", data.clone())
        .await;
    let req = CreateShareRequest {
        password: Some("pw".to_owned()),
        max_downloads: Some(1),
        ..CreateShareRequest::default()
    };
    let link = shared(&app, token, file.id, &req).await;
    let path = format!(
        "/api/v1/public/shares/{}/download-url",
        link.token.as_deref().unwrap()
    );
    let post = |password: Option<&'static str>| {
        let mut request = app.client.post(app.url(&path));
        if let Some(password) = password {
            request = request.header("X-Share-Password", password);
        }
        request.send()
    };
    problem(
        post(None).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "share_password_required",
    )
    .await;
    let url: strongroom_shared::DownloadUrl =
        json(post(Some("pw")).await.unwrap(), StatusCode::OK).await;
    // Followed with no header at all, as a plain link is.
    let response = app.client.get(app.url(&url.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("plain%20link.bin")
    );
    assert_eq!(response.bytes().await.unwrap()[..], data[..]);
    // That was the one download allowed.
    gone(post(Some("pw")).await.unwrap()).await;
    gone(content(&app, &link, Some("pw")).await).await;
}
