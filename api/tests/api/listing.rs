//! Listings kept between requests (the listing cache) never show a folder
//! as it was: every kind of change shows at once, also when another server
//! over the same stores made it, and a cache too small to keep much still
//! gives the right pages.

use reqwest::StatusCode;
use strongroom_shared::{FolderListing, Node, VersionList};
use uuid::Uuid;

use crate::common::server;
use crate::helpers::*;
use crate::trash::restore_raw;

/// Every item of a folder, walked in pages of `limit` (the cursors of one
/// page lead to the next), as (name, size).
async fn walk(app: &TestApp, token: &str, folder: &str, limit: usize) -> Vec<(String, u64)> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/folders/{folder}/children?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: FolderListing = json(app.get_auth(&path, token).await, StatusCode::OK).await;
        assert!(page.items.len() <= limit);
        items.extend(page.items.into_iter().map(|n| (n.name, n.size)));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

fn names(items: &[(String, u64)]) -> Vec<&str> {
    items.iter().map(|(n, _)| n.as_str()).collect()
}

fn size_of(items: &[(String, u64)], name: &str) -> Option<u64> {
    items.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
}

async fn patch(app: &TestApp, token: &str, id: Uuid, body: serde_json::Value) -> Node {
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    json(response, StatusCode::OK).await
}

async fn delete(app: &TestApp, token: &str, id: Uuid) {
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

/// Names f00..f{n-1}, listed in that order.
fn file_names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("f{i:02}.txt")).collect()
}

#[tokio::test]
async fn a_listing_shows_every_kind_of_change_at_once() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let big = app.mkdir(token, "root", "big").await;
    let other = app.mkdir(token, "root", "other").await;
    let folder = big.id.to_string();
    let mut expected = file_names(12);
    let mut nodes = Vec::new();
    for name in &expected {
        nodes.push(app.upload(token, &folder, name, vec![1]).await);
    }
    // Warm: walked twice, the second time from what the first kept.
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);

    // A new file and a new folder (folders come first).
    app.upload(token, &folder, "f99.txt", vec![1]).await;
    app.mkdir(token, &folder, "sub").await;
    expected.push("f99.txt".to_owned());
    expected.insert(0, "sub".to_owned());
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);

    // An overwrite shows the new size.
    let response = app
        .put_file(token, &folder, "f00.txt", vec![1; 7], true)
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let listed = walk(&app, token, &folder, 5).await;
    assert_eq!(size_of(&listed, "f00.txt"), Some(7));

    // A version restored: the old size again.
    let versions: VersionList = json(
        app.get_auth(&format!("/api/v1/files/{}/versions", nodes[0].id), token)
            .await,
        StatusCode::OK,
    )
    .await;
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/files/{}/versions/{}/restore",
            nodes[0].id, versions.items[0].id
        )))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let listed = walk(&app, token, &folder, 5).await;
    assert_eq!(size_of(&listed, "f00.txt"), Some(1));

    // A rename.
    patch(
        &app,
        token,
        nodes[1].id,
        serde_json::json!({"name": "f50.txt"}),
    )
    .await;
    expected.retain(|n| n != "f01.txt");
    expected.insert(
        expected.iter().position(|n| n == "f99.txt").unwrap(),
        "f50.txt".to_owned(),
    );
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);

    // A move out (the other folder, listed warm before, gains it) and back in.
    let other_id = other.id.to_string();
    assert!(walk(&app, token, &other_id, 5).await.is_empty());
    patch(
        &app,
        token,
        nodes[2].id,
        serde_json::json!({"parent_id": other_id}),
    )
    .await;
    expected.retain(|n| n != "f02.txt");
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);
    assert_eq!(names(&walk(&app, token, &other_id, 5).await), ["f02.txt"]);
    patch(
        &app,
        token,
        nodes[2].id,
        serde_json::json!({"parent_id": folder}),
    )
    .await;
    expected.insert(2, "f02.txt".to_owned());
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);
    assert!(walk(&app, token, &other_id, 5).await.is_empty());

    // Deleted into the trash, then restored.
    delete(&app, token, nodes[3].id).await;
    let without: Vec<String> = expected
        .iter()
        .filter(|n| *n != "f03.txt")
        .cloned()
        .collect();
    assert_eq!(names(&walk(&app, token, &folder, 5).await), without);
    let response = restore_raw(&app, token, nodes[3].id, serde_json::json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);

    // A folder in the trash hides what it holds: listing it is a 404.
    let sub = app.list(token, &folder).await.items[0].clone();
    app.upload(token, &sub.id.to_string(), "inside.txt", vec![1])
        .await;
    assert_eq!(
        names(&walk(&app, token, &sub.id.to_string(), 5).await),
        ["inside.txt"]
    );
    delete(&app, token, sub.id).await;
    let response = app
        .get_auth(&format!("/api/v1/folders/{}/children", sub.id), token)
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    expected.retain(|n| n != "sub");
    assert_eq!(names(&walk(&app, token, &folder, 5).await), expected);
}

