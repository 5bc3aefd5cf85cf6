//! File versions over HTTP: an overwrite keeps the replaced content (the
//! newest `versions_kept`), each downloadable byte-exact and by range,
//! restorable and deletable, counted against the quota.

use reqwest::StatusCode;
use strongroom_shared::{DownloadUrl, Node, Problem, VersionList};
use uuid::Uuid;

use super::helpers::{TestApp, json, pattern, problem, spawn_app, spawn_app_with};
use super::trash::me;

async fn overwrite(app: &TestApp, token: &str, name: &str, body: Vec<u8>) -> Node {
    json(
        app.put_file(token, "root", name, body, true).await,
        StatusCode::OK,
    )
    .await
}

async fn versions(app: &TestApp, token: &str, file: Uuid) -> VersionList {
    json(
        app.get_auth(&format!("/api/v1/files/{file}/versions"), token)
            .await,
        StatusCode::OK,
    )
    .await
}

fn version_path(file: Uuid, version: Uuid, rest: &str) -> String {
    format!("/api/v1/files/{file}/versions/{version}{rest}")
}

/// The content of round `i`: a distinct size and pattern per round.
fn round(i: usize) -> Vec<u8> {
    pattern(1_000 + i * 10, u8::try_from(i).unwrap())
}

#[tokio::test]
async fn twelve_overwrites_keep_the_ten_newest_versions() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app.upload(token, "root", "doc.txt", round(0)).await;
    let mut stored = round(0).len() as u64;
    for i in 1..=12 {
        let node = overwrite(&app, token, "doc.txt", round(i)).await;
        assert_eq!(node.id, file.id, "an overwrite keeps the file");
        stored += round(i).len() as u64;
        // Quota at every step: the current content and the versions kept.
        let kept: u64 = (i.saturating_sub(10)..i)
            .map(|k| round(k).len() as u64)
            .sum();
        let profile = me(&app, token).await;
        assert_eq!(
            (profile.used_bytes, profile.version_bytes),
            (round(i).len() as u64 + kept, kept),
            "after overwrite {i}"
        );
    }
    assert!(stored > me(&app, token).await.used_bytes, "the oldest went");
    let list = versions(&app, token, file.id).await;
    // Newest first: rounds 11 down to 2; rounds 0 and 1 went, oldest first.
    let sizes: Vec<u64> = list.items.iter().map(|v| v.size).collect();
    let expected: Vec<u64> = (2..=11).rev().map(|i| round(i).len() as u64).collect();
    assert_eq!(sizes, expected);
    assert!(
        list.items
            .windows(2)
            .all(|pair| pair[0].created_at >= pair[1].created_at)
    );
    // 13 uploads: the current content and ten versions are stored.
    assert_eq!(app.objects().await.len(), 11);

    // Each version downloads byte-exact, and by range.
    for (version, i) in list.items.iter().zip((2..=11).rev()) {
        let response = app
            .get_auth(&version_path(file.id, version.id, "/content"), token)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("doc.txt")
        );
        assert_eq!(response.bytes().await.unwrap().to_vec(), round(i));
    }
    let oldest = list.items.last().unwrap();
    let response = app
        .client
        .get(app.url(&version_path(file.id, oldest.id, "/content")))
        .bearer_auth(token)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes 100-199/{}", round(2).len()).as_str()
    );
    assert_eq!(response.bytes().await.unwrap().to_vec(), round(2)[100..200]);
    // The current content is the file's, and not among the versions.
    assert_eq!(app.content(token, file.id).await, round(12));
}

