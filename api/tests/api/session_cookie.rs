//! The browser app's refresh token in the encrypted session cookie: set by log
//! in with `session_cookie: true`, rotated by refresh with `{}`, cleared by log
//! out and by a refusal. The `Set-Cookie` headers are read by hand, so every
//! attribute is asserted.

use reqwest::{Response, StatusCode};
use strongroom_shared::{LoginRequest, TokenResponse, UserProfile};

use crate::helpers::*;

const COOKIE: &str = "strongroom_session";

/// One `Set-Cookie` of the session cookie: its value and its attributes.
#[derive(Debug)]
struct SetCookie {
    value: String,
    attributes: Vec<String>,
}

impl SetCookie {
    fn has(&self, attribute: &str) -> bool {
        self.attributes
            .iter()
            .any(|a| a.eq_ignore_ascii_case(attribute))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find_map(|a| {
            let (key, value) = a.split_once('=')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    fn is_removal(&self) -> bool {
        self.value.is_empty() && self.get("Max-Age") == Some("0")
    }
}

/// The session cookie a response sets, if it sets one.
fn session_cookie(response: &Response) -> Option<SetCookie> {
    let mut found = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&format!("{COOKIE}=")));
    let header = found.next()?;
    assert!(found.next().is_none(), "one session cookie per answer");
    let mut parts = header.split(';').map(str::trim);
    let value = parts.next().unwrap()[COOKIE.len() + 1..].to_owned();
    Some(SetCookie {
        value,
        attributes: parts.map(str::to_owned).collect(),
    })
}

async fn login_with_cookie(app: &TestApp, email: &str) -> Response {
    app.post_json(
        "/api/v1/auth/login",
        &LoginRequest {
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            session_cookie: true,
        },
    )
    .await
}

/// Logs in with the cookie; the access token and the cookie's value.
async fn cookie_session(app: &TestApp, email: &str) -> (TokenResponse, String) {
    let response = login_with_cookie(app, email).await;
    let cookie = session_cookie(&response).expect("log in sets the session cookie");
    let tokens: TokenResponse = json(response, StatusCode::OK).await;
    (tokens, cookie.value)
}

/// `POST /auth/refresh` with `{}` and, when given, the session cookie.
async fn refresh_with_cookie(app: &TestApp, cookie: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&serde_json::json!({}));
    if let Some(value) = cookie {
        request = request.header("cookie", format!("{COOKIE}={value}"));
    }
    request.send().await.unwrap()
}

/// Decodes a 200 answer and checks that it carries no refresh token.
async fn tokens_without_refresh_token(response: Response) -> TokenResponse {
    let body: serde_json::Value = json(response, StatusCode::OK).await;
    assert!(body.get("refresh_token").is_none(), "{body}");
    let tokens: TokenResponse = serde_json::from_value(body).unwrap();
    assert_eq!(tokens.token_type, "Bearer");
    tokens
}

