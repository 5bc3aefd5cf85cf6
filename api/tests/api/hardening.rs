//! Safe defaults that hold without any configuration: nothing of the API in
//! caches, no names that lie on screen, no downloads a browser would run.

use reqwest::StatusCode;
use strongroom_shared::{CreateFolderRequest, DownloadUrl, UpdateNodeRequest};

use crate::helpers::*;

fn cache_control(response: &reqwest::Response) -> &str {
    response.headers()["cache-control"].to_str().unwrap()
}

#[tokio::test]
async fn no_api_answer_is_kept_by_a_cache() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let node = app
        .upload(token, "root", "secret.txt", b"plain".to_vec())
        .await;
    let answers = [
        app.get_auth("/api/v1/me", token).await,
        app.get_auth("/api/v1/folders/root/children", token).await,
        app.get_auth(&format!("/api/v1/files/{}/content", node.id), token)
            .await,
        app.get_auth("/api/v1/me", "not a token").await,
        app.login_raw(&user.email, PASSWORD).await,
    ];
    for answer in &answers {
        assert_eq!(cache_control(answer), "no-store", "{}", answer.url());
    }
}

#[tokio::test]
async fn names_with_invisible_or_direction_characters_are_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let kept = app.upload(token, "root", "kept.txt", b"k".to_vec()).await;
    for name in [
        "invoice\u{202E}fdp.exe",
        "zero\u{200B}width",
        "\u{2066}isolate",
        "bom\u{FEFF}",
    ] {
        let made = app
            .client
            .post(app.url("/api/v1/folders"))
            .bearer_auth(token)
            .json(&CreateFolderRequest {
                parent_id: "root".to_owned(),
                name: name.to_owned(),
            })
            .send()
            .await
            .unwrap();
        let refused = problem(made, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(refused.errors[0].code, "name_invisible_character");
        let uploaded = app
            .put_file(token, "root", name, b"x".to_vec(), false)
            .await;
        problem(uploaded, StatusCode::BAD_REQUEST, "validation_failed").await;
        let renamed = app
            .client
            .patch(app.url(&format!("/api/v1/nodes/{}", kept.id)))
            .bearer_auth(token)
            .json(&UpdateNodeRequest {
                name: Some(name.to_owned()),
                parent_id: None,
            })
            .send()
            .await
            .unwrap();
        problem(renamed, StatusCode::BAD_REQUEST, "validation_failed").await;
    }
    // Joiners that scripts and emoji need stay allowed.
    app.mkdir(token, "root", "family 👨\u{200D}👩\u{200D}👧")
        .await;
    let names: Vec<String> = app
        .list(token, "root")
        .await
        .items
        .into_iter()
        .map(|n| n.name)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"kept.txt".to_owned()));
}

#[tokio::test]
async fn active_content_downloads_as_an_inert_attachment() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let page = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    for name in ["page.html", "drawing.svg", "script.js", "feed.xml"] {
        let node = app.upload(token, "root", name, page.clone()).await;
        let link: DownloadUrl = json(
            app.client
                .post(app.url(&format!("/api/v1/files/{}/download-url", node.id)))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
            StatusCode::OK,
        )
        .await;
        // Both ways of downloading: with the header, and by URL alone (the
        // way a browser tab opens it).
        let answers = [
            app.get_auth(&format!("/api/v1/files/{}/content", node.id), token)
                .await,
            app.client.get(app.url(&link.url)).send().await.unwrap(),
        ];
        for answer in answers {
            let headers = answer.headers();
            assert_eq!(
                headers["content-type"], "application/octet-stream",
                "{name}"
            );
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["cross-origin-resource-policy"], "same-origin");
            let disposition = headers["content-disposition"].to_str().unwrap();
            assert!(disposition.starts_with("attachment"), "{disposition}");
            let policy = headers["content-security-policy"].to_str().unwrap();
            assert!(policy.contains("sandbox"), "{policy}");
            assert_eq!(answer.bytes().await.unwrap()[..], page[..]);
        }
    }
    // Passive types keep theirs, for previews.
    let photo = app.upload(token, "root", "photo.png", vec![0x89; 8]).await;
    let answer = app
        .get_auth(&format!("/api/v1/files/{}/content", photo.id), token)
        .await;
    assert_eq!(answer.headers()["content-type"], "image/png");
}