#[tokio::test]
async fn a_restored_version_is_the_content_and_the_replaced_one_a_version() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app
        .upload(token, "root", "essay.md", b"first draft".to_vec())
        .await;
    overwrite(&app, token, "essay.md", b"second draft, longer".to_vec()).await;
    overwrite(&app, token, "essay.md", b"third".to_vec()).await;
    let list = versions(&app, token, file.id).await;
    assert_eq!(list.items.len(), 2);
    let first = list.items[1].clone();
    assert_eq!(first.size, 11);
    let used_before = me(&app, token).await.used_bytes;

    let restored: Node = json(
        app.client
            .post(app.url(&version_path(file.id, first.id, "/restore")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!((restored.id, restored.size), (file.id, 11));
    assert_eq!(restored.name, "essay.md");
    assert_eq!(app.content(token, file.id).await, b"first draft");
    let list = versions(&app, token, file.id).await;
    let sizes: Vec<u64> = list.items.iter().map(|v| v.size).collect();
    assert_eq!(sizes, [5, 20], "the replaced content is the newest version");
    assert!(list.items.iter().all(|v| v.id != first.id));
    assert_eq!(
        me(&app, token).await.used_bytes,
        used_before,
        "nothing new stored"
    );

    // Download URLs work for versions as for files.
    let link: DownloadUrl = json(
        app.client
            .post(app.url(&version_path(file.id, list.items[0].id, "/download-url")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let response = app.client.get(app.url(&link.url)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), b"third");

    // Deleting a version frees its space at once.
    let response = app
        .client
        .delete(app.url(&version_path(file.id, list.items[0].id, "")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let profile = me(&app, token).await;
    assert_eq!(
        (profile.used_bytes, profile.version_bytes),
        (used_before - 5, 20)
    );
    assert_eq!(versions(&app, token, file.id).await.items.len(), 1);
    let response = app
        .get_auth(&version_path(file.id, list.items[0].id, "/content"), token)
        .await;
    problem(response, StatusCode::NOT_FOUND, "version_not_found").await;
    assert_eq!(app.objects().await.len(), 2);
}

#[tokio::test]
async fn versions_count_against_the_quota_and_can_be_turned_off() {
    let app = spawn_app_with(|config| config.default_quota_bytes = 1_000).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app.upload(token, "root", "big.bin", vec![1; 600]).await;
    // Keeping the 600 bytes as a version leaves no room for 600 more.
    let response = app
        .put_file(token, "root", "big.bin", vec![2; 600], true)
        .await;
    let refused: Problem =
        problem(response, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    assert!(refused.detail.is_some());
    assert_eq!(app.content(token, file.id).await, vec![1; 600]);
    overwrite(&app, token, "big.bin", vec![2; 300]).await;
    let profile = me(&app, token).await;
    assert_eq!((profile.used_bytes, profile.version_bytes), (900, 600));
    let response = app
        .put_file(token, "root", "more.bin", vec![3; 200], false)
        .await;
    let refused: Problem =
        problem(response, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    assert!(
        refused.detail.unwrap_or_default().contains("versions"),
        "says the versions take space"
    );

    let app = spawn_app_with(|config| config.versions_kept = 0).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app.upload(token, "root", "plain.txt", vec![1; 50]).await;
    overwrite(&app, token, "plain.txt", vec![2; 70]).await;
    assert!(versions(&app, token, file.id).await.items.is_empty());
    assert_eq!(me(&app, token).await.used_bytes, 70);
    assert_eq!(app.objects().await.len(), 1);
}

#[tokio::test]
async fn versions_go_with_their_file_and_answer_only_their_owner() {
    let app = spawn_app().await;
    let ann = app.new_user().await;
    let bob = app.new_user().await;
    let (ann_token, bob_token) = (&ann.tokens.access_token, &bob.tokens.access_token);
    let file = app
        .upload(ann_token, "root", "a.txt", b"one".to_vec())
        .await;
    overwrite(&app, ann_token, "a.txt", b"two".to_vec()).await;
    let version = versions(&app, ann_token, file.id).await.items[0].id;

    // Bob sees nothing of Ann's file or versions.
    for path in [
        format!("/api/v1/files/{}/versions", file.id),
        version_path(file.id, version, "/content"),
    ] {
        let response = app.get_auth(&path, bob_token).await;
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    for (method, rest) in [
        (reqwest::Method::POST, "/restore"),
        (reqwest::Method::POST, "/download-url"),
        (reqwest::Method::DELETE, ""),
    ] {
        let response = app
            .client
            .request(method, app.url(&version_path(file.id, version, rest)))
            .bearer_auth(bob_token)
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    // Nonsense ids, and a folder's versions.
    let response = app
        .get_auth(
            &version_path(file.id, Uuid::new_v4(), "/content"),
            ann_token,
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "version_not_found").await;
    let response = app
        .get_auth(
            &format!("/api/v1/files/{}/versions/x/content", file.id),
            ann_token,
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "version_not_found").await;
    let folder = app.mkdir(ann_token, "root", "F").await;
    let response = app
        .get_auth(&format!("/api/v1/files/{}/versions", folder.id), ann_token)
        .await;
    problem(response, StatusCode::CONFLICT, "not_a_file").await;

    // In the trash the file's versions are out of reach, and come back with it.
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{}", file.id)))
        .bearer_auth(ann_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = app
        .get_auth(&format!("/api/v1/files/{}/versions", file.id), ann_token)
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(me(&app, ann_token).await.trash_bytes, 3);
    let response = super::trash::restore_raw(&app, ann_token, file.id, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(versions(&app, ann_token, file.id).await.items.len(), 1);
    // Purged, the file takes its versions with it.
    for path in [
        format!("/api/v1/nodes/{}", file.id),
        format!("/api/v1/trash/{}", file.id),
    ] {
        let response = app
            .client
            .delete(app.url(&path))
            .bearer_auth(ann_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    let profile = me(&app, ann_token).await;
    assert_eq!(
        (
            profile.used_bytes,
            profile.trash_bytes,
            profile.version_bytes
        ),
        (0, 0, 0)
    );
    assert!(app.objects().await.is_empty());
}