#[tokio::test]
async fn login_with_session_cookie_puts_the_refresh_token_in_a_strict_httponly_cookie() {
    let app = spawn_app().await;
    let email = unique_email();
    let signup = app.signup_raw(&email, PASSWORD).await;
    assert!(session_cookie(&signup).is_none(), "sign up sets no cookie");

    let response = login_with_cookie(&app, &email).await;
    let cookie = session_cookie(&response).expect("a session cookie");
    let tokens = tokens_without_refresh_token(response).await;
    assert!(cookie.has("HttpOnly"), "{cookie:?}");
    assert_eq!(cookie.get("SameSite"), Some("Strict"), "{cookie:?}");
    assert_eq!(cookie.get("Path"), Some("/api/v1/auth"), "{cookie:?}");
    assert_eq!(cookie.get("Max-Age"), Some("2592000"), "{cookie:?}");
    assert!(
        !cookie.has("Secure"),
        "plain http works by default: {cookie:?}"
    );
    assert!(cookie.get("Domain").is_none(), "{cookie:?}");

    // The value is sealed: neither the session id nor the field name shows,
    // whether read as text or as the base64 it is.
    let session_id = app
        .token_service()
        .verify_access(&tokens.access_token)
        .map_err(|e| e.to_string())
        .unwrap()
        .session_id;
    let sealed = data_encoding::BASE64
        .decode(cookie.value.as_bytes())
        .unwrap_or_default();
    for clear in [
        session_id.simple().to_string(),
        session_id.to_string(),
        "refresh_token".to_owned(),
    ] {
        assert!(!cookie.value.contains(&clear), "{clear} in {cookie:?}");
        assert!(!sealed.windows(clear.len()).any(|w| w == clear.as_bytes()));
    }
    assert!(!sealed.windows(16).any(|w| w == session_id.as_bytes()));

    // The access token works as any other; API clients' log in is unchanged.
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &tokens.access_token).await,
        StatusCode::OK,
    )
    .await;
    let plain = app.login_raw(&email, PASSWORD).await;
    assert!(session_cookie(&plain).is_none());
    let plain: TokenResponse = json(plain, StatusCode::OK).await;
    assert!(plain.refresh_token.is_some());
}

#[tokio::test]
async fn secure_cookies_marks_the_cookie_secure() {
    let app = spawn_app_with(|config| config.secure_cookies = Some(true)).await;
    let user = app.new_user().await;
    let response = login_with_cookie(&app, &user.email).await;
    let cookie = session_cookie(&response).unwrap();
    assert!(cookie.has("Secure"), "{cookie:?}");
    assert!(cookie.has("HttpOnly"), "{cookie:?}");
}

#[tokio::test]
async fn refresh_with_the_cookie_rotates_it_and_a_replayed_cookie_ends_the_session() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let (first_tokens, first) = cookie_session(&app, &user.email).await;

    let response = refresh_with_cookie(&app, Some(&first)).await;
    let second = session_cookie(&response).expect("the cookie is rotated");
    let tokens = tokens_without_refresh_token(response).await;
    assert_ne!(second.value, first);
    assert!(second.has("HttpOnly") && second.get("SameSite") == Some("Strict"));
    assert_eq!(second.get("Path"), Some("/api/v1/auth"));
    assert_eq!(
        app.umk_of(&tokens.access_token),
        app.umk_of(&first_tokens.access_token)
    );
    json::<UserProfile>(
        app.get_auth("/api/v1/me", &tokens.access_token).await,
        StatusCode::OK,
    )
    .await;

    // And again, with the rotated cookie.
    let response = refresh_with_cookie(&app, Some(&second.value)).await;
    let third = session_cookie(&response).expect("rotated again");
    let latest = tokens_without_refresh_token(response).await;

    // The first cookie comes back: its token was used. The session ends and
    // the cookie is cleared.
    let response = refresh_with_cookie(&app, Some(&first)).await;
    let cleared = session_cookie(&response).expect("the cookie is cleared");
    assert!(cleared.is_removal(), "{cleared:?}");
    assert_eq!(cleared.get("Path"), Some("/api/v1/auth"));
    problem(response, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;

    // So the newest cookie and access token are dead too.
    let response = refresh_with_cookie(&app, Some(&third.value)).await;
    assert!(session_cookie(&response).unwrap().is_removal());
    problem(response, StatusCode::UNAUTHORIZED, "session_ended").await;
    problem(
        app.get_auth("/api/v1/me", &latest.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
}

#[tokio::test]
async fn a_token_in_the_body_works_as_before_and_leaves_the_cookie_alone() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let (_, cookie) = cookie_session(&app, &user.email).await;

    // A body token, with the cookie sent along: the body wins, the answer
    // carries the successor, and no cookie is set.
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("{COOKIE}={cookie}"))
        .json(&serde_json::json!({ "refresh_token": refresh_token(&user.tokens) }))
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&response).is_none());
    let rotated: TokenResponse = json(response, StatusCode::OK).await;
    assert_ne!(refresh_token(&rotated), refresh_token(&user.tokens));

    // The cookie's own session is untouched and still refreshes.
    let response = refresh_with_cookie(&app, Some(&cookie)).await;
    assert!(session_cookie(&response).is_some());
    tokens_without_refresh_token(response).await;

    // A refused body token does not clear a cookie either.
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .header("cookie", format!("{COOKIE}={cookie}"))
        .json(&serde_json::json!({ "refresh_token": refresh_token(&user.tokens) }))
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&response).is_none());
    problem(response, StatusCode::UNAUTHORIZED, "refresh_token_reused").await;
}