#[tokio::test]
async fn a_change_through_another_server_shows_at_once() {
    let one = spawn_app().await;
    // A second server over the same stores (data folder, database or
    // table, token secret): the same tokens work on both.
    let two = TestApp {
        address: server::start(one.config.clone()).await,
        client: reqwest::Client::new(),
        data_dir: tempfile::tempdir().unwrap(),
        config: one.config.clone(),
    };
    let user = one.new_user().await;
    let token = &user.tokens.access_token;
    let folder = one.mkdir(token, "root", "shared").await.id.to_string();
    let mut expected = file_names(8);
    let mut nodes = Vec::new();
    for name in &expected {
        nodes.push(one.upload(token, &folder, name, vec![1]).await);
    }
    // Both keep the listing.
    assert_eq!(names(&walk(&one, token, &folder, 3).await), expected);
    assert_eq!(names(&walk(&two, token, &folder, 3).await), expected);

    // Changes on one, read on two, and the other way round.
    one.upload(token, &folder, "f50.txt", vec![1]).await;
    expected.push("f50.txt".to_owned());
    assert_eq!(names(&walk(&two, token, &folder, 3).await), expected);

    patch(
        &two,
        token,
        nodes[0].id,
        serde_json::json!({"name": "f60.txt"}),
    )
    .await;
    expected.remove(0);
    expected.push("f60.txt".to_owned());
    assert_eq!(names(&walk(&one, token, &folder, 3).await), expected);

    delete(&one, token, nodes[1].id).await;
    expected.retain(|n| n != "f01.txt");
    assert_eq!(names(&walk(&two, token, &folder, 3).await), expected);

    let response = two
        .put_file(token, &folder, "f02.txt", vec![1; 9], true)
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        size_of(&walk(&one, token, &folder, 3).await, "f02.txt"),
        Some(9)
    );
}

#[tokio::test]
async fn a_tiny_cache_still_gives_the_right_pages() {
    // Room for a listing of a few items at a time: the walks below, one
    // page of each folder in turn, keep evicting each other.
    let app = spawn_app_with(|config| config.listing_cache_bytes = 3000).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let mut folders = Vec::new();
    for (f, n) in [("a", 15), ("b", 9), ("c", 2)] {
        let id = app.mkdir(token, "root", f).await.id.to_string();
        for name in file_names(n) {
            app.upload(token, &id, &format!("{f}-{name}"), vec![1])
                .await;
        }
        let expected: Vec<String> = file_names(n).iter().map(|x| format!("{f}-{x}")).collect();
        folders.push((id, expected, Vec::<String>::new(), None::<String>));
    }
    // Round robin, pages of 2, until every folder is walked.
    while folders
        .iter()
        .any(|(_, expected, got, _)| got.len() < expected.len())
    {
        for (id, expected, got, cursor) in &mut folders {
            if got.len() == expected.len() {
                continue;
            }
            let mut path = format!("/api/v1/folders/{id}/children?limit=2");
            if let Some(c) = cursor.as_ref() {
                path.push_str(&format!("&cursor={c}"));
            }
            let page: FolderListing = json(app.get_auth(&path, token).await, StatusCode::OK).await;
            got.extend(page.items.into_iter().map(|n| n.name));
            *cursor = page.next_cursor;
            assert_eq!(cursor.is_none(), got.len() == expected.len());
        }
    }
    for (_, expected, got, _) in &folders {
        assert_eq!(got, expected);
    }
}
