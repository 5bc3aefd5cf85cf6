//! The trash over HTTP: a delete moves a node there with everything below
//! it; restore puts it back (409 when its name is taken, unless told another
//! name or place; to the root when its folder is gone); purge, empty and the
//! sweeper delete for good; it counts against the quota until then.

use reqwest::StatusCode;
use strongroom_shared::{Node, Problem, SearchResults, TrashListing, UserProfile};
use uuid::Uuid;

use super::helpers::{TestApp, json, problem, spawn_app, spawn_app_with};

pub async fn me(app: &TestApp, token: &str) -> UserProfile {
    json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await
}

pub async fn trash(app: &TestApp, token: &str) -> TrashListing {
    json(app.get_auth("/api/v1/trash", token).await, StatusCode::OK).await
}

async fn delete(app: &TestApp, token: &str, id: Uuid) -> StatusCode {
    app.client
        .delete(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

pub async fn restore_raw(
    app: &TestApp,
    token: &str,
    id: Uuid,
    body: serde_json::Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/trash/{id}/restore")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn restore(app: &TestApp, token: &str, id: Uuid, body: serde_json::Value) -> Node {
    json(restore_raw(app, token, id, body).await, StatusCode::OK).await
}

async fn send_delete(app: &TestApp, token: &str, path: &str) -> StatusCode {
    app.client
        .delete(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

fn names(listing: &TrashListing) -> Vec<&str> {
    let mut names: Vec<&str> = listing.items.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn a_deleted_folder_goes_to_the_trash_and_comes_back_whole() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let photos = app.mkdir(token, "root", "Photos").await;
    let trip = app.mkdir(token, &photos.id.to_string(), "Trip").await;
    let beach = app
        .upload(token, &trip.id.to_string(), "beach.jpg", vec![7; 1000])
        .await;
    app.upload(token, &photos.id.to_string(), "cover.jpg", vec![8; 24])
        .await;

    assert_eq!(delete(&app, token, photos.id).await, StatusCode::NO_CONTENT);

    // Out of every view of the tree: listing, by id, by path, search.
    assert!(app.list(token, "root").await.items.is_empty());
    for id in [photos.id, trip.id, beach.id] {
        let response = app.get_auth(&format!("/api/v1/nodes/{id}"), token).await;
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let response = app
        .get_auth(&format!("/api/v1/files/{}/content", beach.id), token)
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app.get_auth("/api/v1/fs/Photos/Trip", token).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let hits: SearchResults = json(
        app.get_auth("/api/v1/search?q=beach", token).await,
        StatusCode::OK,
    )
    .await;
    assert!(hits.items.is_empty(), "search finds nothing in the trash");
    let response = app
        .get_auth(&format!("/api/v1/folders/{}/children", trip.id), token)
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;

    // In the trash, as one item with its size, still counted.
    let listing = trash(&app, token).await;
    assert_eq!(listing.retention_days, 30);
    assert_eq!(listing.items.len(), 1);
    let item = &listing.items[0];
    assert_eq!((item.id, item.name.as_str()), (photos.id, "Photos"));
    assert_eq!(item.size, 1024);
    assert_eq!(item.original_path.len(), 1, "deleted from the root");
    assert_eq!(item.original_path[0].id, user.signup.user.id);
    assert_eq!(
        item.purge_at - item.deleted_at,
        time::Duration::days(30),
        "purged after the retention"
    );
    let profile = me(&app, token).await;
    assert_eq!(
        (
            profile.used_bytes,
            profile.trash_bytes,
            profile.version_bytes
        ),
        (1024, 1024, 0)
    );

    // Its name is free: a new "Photos" can be made, then blocks the restore.
    let other = app.mkdir(token, "root", "Photos").await;
    let response = restore_raw(&app, token, photos.id, serde_json::json!({})).await;
    let refused: Problem = problem(response, StatusCode::CONFLICT, "name_taken").await;
    assert!(refused.detail.unwrap_or_default().contains("name"));
    assert_eq!(trash(&app, token).await.items.len(), 1, "nothing changed");

    // Under another name it comes back whole, ids and contents intact.
    let back = restore(
        &app,
        token,
        photos.id,
        serde_json::json!({"name": "Photos (restored)"}),
    )
    .await;
    assert_eq!(
        (back.id, back.name.as_str()),
        (photos.id, "Photos (restored)")
    );
    assert_eq!(back.parent_id, Some(user.signup.user.id));
    assert_eq!(app.content(token, beach.id).await, vec![7; 1000]);
    let inside = app.list(token, &trip.id.to_string()).await;
    assert_eq!(inside.items.len(), 1);
    assert_eq!(
        inside
            .breadcrumbs
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        ["", "Photos (restored)", "Trip"]
    );
    assert!(trash(&app, token).await.items.is_empty());
    let profile = me(&app, token).await;
    assert_eq!((profile.used_bytes, profile.trash_bytes), (1024, 0));
    let root = app.list(token, "root").await;
    assert_eq!(root.items.len(), 2);
    assert!(root.items.iter().any(|n| n.id == other.id));
}

#[tokio::test]
async fn restore_goes_to_the_root_when_the_folder_is_gone_or_where_asked() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let work = app.mkdir(token, "root", "Work").await;
    let archive = app.mkdir(token, "root", "Archive").await;
    let note = app
        .upload(
            token,
            &work.id.to_string(),
            "note.txt",
            b"remember".to_vec(),
        )
        .await;
    let plan = app
        .upload(token, &work.id.to_string(), "plan.txt", b"later".to_vec())
        .await;

    // The file first, then its folder: two items; purging the folder
    // leaves the file in the trash, with no original folder to go back to.
    assert_eq!(delete(&app, token, note.id).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(&app, token, work.id).await, StatusCode::NO_CONTENT);
    let listing = trash(&app, token).await;
    assert_eq!(names(&listing), ["Work", "note.txt"]);
    let note_item = listing.items.iter().find(|i| i.id == note.id).unwrap();
    assert!(
        note_item.original_path.is_empty(),
        "its folder is in the trash itself"
    );
    assert_eq!(
        send_delete(&app, token, &format!("/api/v1/trash/{}", work.id)).await,
        StatusCode::NO_CONTENT
    );
    let listing = trash(&app, token).await;
    assert_eq!(names(&listing), ["note.txt"]);
    // `plan.txt` went with its folder for good.
    assert_eq!(me(&app, token).await.used_bytes, 8);
    let _ = plan;

    let back = restore(&app, token, note.id, serde_json::json!({})).await;
    assert_eq!(back.parent_id, Some(user.signup.user.id), "to the root");
    assert_eq!(app.content(token, note.id).await, b"remember");

    // Where asked: into another folder.
    assert_eq!(delete(&app, token, note.id).await, StatusCode::NO_CONTENT);
    let back = restore(
        &app,
        token,
        note.id,
        serde_json::json!({"parent_id": archive.id.to_string()}),
    )
    .await;
    assert_eq!(back.parent_id, Some(archive.id));
    assert_eq!(
        app.list(token, &archive.id.to_string()).await.items.len(),
        1
    );

    // Not into a file, not into something in the trash, not from nowhere.
    assert_eq!(delete(&app, token, note.id).await, StatusCode::NO_CONTENT);
    let file = app.upload(token, "root", "file.txt", b"x".to_vec()).await;
    let response = restore_raw(
        &app,
        token,
        note.id,
        serde_json::json!({"parent_id": file.id.to_string()}),
    )
    .await;
    problem(response, StatusCode::CONFLICT, "not_a_folder").await;
    let gone = app.mkdir(token, "root", "Gone").await;
    assert_eq!(delete(&app, token, gone.id).await, StatusCode::NO_CONTENT);
    let response = restore_raw(
        &app,
        token,
        note.id,
        serde_json::json!({"parent_id": gone.id.to_string()}),
    )
    .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = restore_raw(&app, token, file.id, serde_json::json!({})).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = restore_raw(&app, token, note.id, serde_json::json!({"name": "a/b"})).await;
    problem(response, StatusCode::BAD_REQUEST, "validation_failed").await;
    let response = restore_raw(&app, token, note.id, serde_json::json!({"color": "red"})).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(names(&trash(&app, token).await), ["Gone", "note.txt"]);
}

#[tokio::test]
async fn purging_and_emptying_free_the_quota_at_once() {
    let app = spawn_app_with(|config| config.default_quota_bytes = 10_000).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let a = app.upload(token, "root", "a.bin", vec![1; 6_000]).await;
    let b = app.upload(token, "root", "b.bin", vec![2; 3_000]).await;
    assert_eq!(app.objects().await.len(), 2);
    assert_eq!(delete(&app, token, a.id).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(&app, token, b.id).await, StatusCode::NO_CONTENT);
    assert_eq!(me(&app, token).await.trash_bytes, 9_000);

    // Full: the refusal says the trash holds what would make room.
    let response = app
        .put_file(token, "root", "c.bin", vec![3; 2_000], false)
        .await;
    let refused: Problem =
        problem(response, StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded").await;
    let detail = refused.detail.unwrap_or_default();
    assert!(detail.contains("trash"), "{detail}");
    assert!(detail.contains("9000"), "{detail}");

    assert_eq!(
        send_delete(&app, token, &format!("/api/v1/trash/{}", a.id)).await,
        StatusCode::NO_CONTENT
    );
    let profile = me(&app, token).await;
    assert_eq!((profile.used_bytes, profile.trash_bytes), (3_000, 3_000));
    assert_eq!(app.objects().await.len(), 1, "its object went at once");
    let response = app
        .put_file(token, "root", "c.bin", vec![3; 2_000], false)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    assert_eq!(
        send_delete(&app, token, "/api/v1/trash").await,
        StatusCode::NO_CONTENT
    );
    let profile = me(&app, token).await;
    assert_eq!((profile.used_bytes, profile.trash_bytes), (2_000, 0));
    assert!(trash(&app, token).await.items.is_empty());
    assert_eq!(app.objects().await.len(), 1);
    // Purged is gone: not restorable, not purgeable twice.
    let response = restore_raw(&app, token, b.id, serde_json::json!({})).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        send_delete(&app, token, &format!("/api/v1/trash/{}", a.id)).await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_sweeper_purges_the_trash_past_its_retention() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let folder = app.mkdir(token, "root", "Old").await;
    app.upload(token, &folder.id.to_string(), "old.bin", vec![5; 500])
        .await;
    let kept = app.upload(token, "root", "kept.bin", vec![6; 50]).await;
    assert_eq!(delete(&app, token, folder.id).await, StatusCode::NO_CONTENT);
    let stores = app.stores().await;
    let (meta, blobs) = (stores.meta, stores.blobs);
    let purge = |retention| {
        strongroom_api::vault::sweeper::purge_expired_trash(
            meta.as_ref(),
            blobs.as_ref(),
            retention,
        )
    };
    // Within the retention nothing goes.
    assert_eq!(purge(time::Duration::days(30)).await.unwrap(), 0);
    assert_eq!(trash(&app, token).await.items.len(), 1);
    assert_eq!(app.objects().await.len(), 2);
    // Past it (a retention shorter than the item's age), it goes for good.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(purge(time::Duration::ZERO).await.unwrap(), 1);
    assert!(trash(&app, token).await.items.is_empty());
    assert_eq!(app.objects().await.len(), 1);
    let profile = me(&app, token).await;
    assert_eq!((profile.used_bytes, profile.trash_bytes), (50, 0));
    assert_eq!(app.content(token, kept.id).await, vec![6; 50]);
    assert_eq!(purge(time::Duration::ZERO).await.unwrap(), 0);
}

#[tokio::test]
async fn with_the_trash_off_a_delete_is_final() {
    let app = spawn_app_with(|config| config.trash_retention_days = 0).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app.upload(token, "root", "gone.bin", vec![1; 100]).await;
    assert_eq!(delete(&app, token, file.id).await, StatusCode::NO_CONTENT);
    let listing = trash(&app, token).await;
    assert!(listing.items.is_empty());
    assert_eq!(listing.retention_days, 0);
    assert_eq!(me(&app, token).await.used_bytes, 0);
    assert!(app.objects().await.is_empty());
    let response = restore_raw(&app, token, file.id, serde_json::json!({})).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn deleting_by_path_goes_to_the_trash_too() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let response = app
        .client
        .put(app.url("/api/v1/fs/a/b/c.txt?parents=true"))
        .bearer_auth(token)
        .body("deep")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        send_delete(&app, token, "/api/v1/fs/a/b").await,
        StatusCode::NO_CONTENT
    );
    let response = app.get_auth("/api/v1/fs/a/b/c.txt", token).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let listing = trash(&app, token).await;
    assert_eq!(names(&listing), ["b"]);
    assert_eq!(
        listing.items[0]
            .original_path
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        ["", "a"]
    );
    let b = listing.items[0].id;
    restore(&app, token, b, serde_json::json!({})).await;
    let response = app.get_auth("/api/v1/fs/a/b/c.txt", token).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_users_trash_is_out_of_reach() {
    let app = spawn_app().await;
    let ann = app.new_user().await;
    let bob = app.new_user().await;
    let (ann_token, bob_token) = (&ann.tokens.access_token, &bob.tokens.access_token);
    let secret = app
        .upload(ann_token, "root", "secret.txt", b"ann's".to_vec())
        .await;
    assert_eq!(
        delete(&app, ann_token, secret.id).await,
        StatusCode::NO_CONTENT
    );
    assert!(trash(&app, bob_token).await.items.is_empty());
    let response = restore_raw(&app, bob_token, secret.id, serde_json::json!({})).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(
        send_delete(&app, bob_token, &format!("/api/v1/trash/{}", secret.id)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send_delete(&app, bob_token, "/api/v1/trash").await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        trash(&app, ann_token).await.items.len(),
        1,
        "Ann's is intact"
    );
    restore(&app, ann_token, secret.id, serde_json::json!({})).await;
    assert_eq!(app.content(ann_token, secret.id).await, b"ann's");
}

#[tokio::test]
async fn a_trashed_node_ends_its_share_links() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let file = app
        .upload(token, "root", "shared.txt", b"public".to_vec())
        .await;
    let share: strongroom_shared::Share = json(
        app.client
            .post(app.url(&format!("/api/v1/nodes/{}/shares", file.id)))
            .bearer_auth(token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let link = format!("/api/v1/public/shares/{}/content", share.token.unwrap());
    assert_eq!(
        app.client
            .get(app.url(&link))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(delete(&app, token, file.id).await, StatusCode::NO_CONTENT);
    assert_eq!(
        app.client
            .get(app.url(&link))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    // A restore brings the file back, not the link.
    restore(&app, token, file.id, serde_json::json!({})).await;
    assert_eq!(
        app.client
            .get(app.url(&link))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}
