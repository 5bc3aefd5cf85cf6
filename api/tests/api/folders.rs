//! Folders, names, rename/move/delete, search, path addressing, and isolation
//! between users.

use reqwest::StatusCode;
use strongroom_shared::{FolderListing, Node, NodeKind, SearchResults, UserProfile};
use uuid::Uuid;

use crate::helpers::*;

async fn patch(app: &TestApp, token: &str, id: Uuid, body: serde_json::Value) -> reqwest::Response {
    app.client
        .patch(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn delete(app: &TestApp, token: &str, id: Uuid) -> reqwest::Response {
    app.client
        .delete(app.url(&format!("/api/v1/nodes/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn listings_put_folders_first_sort_by_name_and_paginate() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    for name in ["beta.txt", "Alpha.txt", "gamma.txt"] {
        app.upload(token, "root", name, name.as_bytes().to_vec())
            .await;
    }
    for name in ["zeta", "Docs", "archive"] {
        app.mkdir(token, "root", name).await;
    }
    let listing = app.list(token, "root").await;
    let names: Vec<&str> = listing.items.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "archive",
            "Docs",
            "zeta",
            "Alpha.txt",
            "beta.txt",
            "gamma.txt"
        ]
    );
    assert_eq!(listing.folder.id, user.signup.user.id);
    assert_eq!(listing.folder.parent_id, None);
    assert_eq!(listing.breadcrumbs.len(), 1);
    assert!(listing.next_cursor.is_none());

    // 25 files, pages of 10: every item exactly once, in order.
    let docs = listing
        .items
        .iter()
        .find(|n| n.name == "Docs")
        .unwrap()
        .id
        .to_string();
    for i in 0..25 {
        app.upload(token, &docs, &format!("f{i:02}"), vec![i as u8])
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/folders/{docs}/children?limit=10");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: FolderListing = json(app.get_auth(&path, token).await, StatusCode::OK).await;
        assert!(page.items.len() <= 10);
        seen.extend(page.items.iter().map(|n| n.name.clone()));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let expected: Vec<String> = (0..25).map(|i| format!("f{i:02}")).collect();
    assert_eq!(seen, expected);
    // A cursor is bound to its folder; junk is refused.
    let first: FolderListing = json(
        app.get_auth(&format!("/api/v1/folders/{docs}/children?limit=10"), token)
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = first.next_cursor.unwrap();
    problem(
        app.get_auth(
            &format!("/api/v1/folders/root/children?cursor={cursor}"),
            token,
        )
        .await,
        StatusCode::NOT_FOUND,
        "invalid_cursor",
    )
    .await;
    // A cursor no listing gave names no page: 404, like any unknown resource.
    problem(
        app.get_auth("/api/v1/folders/root/children?cursor=garbage", token)
            .await,
        StatusCode::NOT_FOUND,
        "invalid_cursor",
    )
    .await;
    for bad in ["limit=0", "limit=1001", "limit=-1", "limit=x"] {
        let response = app
            .get_auth(&format!("/api/v1/folders/root/children?{bad}"), token)
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn breadcrumbs_rename_and_move() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let a = app.mkdir(token, "root", "a").await;
    let b = app.mkdir(token, &a.id.to_string(), "b").await;
    let c = app.mkdir(token, &b.id.to_string(), "c").await;
    let file = app
        .upload(token, &c.id.to_string(), "deep.txt", b"deep".to_vec())
        .await;
    let listing = app.list(token, &c.id.to_string()).await;
    let crumbs: Vec<&str> = listing
        .breadcrumbs
        .iter()
        .map(|b| b.name.as_str())
        .collect();
    assert_eq!(crumbs, ["", "a", "b", "c"]);

    // Rename.
    let renamed: Node = json(
        patch(
            &app,
            token,
            file.id,
            serde_json::json!({ "name": "renamed.md" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (renamed.name.as_str(), renamed.content_type.as_deref()),
        ("renamed.md", Some("text/markdown"))
    );
    // Move to the root, then back with a new name at once.
    let moved: Node = json(
        patch(
            &app,
            token,
            file.id,
            serde_json::json!({ "parent_id": "root" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved.parent_id, Some(user.signup.user.id));
    let both: Node = json(
        patch(
            &app,
            token,
            file.id,
            serde_json::json!({ "parent_id": a.id, "name": "both.md" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (both.parent_id, both.name.as_str()),
        (Some(a.id), "both.md")
    );
    assert_eq!(app.content(token, file.id).await, b"deep");

    // A folder cannot move into itself or below itself; the root cannot move.
    for target in [a.id, b.id, c.id] {
        problem(
            patch(
                &app,
                token,
                a.id,
                serde_json::json!({ "parent_id": target }),
            )
            .await,
            StatusCode::CONFLICT,
            "invalid_move",
        )
        .await;
    }
    problem(
        patch(
            &app,
            token,
            user.signup.user.id,
            serde_json::json!({ "name": "x" }),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_move",
    )
    .await;
    // Into a file, or a missing folder: refused, nothing changed.
    let file_in_a = both.id;
    problem(
        patch(
            &app,
            token,
            b.id,
            serde_json::json!({ "parent_id": file_in_a }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        patch(
            &app,
            token,
            b.id,
            serde_json::json!({ "parent_id": Uuid::new_v4() }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Name clashes are refused.
    app.mkdir(token, &a.id.to_string(), "taken").await;
    problem(
        patch(&app, token, b.id, serde_json::json!({ "name": "taken" })).await,
        StatusCode::CONFLICT,
        "name_taken",
    )
    .await;
    let listing = app.list(token, &a.id.to_string()).await;
    let names: Vec<&str> = listing.items.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["b", "taken", "both.md"]);
}

/// With the trash off (`tests/api/trash.rs` has the trash), a delete is
/// final at once.
#[tokio::test]
async fn deleting_a_folder_removes_everything_below_it() {
    let app = spawn_app_with(|config| config.trash_retention_days = 0).await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let top = app.mkdir(token, "root", "top").await;
    let inner = app.mkdir(token, &top.id.to_string(), "inner").await;
    app.upload(token, &top.id.to_string(), "one", vec![1; 1000])
        .await;
    app.upload(token, &inner.id.to_string(), "two", vec![2; 2000])
        .await;
    let keep = app.upload(token, "root", "keep", vec![3; 300]).await;
    assert_eq!(app.objects().await.len(), 3);

    assert_eq!(
        delete(&app, token, top.id).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.objects().await.len(), 1);
    let me: UserProfile = json(app.get_auth("/api/v1/me", token).await, StatusCode::OK).await;
    assert_eq!(me.used_bytes, 300);
    problem(
        app.get_auth(&format!("/api/v1/nodes/{}", inner.id), token)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        app.list(token, "root")
            .await
            .items
            .iter()
            .map(|n| n.id)
            .collect::<Vec<_>>(),
        [keep.id]
    );
    problem(
        delete(&app, token, top.id).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        delete(&app, token, user.signup.user.id).await,
        StatusCode::CONFLICT,
        "invalid_move",
    )
    .await;
}

#[tokio::test]
async fn names_are_checked_and_normalised() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let cases = [
        ("", "name_empty"),
        (".", "name_reserved"),
        ("..", "name_reserved"),
        ("a/b", "name_slash"),
        ("nul\u{0}byte", "name_control_character"),
        ("bell\u{7}", "name_control_character"),
        ("new\nline", "name_control_character"),
    ];
    let long = "é".repeat(128);
    for (name, code) in cases
        .iter()
        .copied()
        .chain([(long.as_str(), "name_too_long")])
    {
        let response = app
            .client
            .post(app.url("/api/v1/folders"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "parent_id": "root", "name": name }))
            .send()
            .await
            .unwrap();
        let problem = problem(response, StatusCode::BAD_REQUEST, "validation_failed").await;
        assert_eq!(problem.errors[0].code, code, "{name:?}");
    }
    // The same rules for uploads by name.
    for (name, code) in [
        ("tab\there", "name_control_character"),
        ("bell\u{7}", "name_control_character"),
    ] {
        let problem = problem(
            app.put_file(token, "root", name, b"x".to_vec(), false)
                .await,
            StatusCode::BAD_REQUEST,
            "validation_failed",
        )
        .await;
        assert_eq!(problem.errors[0].code, code);
    }
    let max = "a".repeat(251) + ".txt";
    app.upload(token, "root", &max, b"ok".to_vec()).await;
    // NFC: the decomposed spelling is the same name as the composed one.
    app.mkdir(token, "root", "caf\u{e9}").await;
    let response = app
        .client
        .post(app.url("/api/v1/folders"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "parent_id": "root", "name": "cafe\u{301}" }))
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::CONFLICT, "name_taken").await;
    assert_eq!(app.list(token, "root").await.items.len(), 2);
}

#[tokio::test]
async fn search_is_case_insensitive_over_files_and_folders() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let folder = app.mkdir(token, "root", "Reports").await;
    app.upload(
        token,
        &folder.id.to_string(),
        "Q3 REPORT.pdf",
        b"x".to_vec(),
    )
    .await;
    app.upload(token, "root", "holiday.jpg", b"x".to_vec())
        .await;
    let other = app.new_user().await;
    app.upload(
        &other.tokens.access_token,
        "root",
        "report-of-other.txt",
        b"x".to_vec(),
    )
    .await;
    let results: SearchResults = json(
        app.get_auth("/api/v1/search?q=rEpOrT", token).await,
        StatusCode::OK,
    )
    .await;
    let names: Vec<(&str, NodeKind)> = results
        .items
        .iter()
        .map(|n| (n.name.as_str(), n.kind))
        .collect();
    assert_eq!(
        names,
        [
            ("Reports", NodeKind::Folder),
            ("Q3 REPORT.pdf", NodeKind::File)
        ]
    );
    problem(
        app.get_auth("/api/v1/search?q=", token).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
    // `q` means what it says, spaces included.
    let spaced: SearchResults = json(
        app.get_auth("/api/v1/search?q=3%20R", token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        spaced
            .items
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["Q3 REPORT.pdf"]
    );
    problem(
        app.get_auth("/api/v1/search", token).await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
    )
    .await;
}

#[tokio::test]
async fn paths_address_files_and_folders() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let put = |path: &str, body: &'static [u8]| {
        app.client
            .put(app.url(&format!("/api/v1/fs/{path}")))
            .bearer_auth(token)
            .body(body)
            .send()
    };
    problem(
        put("docs/2026/report.pdf", b"pdf").await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let node: Node = json(
        put("docs/2026/report.pdf?parents=true", b"pdf")
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(node.name, "report.pdf");
    json::<Node>(
        put("docs/2026/r%C3%A9sum%C3%A9.txt", b"cv").await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    problem(
        put("docs/2026/report.pdf", b"again").await.unwrap(),
        StatusCode::CONFLICT,
        "name_taken",
    )
    .await;
    json::<Node>(
        put("docs/2026/report.pdf?overwrite=true", b"again")
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;

    let response = app.get_auth("/api/v1/fs/docs/2026/report.pdf", token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&response.bytes().await.unwrap()[..], b"again");
    let response = app
        .get_auth("/api/v1/fs/docs/2026/r%C3%A9sum%C3%A9.txt", token)
        .await;
    assert_eq!(&response.bytes().await.unwrap()[..], b"cv");
    let listing: FolderListing = json(
        app.get_auth("/api/v1/fs/docs/2026", token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listing
            .items
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["report.pdf", "résumé.txt"]
    );
    assert_eq!(
        listing
            .breadcrumbs
            .iter()
            .map(|b| b.name.as_str())
            .collect::<Vec<_>>(),
        ["", "docs", "2026"]
    );
    let root: FolderListing = json(app.get_auth("/api/v1/fs", token).await, StatusCode::OK).await;
    assert_eq!(root.items.len(), 1);
    problem(
        app.get_auth("/api/v1/fs/docs/nope", token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // A file is not a folder on the way.
    problem(
        put("docs/2026/report.pdf/inner.txt?parents=true", b"x")
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "not_a_folder",
    )
    .await;

    let response = app
        .client
        .delete(app.url("/api/v1/fs/docs"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.objects().await.len(),
        3,
        "two files and a version, in the trash"
    );
    problem(
        app.get_auth("/api/v1/fs/docs/2026/report.pdf", token).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// Every endpoint that takes an id answers another user's id like a missing one.
#[tokio::test]
async fn another_users_ids_answer_404_everywhere() {
    let app = spawn_app().await;
    let owner = app.new_user().await;
    let intruder = app.new_user().await;
    let token = &owner.tokens.access_token;
    let folder = app.mkdir(token, "root", "private").await;
    let file = app
        .upload(
            token,
            &folder.id.to_string(),
            "diary.txt",
            b"dear diary".to_vec(),
        )
        .await;
    let other = &intruder.tokens.access_token;
    let client = &app.client;
    let ids = [folder.id, file.id, owner.signup.user.id];
    for id in ids {
        let requests = [
            client.get(app.url(&format!("/api/v1/nodes/{id}"))),
            client
                .patch(app.url(&format!("/api/v1/nodes/{id}")))
                .json(&serde_json::json!({ "name": "mine" })),
            client.delete(app.url(&format!("/api/v1/nodes/{id}"))),
            client.get(app.url(&format!("/api/v1/files/{id}/content"))),
            client.post(app.url(&format!("/api/v1/files/{id}/download-url"))),
            client.get(app.url(&format!("/api/v1/folders/{id}/children"))),
            client
                .put(app.url(&format!("/api/v1/folders/{id}/files/planted.txt")))
                .body("x"),
            client
                .post(app.url("/api/v1/folders"))
                .json(&serde_json::json!({ "parent_id": id, "name": "planted" })),
        ];
        for request in requests {
            let response = request.bearer_auth(other).send().await.unwrap();
            problem(response, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    // Moving one's own node into the other's folder is refused as well.
    let mine = app.mkdir(other, "root", "mine").await;
    problem(
        patch(
            &app,
            other,
            mine.id,
            serde_json::json!({ "parent_id": folder.id }),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // And the owner's things are untouched.
    assert_eq!(app.content(token, file.id).await, b"dear diary");
    assert_eq!(app.list(token, &folder.id.to_string()).await.items.len(), 1);
    assert!(
        app.list(other, "root")
            .await
            .items
            .iter()
            .all(|n| n.name == "mine")
    );
}

#[tokio::test]
async fn deleting_the_account_deletes_its_objects() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let bystander = app.new_user().await;
    let token = &user.tokens.access_token;
    app.upload(token, "root", "a", vec![1; 10]).await;
    let folder = app.mkdir(token, "root", "f").await;
    app.upload(token, &folder.id.to_string(), "b", vec![2; 10])
        .await;
    let kept = app
        .upload(&bystander.tokens.access_token, "root", "c", vec![3; 10])
        .await;
    assert_eq!(app.objects().await.len(), 3);
    let response = app
        .client
        .delete(app.url("/api/v1/me"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.objects().await.len(), 1);
    assert_eq!(
        app.content(&bystander.tokens.access_token, kept.id).await,
        vec![3; 10]
    );
}

#[tokio::test]
async fn a_file_where_a_folder_is_needed_and_back_is_a_conflict() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let token = &user.tokens.access_token;
    let folder = app.mkdir(token, "root", "Folder").await;
    let file = app
        .upload(token, "root", "file.txt", b"text".to_vec())
        .await;
    for (method, path, code) in [
        (
            "GET",
            format!("/api/v1/files/{}/content", folder.id),
            "not_a_file",
        ),
        (
            "POST",
            format!("/api/v1/files/{}/download-url", folder.id),
            "not_a_file",
        ),
        (
            "GET",
            format!("/api/v1/folders/{}/children", file.id),
            "not_a_folder",
        ),
        (
            "PUT",
            format!("/api/v1/folders/{}/files/x.txt", file.id),
            "not_a_folder",
        ),
    ] {
        let response = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                app.url(&path),
            )
            .bearer_auth(token)
            .body("x")
            .send()
            .await
            .unwrap();
        problem(response, StatusCode::CONFLICT, code).await;
    }
    assert_eq!(app.list(token, "root").await.items.len(), 2);
}