#[tokio::test]
async fn logout_clears_the_cookie_and_the_old_cookie_no_longer_refreshes() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let (tokens, cookie) = cookie_session(&app, &user.email).await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&tokens.access_token)
        .header("cookie", format!("{COOKIE}={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = session_cookie(&response).expect("the cookie is cleared");
    assert!(cleared.is_removal(), "{cleared:?}");
    assert!(cleared.get("Expires").is_some(), "{cleared:?}");
    assert_eq!(cleared.get("Path"), Some("/api/v1/auth"));
    assert!(cleared.has("HttpOnly"));

    let response = refresh_with_cookie(&app, Some(&cookie)).await;
    problem(response, StatusCode::UNAUTHORIZED, "session_ended").await;
    problem(
        app.get_auth("/api/v1/me", &tokens.access_token).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    )
    .await;
    // Log out still needs the bearer token: the cookie alone is not enough.
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", format!("{COOKIE}={cookie}"))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::UNAUTHORIZED, "missing_token").await;
}

#[tokio::test]
async fn a_tampered_or_foreign_cookie_is_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let (_, cookie) = cookie_session(&app, &user.email).await;

    let mut bytes = cookie.clone().into_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    for value in [
        tampered.as_str(),
        "",
        "garbage",
        &cookie[..cookie.len() - 4],
    ] {
        let response = refresh_with_cookie(&app, Some(value)).await;
        problem(response, StatusCode::UNAUTHORIZED, "missing_refresh_token").await;
    }

    // A cookie sealed by another server (another token secret) means nothing here.
    let other = spawn_app().await;
    let stranger = other.new_user().await;
    let (_, foreign) = cookie_session(&other, &stranger.email).await;
    let response = refresh_with_cookie(&app, Some(&foreign)).await;
    problem(response, StatusCode::UNAUTHORIZED, "missing_refresh_token").await;

    // None of that harmed the genuine cookie.
    let response = refresh_with_cookie(&app, Some(&cookie)).await;
    tokens_without_refresh_token(response).await;
}

#[tokio::test]
async fn refresh_without_a_token_or_cookie_is_a_clear_problem() {
    let app = spawn_app().await;
    let response = refresh_with_cookie(&app, None).await;
    assert!(response.headers().get("set-cookie").is_none());
    let refused = problem(response, StatusCode::UNAUTHORIZED, "missing_refresh_token").await;
    assert!(refused.detail.unwrap().contains("cookie"));
    // `null` is the same as leaving it out.
    let response = app
        .post_json(
            "/api/v1/auth/refresh",
            &serde_json::json!({ "refresh_token": null }),
        )
        .await;
    problem(response, StatusCode::UNAUTHORIZED, "missing_refresh_token").await;

    // An empty body without a content type: JSON is still required.
    let response = app
        .client
        .post(app.url("/api/v1/auth/refresh"))
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let response = app
        .post_raw("/api/v1/auth/refresh", "application/json", "")
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_session_cookie_is_not_read_outside_auth() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let (_, cookie) = cookie_session(&app, &user.email).await;
    // A cookie is no credential for the API: only the bearer token is.
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("{COOKIE}={cookie}"))
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("set-cookie").is_none());
    problem(response, StatusCode::UNAUTHORIZED, "missing_token").await;
}
